"""Approved templates: the one a workspace's team sends outside WhatsApp's 24-hour window, and
the template a message went out as.

- `workspaces.reply_template`: {name, language, variables} or NULL (none configured).
- `messages.template`: {name, language, parameters} for a message sent as a template, else NULL.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from ignacio.adapters.sql.types import json_document

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "workspaces", sa.Column("reply_template", json_document(none_as_null=True), nullable=True)
    )
    op.add_column(
        "messages", sa.Column("template", json_document(none_as_null=True), nullable=True)
    )


def downgrade() -> None:
    # Native DROP COLUMN (SQLite 3.35+): no table rebuild, which would cascade to dependants.
    op.drop_column("messages", "template")
    op.drop_column("workspaces", "reply_template")
