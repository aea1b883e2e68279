"""Indexes for forgetting what has ended: sessions by when they expire, logins by message by
when they expire (across workspaces), so that the periodic sweep reads a short range of old
rows instead of the whole table.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_user_sessions_expires_at", "user_sessions", ["expires_at"])
    op.create_index("ix_message_logins_expires_at", "message_logins", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_message_logins_expires_at", table_name="message_logins")
    op.drop_index("ix_user_sessions_expires_at", table_name="user_sessions")
