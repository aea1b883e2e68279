"""Records: what members ask for in structured form, the team's comments, each workspace's types.

- `record_types`: a workspace's own record types (the built-in `report` and `proposal` are in
  the code, ready in every workspace), by (workspace, name); the definition as JSON.
- `records`: the owner (goes with the user), the type's name, a title, the values as the type
  validated them (JSON), status, source, the required fields left for the team (`unfilled`),
  the conversation it came from (SET NULL when that goes), when it was made, changed and
  confirmed by the member. Indexed for the list's keyset: by workspace, by workspace and status
  (the team's inbox), by member.
- `record_comments`: the team's comments (author without a foreign key, as `messages.sent_by`),
  and how the owner was told (`notice`).

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from ignacio.adapters.sql.types import UtcDateTime, json_document

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _workspace_id(*, primary_key: bool = False) -> sa.Column[object]:
    return sa.Column(
        "workspace_id",
        sa.Uuid(),
        sa.ForeignKey("workspaces.id", ondelete="CASCADE"),
        nullable=False,
        primary_key=primary_key,
    )


def upgrade() -> None:
    op.create_table(
        "record_types",
        _workspace_id(primary_key=True),
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("definition", json_document(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False, server_default=sa.func.now()),
    )
    op.create_table(
        "records",
        sa.Column("id", sa.Uuid(), primary_key=True),
        _workspace_id(),
        sa.Column(
            "user_id", sa.Uuid(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("type_name", sa.String(40), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("record_values", json_document(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("unfilled", json_document(), nullable=False),
        sa.Column(
            "conversation_id",
            sa.Uuid(),
            sa.ForeignKey("conversations.id", ondelete="SET NULL"),
        ),
        sa.Column("created_at", UtcDateTime(), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("confirmed_at", UtcDateTime()),
    )
    op.create_index(
        "ix_records_workspace_id_created_at_id", "records", ["workspace_id", "created_at", "id"]
    )
    op.create_index(
        "ix_records_workspace_id_status_created_at_id",
        "records",
        ["workspace_id", "status", "created_at", "id"],
    )
    op.create_index(
        "ix_records_user_id_workspace_id_created_at_id",
        "records",
        ["user_id", "workspace_id", "created_at", "id"],
    )
    op.create_index("ix_records_conversation_id", "records", ["conversation_id"])
    op.create_table(
        "record_comments",
        sa.Column("id", sa.Uuid(), primary_key=True),
        _workspace_id(),
        sa.Column(
            "record_id",
            sa.Uuid(),
            sa.ForeignKey("records.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("notice", sa.String(16), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False, server_default=sa.func.now()),
    )
    op.create_index(
        "ix_record_comments_record_id_created_at", "record_comments", ["record_id", "created_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_record_comments_record_id_created_at", table_name="record_comments")
    op.drop_table("record_comments")
    op.drop_index("ix_records_conversation_id", table_name="records")
    op.drop_index("ix_records_user_id_workspace_id_created_at_id", table_name="records")
    op.drop_index("ix_records_workspace_id_status_created_at_id", table_name="records")
    op.drop_index("ix_records_workspace_id_created_at_id", table_name="records")
    op.drop_table("records")
    op.drop_table("record_types")
