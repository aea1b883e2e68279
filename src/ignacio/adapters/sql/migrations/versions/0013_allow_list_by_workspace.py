"""The allow-list is read a workspace at a time: its listing's index leads with the workspace.

Listing a workspace's numbers by the time they were added (`workspace_id = :w ORDER BY
created_at, id`) would otherwise pick the unique key (workspace_id, phone_lookup) and sort what
it finds; (workspace_id, created_at, id) seeks and reads in order. It replaces (created_at, id),
which only the listing of every workspace's numbers at once used.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD = "ix_allowed_numbers_created_at_id"
_NEW = "ix_allowed_numbers_workspace_id_created_at_id"


def upgrade() -> None:
    op.create_index(_NEW, "allowed_numbers", ["workspace_id", "created_at", "id"])
    op.drop_index(_OLD, table_name="allowed_numbers")


def downgrade() -> None:
    op.create_index(_OLD, "allowed_numbers", ["created_at", "id"])
    op.drop_index(_NEW, table_name="allowed_numbers")
