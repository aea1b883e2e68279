"""The dashboard's indexes: a workspace's messages by time.

The dashboard (`SqlWorkspaceStatistics`) reads a workspace's messages one day of its period at
a time; no index found them by workspace and time (they are found by conversation, by member,
by provider id), so every reading was a scan of the whole table.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_messages_workspace_id_created_at", "messages", ["workspace_id", "created_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_messages_workspace_id_created_at", table_name="messages")
