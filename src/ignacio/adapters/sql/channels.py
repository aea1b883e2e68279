"""ChannelRepository over SQLAlchemy Core: `workspace_channels`, found by (provider, address)."""

from __future__ import annotations

import builtins
from uuid import UUID

import msgspec
from sqlalchemy import bindparam, delete, select, update

from ignacio.adapters.sql.mapping import Field, FieldMap, enum_field, struct_field
from ignacio.adapters.sql.queries import ConnectionSource, insert_new
from ignacio.adapters.sql.tables import workspace_channels, workspaces
from ignacio.domain import PhoneNumber, Provider
from ignacio.domain.channels import Connection, WorkspaceChannel


def _e164(number: PhoneNumber | None) -> str | None:
    return None if number is None else number.e164


def _number(stored: str | None) -> PhoneNumber | None:
    return None if stored is None else PhoneNumber(e164=stored)


_FIELDS = FieldMap(
    WorkspaceChannel,
    workspace_channels,
    "id",
    "workspace_id",
    enum_field("provider", Provider),
    "address",
    Field("display_number", dump=_e164, load=_number),
    "label",
    Field("sealed_credentials", load=bytes),
    "created_at",
    struct_field("connection", Connection),
)


# Built once (see messages.py's `_BY_ID`): every webhook finds its number, every turn reads it.
_BY_ID = _FIELDS.select().where(
    workspace_channels.c.id == bindparam("channel_id"),
    workspace_channels.c.workspace_id == bindparam("workspace_id"),
)
# The unique key (provider, address) answers it.
_BY_ADDRESS = _FIELDS.select().where(
    workspace_channels.c.provider == bindparam("provider"),
    workspace_channels.c.address == bindparam("address"),
)


class SqlChannelRepository:
    def __init__(self, connection: ConnectionSource) -> None:
        self._connection = connection

    async def add(self, channel: WorkspaceChannel) -> None:
        await insert_new(
            self._connection(),
            workspace_channels,
            _FIELDS.insert_values(channel),
            conflict="A workspace already has this number.",
            missing="There is no such workspace.",
        )

    async def lock(self, workspace_id: UUID) -> builtins.list[WorkspaceChannel]:
        connection = self._connection()
        if connection.dialect.name == "postgresql":
            # The workspace's row is the lock, not its numbers: a transaction that waited for
            # rows it locked would read those rows again when they are released (READ
            # COMMITTED), but never the numbers added meanwhile, and with no number yet there
            # is no row to wait for. The numbers are read after the lock is held, by a new
            # statement, which sees everything committed before. FOR NO KEY UPDATE leaves the
            # row free for the key-share locks that inserts referring to it take (messages,
            # members, ...). SQLite renders no FOR UPDATE; its unit of work begins IMMEDIATE,
            # which already makes every writer wait for the one before.
            w = workspaces.c
            statement = select(w.id).where(w.id == workspace_id).with_for_update(key_share=True)
            await connection.execute(statement)
        return await self.list(workspace_id)

    async def list(self, workspace_id: UUID) -> builtins.list[WorkspaceChannel]:
        c = workspace_channels.c
        statement = (
            _FIELDS.select().where(c.workspace_id == workspace_id).order_by(c.created_at, c.id)
        )
        rows = (await self._connection().execute(statement)).all()
        return [_FIELDS.to_entity(row) for row in rows]

    async def get(self, workspace_id: UUID, channel_id: UUID) -> WorkspaceChannel | None:
        parameters = {"channel_id": channel_id, "workspace_id": workspace_id}
        return await _FIELDS.first(self._connection(), _BY_ID, parameters)

    async def find(self, provider: Provider, address: str) -> WorkspaceChannel | None:
        parameters = {"provider": provider.value, "address": address}
        return await _FIELDS.first(self._connection(), _BY_ADDRESS, parameters)

    async def of_provider(self, provider: Provider) -> builtins.list[WorkspaceChannel]:
        c = workspace_channels.c
        # Few numbers, read once a sweep: the unique key's leading column finds them.
        statement = (
            _FIELDS.select().where(c.provider == provider.value).order_by(c.created_at, c.id)
        )
        rows = (await self._connection().execute(statement)).all()
        return [_FIELDS.to_entity(row) for row in rows]

    async def remove(self, workspace_id: UUID, channel_id: UUID) -> bool:
        c = workspace_channels.c
        statement = delete(workspace_channels).where(
            c.id == channel_id, c.workspace_id == workspace_id
        )
        return (await self._connection().execute(statement)).rowcount == 1

    async def set_connection(
        self, workspace_id: UUID, channel_id: UUID, connection: Connection | None
    ) -> bool:
        c = workspace_channels.c
        statement = (
            update(workspace_channels)
            .where(c.id == channel_id, c.workspace_id == workspace_id)
            .values(connection=None if connection is None else msgspec.to_builtins(connection))
        )
        return (await self._connection().execute(statement)).rowcount == 1
