"""The assistant's accounting and transcripts on messages: what a voice note said, and for each
answer the model, its input and output tokens and how long it took (seed 002).

Plain nullable columns, so both dialects add and drop them in place (SQLite 3.35+ drops a
column no index, key or generated column refers to without rebuilding the table): rows written
before this revision simply have no accounting.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = ("transcript", "ai_model_used", "input_tokens", "output_tokens", "latency_ms")


def upgrade() -> None:
    op.add_column("messages", sa.Column("transcript", sa.Text(), nullable=True))
    op.add_column("messages", sa.Column("ai_model_used", sa.String(length=100), nullable=True))
    op.add_column("messages", sa.Column("input_tokens", sa.Integer(), nullable=True))
    op.add_column("messages", sa.Column("output_tokens", sa.Integer(), nullable=True))
    op.add_column("messages", sa.Column("latency_ms", sa.Integer(), nullable=True))


def downgrade() -> None:
    for column in reversed(_COLUMNS):
        op.drop_column("messages", column)
