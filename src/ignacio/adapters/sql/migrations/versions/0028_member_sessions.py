"""Members' short-lived WhatsApp sessions: `member_sessions`.

- One row per member and workspace: the conversation their messages go to (chosen with `/new`
  or `/switch`), the conversations of their last `/list`, a step waiting for their answer, and
  when it expires (each message renews it; an expired row is as none).
- It goes with its workspace and with its member (ON DELETE CASCADE); the conversation it names
  has no foreign key (a deleted one is simply not found, as in Redis).

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from ignacio.adapters.sql.types import UtcDateTime, json_document

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "member_sessions",
        sa.Column(
            "workspace_id",
            sa.Uuid(),
            sa.ForeignKey("workspaces.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "user_id", sa.Uuid(), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("conversation_id", sa.Uuid()),
        sa.Column("listed", json_document(), nullable=False),
        sa.Column("pending", sa.Text()),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_member_sessions_user_id", "member_sessions", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_member_sessions_user_id", table_name="member_sessions")
    op.drop_table("member_sessions")
