"""Login hardening: the refresh tokens each session has rotated out, so that one presented again
is recognised as reuse and ends its session; and login codes drawn after the request is answered,
so `otp_codes.code_hash` is empty until then.

The new table takes the same plain statements on both dialects. SQLite changes a column's
nullability only by rebuilding the table (batch mode); the copy of the rows must leave out the
generated `is_used`, so that column is dropped and declared again in its place (nothing refers
to otp_codes, so the rebuild deletes nothing elsewhere). Going back deletes the challenges still
waiting for their code (their requester asks again) before the column is made NOT NULL again.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from ignacio.adapters.sql.types import UtcDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _is_sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _is_used() -> sa.Column[object]:
    return sa.Column(
        "is_used",
        sa.Boolean(),
        sa.Computed("consumed_at IS NOT NULL", persisted=True),
        nullable=True,
    )


def _code_hash_nullable(nullable: bool) -> None:
    if _is_sqlite():
        with op.batch_alter_table("otp_codes", recreate="always") as batch:
            batch.drop_column("is_used")
            batch.alter_column("code_hash", existing_type=sa.String(length=255), nullable=nullable)
            batch.add_column(_is_used(), insert_before="created_at")
    else:
        op.alter_column(
            "otp_codes", "code_hash", existing_type=sa.String(length=255), nullable=nullable
        )


def upgrade() -> None:
    _code_hash_nullable(True)
    op.create_table(
        "refresh_tokens",
        sa.Column("token_hash", sa.String(length=255), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("rotated_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["user_sessions.id"],
            name=op.f("fk_refresh_tokens_session_id_user_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_refresh_tokens")),
    )
    op.create_index("ix_refresh_tokens_session_id", "refresh_tokens", ["session_id"])


def downgrade() -> None:
    op.drop_index("ix_refresh_tokens_session_id", table_name="refresh_tokens")
    op.drop_table("refresh_tokens")
    op.execute(sa.text("DELETE FROM otp_codes WHERE code_hash IS NULL"))
    _code_hash_nullable(False)
