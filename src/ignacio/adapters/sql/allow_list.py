"""AllowList over SQLAlchemy Core: `allowed_numbers`, found by the phone number's keyed hash."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import delete, select

from ignacio.adapters.sql.mapping import FieldMap, encrypted_phone, per_cipher
from ignacio.adapters.sql.queries import ConnectionSource, insert_new, keyset, page_of
from ignacio.adapters.sql.tables import allowed_numbers
from ignacio.application.ports import PhoneCipher
from ignacio.domain import AllowedNumber, Page, PageRequest, PhoneNumber, Position


@per_cipher
def _fields(cipher: PhoneCipher) -> FieldMap[AllowedNumber]:
    return FieldMap(
        AllowedNumber,
        allowed_numbers,
        "id",
        "workspace_id",
        encrypted_phone(cipher),
        "note",
        "added_by",
        "created_at",
    )


class SqlAllowList:
    def __init__(self, connection: ConnectionSource, cipher: PhoneCipher) -> None:
        self._connection = connection
        self._cipher = cipher
        self._fields = _fields(cipher)

    async def add(self, entry: AllowedNumber) -> None:
        await insert_new(
            self._connection(),
            allowed_numbers,
            self._fields.insert_values(entry),
            conflict="This number is already on this workspace's allow-list.",
            missing="There is no such workspace.",
        )

    async def get(self, workspace_id: UUID, entry_id: UUID) -> AllowedNumber | None:
        a = allowed_numbers.c
        statement = self._fields.select().where(a.id == entry_id, a.workspace_id == workspace_id)
        return await self._fields.first(self._connection(), statement)

    async def contains(self, workspace_id: UUID, phone: PhoneNumber) -> bool:
        a = allowed_numbers.c
        # The unique key (workspace_id, phone_lookup) answers it.
        statement = select(a.id).where(
            a.workspace_id == workspace_id, a.phone_lookup == self._cipher.lookup_key(phone)
        )
        return (await self._connection().execute(statement)).first() is not None

    async def remove(self, workspace_id: UUID, entry_id: UUID) -> bool:
        a = allowed_numbers.c
        statement = delete(allowed_numbers).where(a.id == entry_id, a.workspace_id == workspace_id)
        return (await self._connection().execute(statement)).rowcount == 1

    async def list(self, workspace_id: UUID, page: PageRequest) -> Page[AllowedNumber]:
        a = allowed_numbers.c
        statement = self._fields.select().where(a.workspace_id == workspace_id)
        statement = keyset(statement, a.created_at, a.id, page)
        rows = (await self._connection().execute(statement)).all()
        return page_of(
            rows, page, self._fields.to_entity, lambda e: Position(at=e.created_at, id=e.id)
        )
