"""Logins by a code sent from WhatsApp: `message_logins`.

- A browser starts one and shows `VERIFY <code>`; the member who sends it claims it, and their
  YES over WhatsApp confirms it; the browser collects its session once.
- The code is kept as its keyed hash, and only while it may be claimed: unique within the
  workspace (NULLs are distinct on both databases), so a code names one challenge.
- The browser's secret is kept hashed; the device's readable name is kept for the question the
  member is asked.
- A challenge goes with its workspace, and with the person who sent its code or whose account a
  link is for (ON DELETE CASCADE).

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-14
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from ignacio.adapters.sql.types import UtcDateTime

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "message_logins",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column(
            "workspace_id",
            sa.Uuid(),
            sa.ForeignKey("workspaces.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("purpose", sa.String(8), nullable=False),
        sa.Column("code_hash", sa.String(64)),
        sa.Column("browser_token_hash", sa.String(64), nullable=False),
        sa.Column("device", sa.String(120)),
        sa.Column("account_id", sa.Uuid(), sa.ForeignKey("users.id", ondelete="CASCADE")),
        sa.Column("member_id", sa.Uuid(), sa.ForeignKey("users.id", ondelete="CASCADE")),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False, server_default=sa.func.now()),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("claimed_at", UtcDateTime()),
        sa.Column("decided_at", UtcDateTime()),
        sa.Column("used_at", UtcDateTime()),
        sa.UniqueConstraint("workspace_id", "code_hash"),
    )
    op.create_index("ix_message_logins_member_id_state", "message_logins", ["member_id", "state"])
    op.create_index("ix_message_logins_account_id", "message_logins", ["account_id"])
    op.create_index(
        "ix_message_logins_workspace_id_expires_at",
        "message_logins",
        ["workspace_id", "expires_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_message_logins_workspace_id_expires_at", table_name="message_logins")
    op.drop_index("ix_message_logins_account_id", table_name="message_logins")
    op.drop_index("ix_message_logins_member_id_state", table_name="message_logins")
    op.drop_table("message_logins")
