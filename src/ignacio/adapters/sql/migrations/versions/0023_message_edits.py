"""Edits and deletions of WhatsApp messages by the member who sent them.

- `messages.original_text`: what the member first wrote, once they edited it (`content` is what
  it says now); `edited_at`: when they last edited it.
- `messages.revision`: on a member's message, how many of its edits asked something new (each
  answered on its own); on an answer, the revision it answers. Every row so far is revision 0.
- `messages.revoked_at`: when the member deleted it (for everyone). The row stays, for the
  platform's audit; no history shows its words and no assistant reads them.
- The unique index that keeps a message to one answer becomes one answer per message and
  revision (`ux_messages_reply_to_id_revision`); the answers so far are all to revision 0.

Going back drops the columns. Edits are kept as the message's current words. A deleted message
loses its words (and a voice note its transcript): the code before this revision would show
them to everyone and hand them to the assistant, which the member asked not to happen. A
message answered more than once keeps only its first answer as its answer (the others lose
`reply_to_id`, as notices have none), so that the old unique index can be built again.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from ignacio.adapters.sql.types import UtcDateTime

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("messages", sa.Column("original_text", sa.Text(), nullable=True))
    op.add_column("messages", sa.Column("edited_at", UtcDateTime(), nullable=True))
    op.add_column(
        "messages",
        sa.Column("revision", sa.Integer(), nullable=False, server_default=sa.text("0")),
    )
    op.add_column("messages", sa.Column("revoked_at", UtcDateTime(), nullable=True))
    op.drop_index("ux_messages_reply_to_id", table_name="messages")
    op.create_index(
        "ux_messages_reply_to_id_revision",
        "messages",
        ["reply_to_id", "revision"],
        unique=True,
        sqlite_where=sa.text("reply_to_id IS NOT NULL"),
        postgresql_where=sa.text("reply_to_id IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ux_messages_reply_to_id_revision", table_name="messages")
    op.execute("UPDATE messages SET reply_to_id = NULL WHERE revision > 0")
    op.execute("UPDATE messages SET content = '', transcript = NULL WHERE revoked_at IS NOT NULL")
    op.create_index(
        "ux_messages_reply_to_id",
        "messages",
        ["reply_to_id"],
        unique=True,
        sqlite_where=sa.text("reply_to_id IS NOT NULL"),
        postgresql_where=sa.text("reply_to_id IS NOT NULL"),
    )
    # Native DROP COLUMN (SQLite 3.35+): no table rebuild, which would cascade to dependants.
    for column in ("revoked_at", "revision", "edited_at", "original_text"):
        op.drop_column("messages", column)
