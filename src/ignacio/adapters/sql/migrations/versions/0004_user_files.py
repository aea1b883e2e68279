"""Members' files: `user_files` with the specification's columns, plus where a file came from and
how far its text extraction and sync got.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from ignacio.adapters.sql.types import UtcDateTime

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SYNC_UNFINISHED = sa.text("openai_sync_status IN ('pending', 'synced', 'expired')")


def upgrade() -> None:
    op.create_table(
        "user_files",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("file_path", sa.String(length=500), nullable=False),
        sa.Column("file_type", sa.String(length=100), nullable=False),
        sa.Column("file_size", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.String(length=16), server_default="web", nullable=False),
        sa.Column("conversation_id", sa.Uuid(), nullable=True),
        sa.Column("message_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", UtcDateTime(), server_default=sa.func.now(), nullable=False),
        sa.Column(
            "extraction_status", sa.String(length=16), server_default="pending", nullable=False
        ),
        sa.Column("extraction_note", sa.String(length=500), nullable=True),
        sa.Column("openai_file_id", sa.String(length=255), nullable=True),
        sa.Column("openai_vector_store_id", sa.String(length=255), nullable=True),
        sa.Column("openai_uploaded_at", UtcDateTime(), nullable=True),
        sa.Column(
            "openai_sync_status", sa.String(length=20), server_default="pending", nullable=False
        ),
        sa.Column("sync_attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("sync_error", sa.String(length=500), nullable=True),
        sa.Column("synced_at", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_files_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_user_files_conversation_id_conversations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_user_files_message_id_messages"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_files")),
    )
    op.create_index(
        "ix_user_files_user_id_created_at_id", "user_files", ["user_id", "created_at", "id"]
    )
    op.create_index("ix_user_files_created_at_id", "user_files", ["created_at", "id"])
    op.create_index(
        "ix_user_files_sync_created_at_id",
        "user_files",
        ["openai_sync_status", "created_at", "id"],
        sqlite_where=SYNC_UNFINISHED,
        postgresql_where=SYNC_UNFINISHED,
    )


def downgrade() -> None:
    op.drop_index("ix_user_files_sync_created_at_id", table_name="user_files")
    op.drop_index("ix_user_files_created_at_id", table_name="user_files")
    op.drop_index("ix_user_files_user_id_created_at_id", table_name="user_files")
    op.drop_table("user_files")
