"""The WhatsApp pipeline: Meta's user ids, inbound processing state, answers, delivery parts.

SQLite adds a foreign key to an existing table only inline in a new column, unnamed and with an
ON DELETE rule that reflection cannot read back, so there the messages table is rebuilt (batch
mode) to get exactly the declared schema; the copy of the rows must leave out the generated
`is_from_user`, so that column is dropped and declared again in its place. Going back rebuilds
it again, since SQLite refuses to drop a column a foreign key uses. Caution for later
migrations: with foreign keys enforced, dropping the old table during such a rebuild deletes
the rows of tables that reference it ON DELETE CASCADE (here none exist at that moment:
message_deliveries is created after the rebuild and dropped before the one going back).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from ignacio.adapters.sql.types import UtcDateTime, json_document

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PENDING = sa.text("processing = 'pending'")


def _is_sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _is_from_user() -> sa.Column[object]:
    return sa.Column(
        "is_from_user",
        sa.Boolean(),
        sa.Computed("author = 'member'", persisted=True),
        nullable=True,
    )


def upgrade() -> None:
    op.add_column("users", sa.Column("whatsapp_user_id", sa.String(length=64), nullable=True))
    op.create_index("ix_users_whatsapp_user_id", "users", ["whatsapp_user_id"])

    media = sa.Column("media", json_document(none_as_null=True), nullable=True)
    processing = sa.Column("processing", sa.String(length=16), nullable=True)
    attempts = sa.Column(
        "processing_attempts", sa.Integer(), server_default=sa.text("0"), nullable=False
    )
    if _is_sqlite():
        # SQLite adds a foreign key only by rebuilding the table (batch mode). The copy of the
        # rows must leave out the generated column, so it is dropped and declared again.
        reply_to = sa.Column(
            "reply_to_id",
            sa.Uuid(),
            sa.ForeignKey(
                "messages.id", name="fk_messages_reply_to_id_messages", ondelete="CASCADE"
            ),
            nullable=True,
        )
        with op.batch_alter_table("messages", recreate="always") as batch:
            batch.drop_column("is_from_user")
            batch.add_column(_is_from_user(), insert_before="created_at")
            for column in (media, processing, attempts, reply_to):
                batch.add_column(column)
    else:
        for column in (media, processing, attempts):
            op.add_column("messages", column)
        op.add_column("messages", sa.Column("reply_to_id", sa.Uuid(), nullable=True))
        op.create_foreign_key(
            "fk_messages_reply_to_id_messages",
            "messages",
            "messages",
            ["reply_to_id"],
            ["id"],
            ondelete="CASCADE",
        )
    op.create_index(
        "ux_messages_reply_to_id",
        "messages",
        ["reply_to_id"],
        unique=True,
        sqlite_where=sa.text("reply_to_id IS NOT NULL"),
        postgresql_where=sa.text("reply_to_id IS NOT NULL"),
    )
    op.create_index(
        "ix_messages_pending_created_at_id",
        "messages",
        ["created_at", "id"],
        sqlite_where=_PENDING,
        postgresql_where=_PENDING,
    )

    op.create_table(
        "message_deliveries",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("message_id", sa.Uuid(), nullable=False),
        sa.Column("part", sa.Integer(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="pending", nullable=False),
        sa.Column("sending", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("external_id", sa.String(length=255), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("error_code", sa.Integer(), nullable=True),
        sa.Column("error_title", sa.String(length=500), nullable=True),
        sa.Column("created_at", UtcDateTime(), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_message_deliveries_message_id_messages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_deliveries")),
        sa.UniqueConstraint(
            "message_id", "part", name=op.f("uq_message_deliveries_message_id_part")
        ),
    )
    op.create_index(
        "ux_message_deliveries_external_id",
        "message_deliveries",
        ["external_id"],
        unique=True,
        sqlite_where=sa.text("external_id IS NOT NULL"),
        postgresql_where=sa.text("external_id IS NOT NULL"),
    )
    op.create_index(
        "ix_message_deliveries_status_updated_at_id",
        "message_deliveries",
        ["status", "updated_at", "id"],
    )


def downgrade() -> None:
    op.drop_table("message_deliveries")
    op.drop_index("ix_messages_pending_created_at_id", table_name="messages")
    op.drop_index("ux_messages_reply_to_id", table_name="messages")
    if _is_sqlite():
        with op.batch_alter_table("messages", recreate="always") as batch:
            for column in ("reply_to_id", "processing_attempts", "processing", "media"):
                batch.drop_column(column)
            batch.drop_column("is_from_user")
            batch.add_column(_is_from_user(), insert_before="created_at")
    else:
        op.drop_constraint("fk_messages_reply_to_id_messages", "messages", type_="foreignkey")
        for column in ("reply_to_id", "processing_attempts", "processing", "media"):
            op.drop_column("messages", column)
    op.drop_index("ix_users_whatsapp_user_id", table_name="users")
    op.drop_column("users", "whatsapp_user_id")
