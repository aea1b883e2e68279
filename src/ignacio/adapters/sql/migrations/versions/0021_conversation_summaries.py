"""Conversation summaries: what a person of the team reads before a thread they take over.

- `conversation_summaries`: each summary's text, what writing it cost (model, tokens, time), the
  newest message it read (`last_message_id`, `last_message_at`; no foreign key: a message goes
  only with its conversation) and how many it read, and who asked for it (`requested_by`, NULL
  for one made at a handoff; no foreign key, as `messages.sent_by`). Its rows go with their
  conversation and workspace.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from ignacio.adapters.sql.types import UtcDateTime

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "conversation_summaries",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column(
            "workspace_id",
            sa.Uuid(),
            sa.ForeignKey("workspaces.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "conversation_id",
            sa.Uuid(),
            sa.ForeignKey("conversations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("model", sa.String(100)),
        sa.Column("input_tokens", sa.Integer()),
        sa.Column("output_tokens", sa.Integer()),
        sa.Column("latency_ms", sa.Integer()),
        sa.Column("last_message_id", sa.Uuid(), nullable=False),
        sa.Column("last_message_at", UtcDateTime(), nullable=False),
        sa.Column("messages_read", sa.Integer(), nullable=False),
        sa.Column("requested_by", sa.Uuid()),
        sa.Column("created_at", UtcDateTime(), nullable=False, server_default=sa.func.now()),
    )
    op.create_index(
        "ix_conversation_summaries_conversation_id_created_at_id",
        "conversation_summaries",
        ["conversation_id", "created_at", "id"],
    )


def downgrade() -> None:
    op.drop_index(
        "ix_conversation_summaries_conversation_id_created_at_id",
        table_name="conversation_summaries",
    )
    op.drop_table("conversation_summaries")
