"""The team inbox: who answers each conversation, every change of it, and who has read what.

- `conversations.state` (`assistant`, `waiting`, `human`, `closed`; every conversation so far is
  the assistant's), `assignee_id` (the person of the team who has it, exactly when `human`),
  `state_since`, and `last_member_message_at`, from which WhatsApp's 24-hour window runs
  (filled from each conversation's messages). No foreign key on `assignee_id`: a person who
  leaves the team gives their conversations back to the waiting line in the same transaction
  (ON DELETE SET NULL would leave a `human` conversation with nobody).
- `conversation_state_changes`: each change, with who, when, from what to what, and why.
- `conversation_reads`: how far each person of the team has read each conversation.
- `messages.sent_by`: the person of the team who wrote a message by hand (author `staff`); no
  foreign key either, so that their messages keep saying a person wrote them after they leave.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from ignacio.adapters.sql.types import UtcDateTime

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "conversations",
        sa.Column("state", sa.String(16), nullable=False, server_default="assistant"),
    )
    op.add_column("conversations", sa.Column("assignee_id", sa.Uuid(), nullable=True))
    op.add_column("conversations", sa.Column("state_since", UtcDateTime(), nullable=True))
    op.add_column(
        "conversations", sa.Column("last_member_message_at", UtcDateTime(), nullable=True)
    )
    op.execute(
        "UPDATE conversations SET last_member_message_at = (SELECT max(m.created_at) "
        "FROM messages m WHERE m.conversation_id = conversations.id AND m.author = 'member')"
    )
    op.create_index(
        "ix_conversations_workspace_id_state_updated_at_id",
        "conversations",
        ["workspace_id", "state", "updated_at", "id"],
    )
    op.create_index(
        "ix_conversations_assignee_id_updated_at_id",
        "conversations",
        ["assignee_id", "updated_at", "id"],
    )
    op.add_column("messages", sa.Column("sent_by", sa.Uuid(), nullable=True))
    op.create_table(
        "conversation_state_changes",
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
        sa.Column("transition", sa.String(16), nullable=False),
        sa.Column("from_state", sa.String(16), nullable=False),
        sa.Column("to_state", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(16), nullable=False),
        sa.Column("actor_id", sa.Uuid()),
        sa.Column("assignee_id", sa.Uuid()),
        sa.Column("reason", sa.String(500)),
        sa.Column("created_at", UtcDateTime(), nullable=False, server_default=sa.func.now()),
    )
    op.create_index(
        "ix_conversation_state_changes_conversation_id_created_at",
        "conversation_state_changes",
        ["conversation_id", "created_at"],
    )
    op.create_index(
        "ix_conversation_state_changes_workspace_id_created_at",
        "conversation_state_changes",
        ["workspace_id", "created_at"],
    )
    op.create_table(
        "conversation_reads",
        sa.Column(
            "conversation_id",
            sa.Uuid(),
            sa.ForeignKey("conversations.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "user_id",
            sa.Uuid(),
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("read_until", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_conversation_reads_user_id", "conversation_reads", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_conversation_reads_user_id", table_name="conversation_reads")
    op.drop_table("conversation_reads")
    op.drop_index(
        "ix_conversation_state_changes_workspace_id_created_at",
        table_name="conversation_state_changes",
    )
    op.drop_index(
        "ix_conversation_state_changes_conversation_id_created_at",
        table_name="conversation_state_changes",
    )
    op.drop_table("conversation_state_changes")
    # Native DROP COLUMN (SQLite 3.35+): no table rebuild, which would cascade to dependants.
    op.drop_column("messages", "sent_by")
    op.drop_index("ix_conversations_assignee_id_updated_at_id", table_name="conversations")
    op.drop_index("ix_conversations_workspace_id_state_updated_at_id", table_name="conversations")
    for column in ("last_member_message_at", "state_since", "assignee_id", "state"):
        op.drop_column("conversations", column)
