"""WhatsApp identities: members known by Meta's business-scoped user ids, the phone optional.

Since April 2026 Meta sends a business-scoped user id (BSUID) with every message, and leaves the
phone number out for people who use a username; see `ignacio.domain.identity` for the model.

- `whatsapp_identities` holds each provider user id with the account that scopes it (Meta: the
  WhatsApp Business Account), its parent id and the username it came with; unique per
  (provider, account, id), gone with its member.
- `users.whatsapp_user_id` (0002: the BSUID, where Meta sent one, with no scope) moves there as
  a Cloud API identity without an account, which the first delivery carrying the same id claims
  for its account. A value no BSUID could be is left behind.
- `users.phone_number_encrypted` and `phone_lookup` become nullable: a member may have no
  number. The unique key on `phone_lookup` stays (it lets any number of NULLs through).

SQLite drops NOT NULL only by rebuilding `users`, which every member's rows refer to ON DELETE
CASCADE: with foreign keys enforced that would delete them all, so this refuses to run that way
(`ignacio migrate` leaves them unenforced, see env.py) and checks every foreign key once done.

Going back needs every member to have a number again (the old schema requires one): it refuses,
naming how many have none, rather than deleting people and their histories. Otherwise each
member gets back the newest Cloud API id they have (if it fits the old column), and the table
goes.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-14
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from ignacio.adapters.sql.types import UtcDateTime

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD_INDEX = "ix_users_whatsapp_user_id"
_PARENT_INDEX = "ix_whatsapp_identities_parent_user_id_created_at_id"
# The ids `ignacio.domain.identity.WhatsAppUserId` accepts (a migration keeps its own copy of
# what it relies on: the domain may change after it).
_USER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,159}")
_CLOUD_API = "whatsapp_cloud"

_users = sa.table(
    "users",
    sa.column("id", sa.Uuid()),
    sa.column("whatsapp_user_id", sa.String()),
    sa.column("phone_lookup", sa.String()),
    sa.column("created_at", UtcDateTime()),
)
_identities = sa.table(
    "whatsapp_identities",
    sa.column("id", sa.Uuid()),
    sa.column("user_id", sa.Uuid()),
    sa.column("provider", sa.String()),
    sa.column("account", sa.String()),
    sa.column("provider_user_id", sa.String()),
    sa.column("created_at", UtcDateTime()),
    sa.column("updated_at", UtcDateTime()),
)


def _is_sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _refuse_enforced_foreign_keys() -> None:
    enforced = op.get_bind().exec_driver_sql("PRAGMA foreign_keys").scalar()
    if enforced:
        raise RuntimeError(
            "Migration 0026 rebuilds `users`, which every member's rows refer to ON DELETE "
            "CASCADE: with foreign keys enforced that would delete them all. Run it through "
            "`ignacio migrate`, which leaves them unenforced while migrating."
        )


def _check_foreign_keys() -> None:
    problems = op.get_bind().exec_driver_sql("PRAGMA foreign_key_check").all()
    if problems:
        raise RuntimeError(f"Migration 0026 would leave rows with missing parents: {problems}")


def _phone_nullable(nullable: bool) -> None:
    columns = (("phone_number_encrypted", sa.LargeBinary()), ("phone_lookup", sa.String(64)))
    if _is_sqlite():
        with op.batch_alter_table("users", recreate="always") as batch:
            for name, kind in columns:
                batch.alter_column(name, existing_type=kind, nullable=nullable)
    else:
        for name, kind in columns:
            op.alter_column("users", name, existing_type=kind, nullable=nullable)


def upgrade() -> None:
    sqlite = _is_sqlite()
    if sqlite:
        _refuse_enforced_foreign_keys()
    op.create_table(
        "whatsapp_identities",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("provider", sa.String(16), nullable=False),
        sa.Column("account", sa.String(64), nullable=True),
        sa.Column("provider_user_id", sa.String(160), nullable=False),
        sa.Column("parent_user_id", sa.String(160), nullable=True),
        sa.Column("username", sa.String(100), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", UtcDateTime(), nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_whatsapp_identities")),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_whatsapp_identities_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "provider",
            "account",
            "provider_user_id",
            name=op.f("uq_whatsapp_identities_provider_account_provider_user_id"),
        ),
    )
    op.create_index(_PARENT_INDEX, "whatsapp_identities", ["parent_user_id", "created_at", "id"])
    op.create_index("ix_whatsapp_identities_user_id", "whatsapp_identities", ["user_id"])

    bind = op.get_bind()
    kept = bind.execute(
        sa.select(_users.c.id, _users.c.whatsapp_user_id, _users.c.created_at).where(
            _users.c.whatsapp_user_id.is_not(None)
        )
    ).all()
    rows = [
        {
            "id": uuid.uuid4(),
            "user_id": user_id,
            "provider": _CLOUD_API,
            "account": None,
            "provider_user_id": value,
            "created_at": created_at,
            "updated_at": created_at,
        }
        for user_id, value, created_at in kept
        if _USER_ID.fullmatch(value)
    ]
    if rows:
        bind.execute(_identities.insert(), rows)

    op.drop_index(_OLD_INDEX, table_name="users")
    if sqlite:
        with op.batch_alter_table("users", recreate="always") as batch:
            batch.drop_column("whatsapp_user_id")
            batch.alter_column(
                "phone_number_encrypted", existing_type=sa.LargeBinary(), nullable=True
            )
            batch.alter_column("phone_lookup", existing_type=sa.String(64), nullable=True)
        _check_foreign_keys()
    else:
        op.drop_column("users", "whatsapp_user_id")
        _phone_nullable(True)


def downgrade() -> None:
    sqlite = _is_sqlite()
    if sqlite:
        _refuse_enforced_foreign_keys()
    bind = op.get_bind()
    without = bind.execute(
        sa.select(sa.func.count()).select_from(_users).where(_users.c.phone_lookup.is_(None))
    ).scalar_one()
    if without:
        raise RuntimeError(
            f"Going back before migration 0026 needs every member to have a phone number; "
            f"{without} have none (they write on WhatsApp under a username). Delete them, or "
            "stay at 0026."
        )
    op.add_column("users", sa.Column("whatsapp_user_id", sa.String(64), nullable=True))
    newest = (
        sa.select(_identities.c.provider_user_id)
        .where(
            _identities.c.user_id == _users.c.id,
            _identities.c.provider == _CLOUD_API,
            sa.func.length(_identities.c.provider_user_id) <= 64,
        )
        .order_by(_identities.c.created_at.desc(), _identities.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    bind.execute(_users.update().values(whatsapp_user_id=newest))
    op.create_index(_OLD_INDEX, "users", ["whatsapp_user_id"])
    _phone_nullable(False)
    op.drop_index("ix_whatsapp_identities_user_id", table_name="whatsapp_identities")
    op.drop_index(_PARENT_INDEX, table_name="whatsapp_identities")
    op.drop_table("whatsapp_identities")
    if sqlite:
        _check_foreign_keys()
