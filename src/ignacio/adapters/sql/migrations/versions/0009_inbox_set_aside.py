"""Webhook deliveries set aside after failing every attempt: when (`set_aside_at`), and who sent
them, masked (`sender`); their body is sealed from then on, so no plaintext phone number stays.

Until now a delivery counted as set aside once its attempts reached the drain's limit, and kept
its body in plain text. Such rows have no `set_aside_at`, so the drain claims them once more:
stored this time if the cause is gone (NUL characters were one), else set aside the new way,
sealed. Plain nullable columns: both dialects add and drop them in place.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from ignacio.adapters.sql.types import UtcDateTime

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("webhook_inbox", sa.Column("set_aside_at", UtcDateTime(), nullable=True))
    op.add_column("webhook_inbox", sa.Column("sender", sa.String(length=32), nullable=True))


def downgrade() -> None:
    op.drop_column("webhook_inbox", "sender")
    op.drop_column("webhook_inbox", "set_aside_at")
