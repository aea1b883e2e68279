"""IdentityRepository over SQLAlchemy Core: `whatsapp_identities`, found by their unique key."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from sqlalchemy import update

from ignacio.adapters.sql.mapping import FieldMap, enum_field
from ignacio.adapters.sql.queries import ConnectionSource, insert_new, update_one
from ignacio.adapters.sql.tables import whatsapp_identities
from ignacio.domain import Provider, WhatsAppIdentity

_TAKEN = "This WhatsApp user id is already someone's."

_FIELDS = FieldMap(
    WhatsAppIdentity,
    whatsapp_identities,
    "id",
    "user_id",
    enum_field("provider", Provider),
    "account",
    "provider_user_id",
    "parent_user_id",
    "username",
    "created_at",
    "updated_at",
)
_c = whatsapp_identities.c


class SqlIdentityRepository:
    def __init__(self, connection: ConnectionSource) -> None:
        self._connection = connection

    async def add(self, identity: WhatsAppIdentity) -> None:
        await insert_new(
            self._connection(),
            whatsapp_identities,
            _FIELDS.insert_values(identity),
            conflict=_TAKEN,
            missing="There is no such user.",
        )

    async def update(self, identity: WhatsAppIdentity) -> None:
        statement = (
            update(whatsapp_identities)
            .where(_c.id == identity.id)
            .values(**_FIELDS.update_values(identity))
        )
        await update_one(
            self._connection(), statement, conflict=_TAKEN, absent="There is no such identity."
        )

    async def find(
        self, provider: Provider, account: str | None, provider_user_id: str
    ) -> WhatsAppIdentity | None:
        scope = _c.account.is_(None) if account is None else _c.account == account
        statement = _FIELDS.select().where(
            _c.provider_user_id == provider_user_id, _c.provider == provider.value, scope
        )
        return await _FIELDS.first(self._connection(), statement)

    async def with_parent(self, provider: Provider, parent_user_id: str) -> WhatsAppIdentity | None:
        statement = (
            _FIELDS.select()
            .where(_c.parent_user_id == parent_user_id, _c.provider == provider.value)
            .order_by(_c.created_at.desc(), _c.id.desc())
            .limit(1)
        )
        return await _FIELDS.first(self._connection(), statement)

    async def of_users(self, user_ids: Iterable[UUID]) -> dict[UUID, list[WhatsAppIdentity]]:
        wanted = list(set(user_ids))
        if not wanted:
            return {}
        statement = _FIELDS.select().where(_c.user_id.in_(wanted)).order_by(_c.created_at, _c.id)
        found: dict[UUID, list[WhatsAppIdentity]] = {}
        for row in (await self._connection().execute(statement)).all():
            identity = _FIELDS.to_entity(row)
            found.setdefault(identity.user_id, []).append(identity)
        return found
