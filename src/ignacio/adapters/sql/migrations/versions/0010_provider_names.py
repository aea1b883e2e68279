"""One name per provider: webhook deliveries from Meta's Cloud API were kept as `meta`, while
messages and settings call that provider `whatsapp_cloud` (`IGNACIO_CHANNEL`). Rows waiting in
the inbox, or set aside there, take the one name.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("UPDATE webhook_inbox SET provider = 'whatsapp_cloud' WHERE provider = 'meta'")


def downgrade() -> None:
    op.execute("UPDATE webhook_inbox SET provider = 'meta' WHERE provider = 'whatsapp_cloud'")
