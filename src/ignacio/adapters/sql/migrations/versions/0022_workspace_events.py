"""Live updates: `workspace_events`, what changed in a workspace's conversations, for the open
web apps (the inbox, the member's chat).

- Written in the transaction of the change it tells (an outbox): an event exists exactly when
  its change was committed.
- `id` is the streams' cursor (the SSE id a client hands back to catch up): increasing, never
  given twice. On SQLite the table is AUTOINCREMENT, so that pruning the newest rows (a quiet
  week) cannot make their numbers be given again; on PostgreSQL a sequence (BIGSERIAL).
- `data` holds ids and states only, never text or phone numbers.
- No foreign key on `conversation_id`: a conversation goes with its member, and the member's
  events go with them (`member_id`, ON DELETE CASCADE); checking a third key on every event
  would buy nothing.
- Kept for a few days (IGNACIO_EVENT_RETENTION_DAYS): `created_at` is indexed for the pruning.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from ignacio.adapters.sql.types import UtcDateTime, json_document

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "workspace_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column(
            "workspace_id",
            sa.Uuid(),
            sa.ForeignKey("workspaces.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("conversation_id", sa.Uuid(), nullable=False),
        sa.Column(
            "member_id",
            sa.Uuid(),
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("data", json_document(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False, server_default=sa.func.now()),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_workspace_events_workspace_id_id", "workspace_events", ["workspace_id", "id"]
    )
    op.create_index("ix_workspace_events_member_id_id", "workspace_events", ["member_id", "id"])
    op.create_index("ix_workspace_events_created_at", "workspace_events", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_workspace_events_created_at", table_name="workspace_events")
    op.drop_index("ix_workspace_events_member_id_id", table_name="workspace_events")
    op.drop_index("ix_workspace_events_workspace_id_id", table_name="workspace_events")
    op.drop_table("workspace_events")
