"""A WhatsApp conversation remembers which of its workspace's numbers the member wrote to.

`conversations.number_id` is that number's id in `workspace_channels`; answers go out from it.
NULL (every conversation so far) is the deployment's own number. No foreign key: a number a
workspace disconnects must not quietly become NULL, which would answer its members from the
deployment's number; the answer fails instead, saying the number is gone.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("conversations", sa.Column("number_id", sa.Uuid(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("number_id")
