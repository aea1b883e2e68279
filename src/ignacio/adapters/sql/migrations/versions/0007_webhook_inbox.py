"""The webhook inbox: deliveries acknowledged (signature checked, body kept as it arrived) and
not yet stored as messages, so the 200 costs one insert and a crash after it loses nothing.

A new table only, so both dialects take the same plain statements and going back drops it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from ignacio.adapters.sql.types import UtcDateTime

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "webhook_inbox",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("received_at", UtcDateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_inbox")),
    )
    op.create_index("ix_webhook_inbox_received_at_id", "webhook_inbox", ["received_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_webhook_inbox_received_at_id", table_name="webhook_inbox")
    op.drop_table("webhook_inbox")
