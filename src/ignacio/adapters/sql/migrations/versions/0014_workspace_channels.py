"""A workspace's own WhatsApp numbers: `workspace_channels`.

One row per number, in the workspace that has it (ON DELETE CASCADE, as the rest of its data),
with the address its provider names it by in webhooks: unique per provider across workspaces,
since an address belongs to one workspace at most. The number people write to is the business's
own, not personal data: plain E.164. The credentials are stored sealed.

A new table only, so both dialects take the same plain statements and going back drops it.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-09
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from ignacio.adapters.sql.types import UtcDateTime

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INDEX = "ix_workspace_channels_workspace_id_created_at_id"


def upgrade() -> None:
    op.create_table(
        "workspace_channels",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("display_number", sa.String(length=16), nullable=True),
        sa.Column("label", sa.String(length=255), nullable=True),
        sa.Column("sealed_credentials", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", UtcDateTime(), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_workspace_channels_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workspace_channels")),
        sa.UniqueConstraint(
            "provider", "address", name=op.f("uq_workspace_channels_provider_address")
        ),
    )
    op.create_index(_INDEX, "workspace_channels", ["workspace_id", "created_at", "id"])


def downgrade() -> None:
    op.drop_index(_INDEX, table_name="workspace_channels")
    op.drop_table("workspace_channels")
