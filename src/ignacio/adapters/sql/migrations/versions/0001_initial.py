"""The initial schema: users, conversations, messages, sessions, login codes and the audit log.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from ignacio.adapters.sql.types import UtcDateTime, json_document

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _created_at() -> sa.Column[object]:
    return sa.Column("created_at", UtcDateTime(), server_default=sa.func.now(), nullable=False)


def _updated_at() -> sa.Column[object]:
    return sa.Column("updated_at", UtcDateTime(), server_default=sa.func.now(), nullable=False)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("phone_number_encrypted", sa.LargeBinary(), nullable=False),
        sa.Column("phone_lookup", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("is_admin", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default=sa.true(), nullable=False),
        _created_at(),
        _updated_at(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("phone_lookup", name=op.f("uq_users_phone_lookup")),
    )
    op.create_index("ix_users_created_at_id", "users", ["created_at", "id"])

    op.create_table(
        "conversations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=True),
        sa.Column("channel", sa.String(length=16), server_default="web", nullable=False),
        _created_at(),
        _updated_at(),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_conversations_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversations")),
    )
    op.create_index(
        "ix_conversations_user_id_updated_at_id", "conversations", ["user_id", "updated_at", "id"]
    )
    op.create_index("ix_conversations_updated_at_id", "conversations", ["updated_at", "id"])

    op.create_table(
        "messages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("conversation_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("author", sa.String(length=16), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("message_type", sa.String(length=16), server_default="text", nullable=False),
        sa.Column("channel", sa.String(length=16), server_default="web", nullable=False),
        sa.Column("file_path", sa.String(length=500), nullable=True),
        sa.Column("whatsapp_message_id", sa.String(length=255), nullable=True),
        sa.Column(
            "delivery_status", sa.String(length=16), server_default="received", nullable=False
        ),
        sa.Column(
            "is_from_user",
            sa.Boolean(),
            sa.Computed("author = 'member'", persisted=True),
            nullable=True,
        ),
        _created_at(),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_messages_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_messages_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messages")),
    )
    op.create_index(
        "ix_messages_conversation_id_created_at_id",
        "messages",
        ["conversation_id", "created_at", "id"],
    )
    op.create_index("ix_messages_user_id", "messages", ["user_id"])
    op.create_index(
        "ux_messages_whatsapp_message_id",
        "messages",
        ["whatsapp_message_id"],
        unique=True,
        sqlite_where=sa.text("whatsapp_message_id IS NOT NULL"),
        postgresql_where=sa.text("whatsapp_message_id IS NOT NULL"),
    )

    op.create_table(
        "user_sessions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=255), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        _created_at(),
        sa.Column("last_used_at", UtcDateTime(), nullable=False),
        sa.Column("revoked_at", UtcDateTime(), nullable=True),
        sa.Column("user_agent", sa.String(length=255), nullable=True),
        sa.Column("client_address", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_user_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_user_sessions_token_hash")),
    )
    op.create_index("ix_user_sessions_user_id", "user_sessions", ["user_id"])

    op.create_table(
        "otp_codes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("phone_lookup", sa.String(length=64), nullable=False),
        sa.Column("phone_number_encrypted", sa.LargeBinary(), nullable=False),
        sa.Column("code_hash", sa.String(length=255), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("consumed_at", UtcDateTime(), nullable=True),
        sa.Column(
            "is_used",
            sa.Boolean(),
            sa.Computed("consumed_at IS NOT NULL", persisted=True),
            nullable=True,
        ),
        _created_at(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_otp_codes")),
    )
    op.create_index(
        "ix_otp_codes_phone_lookup_created_at_id", "otp_codes", ["phone_lookup", "created_at", "id"]
    )

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target_type", sa.String(length=64), nullable=False),
        sa.Column("target_id", sa.String(length=255), nullable=True),
        sa.Column("details", json_document(), nullable=False),
        _created_at(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index("ix_audit_log_created_at_id", "audit_log", ["created_at", "id"])
    op.create_index(
        "ix_audit_log_actor_id_created_at_id", "audit_log", ["actor_id", "created_at", "id"]
    )
    op.create_index(
        "ix_audit_log_target_id_created_at_id", "audit_log", ["target_id", "created_at", "id"]
    )


def downgrade() -> None:
    op.drop_table("audit_log")
    op.drop_table("otp_codes")
    op.drop_table("user_sessions")
    op.drop_table("messages")
    op.drop_table("conversations")
    op.drop_table("users")
