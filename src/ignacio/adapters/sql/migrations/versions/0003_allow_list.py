"""The allow-list: numbers admins let talk to Ignacio on WhatsApp when access is `whitelist`.

A new table only, so both dialects take the same plain statements and going back drops it.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from ignacio.adapters.sql.types import UtcDateTime

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "allowed_numbers",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("phone_number_encrypted", sa.LargeBinary(), nullable=False),
        sa.Column("phone_lookup", sa.String(length=64), nullable=False),
        sa.Column("note", sa.String(length=255), nullable=True),
        sa.Column("added_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", UtcDateTime(), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allowed_numbers")),
        sa.UniqueConstraint("phone_lookup", name=op.f("uq_allowed_numbers_phone_lookup")),
    )
    op.create_index("ix_allowed_numbers_created_at_id", "allowed_numbers", ["created_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_allowed_numbers_created_at_id", table_name="allowed_numbers")
    op.drop_table("allowed_numbers")
