"""One answer per burst: a member's messages answered together are marked answered by it.

- `messages.answered_by_id`: on a member's message answered in one turn with the later messages
  of its burst, that turn's answer (which replies to the burst's last message). The answer and
  this mark are written in one transaction, which is what keeps each message answered once.
  No foreign key: a message and its answer are only ever deleted with their conversation.

Going back drops the column. The messages it marked stay done (they were answered), and read as
unanswered ones before a later answer, which is what they were to the code before this revision.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("messages", sa.Column("answered_by_id", sa.Uuid(), nullable=True))


def downgrade() -> None:
    # Native DROP COLUMN (SQLite 3.35+): no table rebuild, which would cascade to dependants.
    op.drop_column("messages", "answered_by_id")
