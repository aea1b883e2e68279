"""WorkspaceRepository and MembershipRepository over SQLAlchemy Core: `workspaces` and
`workspace_members`, one row per person and workspace."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import msgspec
from sqlalchemy import bindparam, delete, select, update

from ignacio.adapters.sql.mapping import Field, FieldMap, enum_field, struct_field
from ignacio.adapters.sql.queries import (
    ConnectionSource,
    insert_new,
    keyset,
    page_of,
    update_one,
)
from ignacio.adapters.sql.tables import users, workspace_members, workspaces
from ignacio.domain import Page, PageRequest, Position
from ignacio.domain.access import WhatsAppAccess
from ignacio.domain.templates import MessageTemplate
from ignacio.domain.workspaces import (
    AssistantSettings,
    Joined,
    Membership,
    Workspace,
    WorkspaceRole,
)

_SLUG_TAKEN = "A workspace with this short name already exists."
_NO_WORKSPACE = "There is no such workspace."
_ALREADY_MEMBER = "This person is already a member of this workspace."
_NOT_MEMBER = "This person is not a member of this workspace."


def _settings_document(settings: AssistantSettings) -> dict[str, Any]:
    # Only the settings the workspace chose: an absent key and a null mean the same default,
    # and a setting added later then needs no rewrite of the stored documents.
    return {key: value for key, value in msgspec.to_builtins(settings).items() if value is not None}


def _settings(document: dict[str, Any]) -> AssistantSettings:
    return msgspec.convert(document, AssistantSettings)


_WORKSPACE_FIELDS = FieldMap(
    Workspace,
    workspaces,
    "id",
    "slug",
    "name",
    Field("assistant", dump=_settings_document, load=_settings),
    enum_field("access", WhatsAppAccess),
    "created_at",
    "updated_at",
    struct_field("reply_template", MessageTemplate),
)

# A workspace with a person's role there, read after other columns (users.py reads them after
# the user's, in the session read of every request).
JOINED_COLUMNS = [*_WORKSPACE_FIELDS.columns, workspace_members.c.role]


def joined_of(values: Sequence[Any]) -> Joined | None:
    """The Joined that `JOINED_COLUMNS` hold; None where an outer join found no membership."""
    if values[0] is None:
        return None
    return Joined(
        workspace=_WORKSPACE_FIELDS.to_entity(values[:-1]), role=WorkspaceRole(values[-1])
    )


_MEMBERSHIP_FIELDS = FieldMap(
    Membership,
    workspace_members,
    "id",
    "workspace_id",
    "user_id",
    enum_field("role", WorkspaceRole),
    "created_at",
    "updated_at",
)


def _position(item: Workspace | Membership) -> Position:
    return Position(at=item.created_at, id=item.id)


# Built once (see messages.py's `_BY_ID`): every webhook and every turn reads its workspace.
_WORKSPACE_BY_ID = _WORKSPACE_FIELDS.select().where(workspaces.c.id == bindparam("workspace_id"))
_WORKSPACE_BY_SLUG = _WORKSPACE_FIELDS.select().where(workspaces.c.slug == bindparam("slug"))


class SqlWorkspaceRepository:
    def __init__(self, connection: ConnectionSource) -> None:
        self._connection = connection

    async def add(self, workspace: Workspace) -> None:
        await insert_new(
            self._connection(),
            workspaces,
            _WORKSPACE_FIELDS.insert_values(workspace),
            conflict=_SLUG_TAKEN,
        )

    async def get(self, workspace_id: UUID) -> Workspace | None:
        parameters = {"workspace_id": workspace_id}
        return await _WORKSPACE_FIELDS.first(self._connection(), _WORKSPACE_BY_ID, parameters)

    async def get_by_slug(self, slug: str) -> Workspace | None:
        parameters = {"slug": slug}
        return await _WORKSPACE_FIELDS.first(self._connection(), _WORKSPACE_BY_SLUG, parameters)

    async def update(self, workspace: Workspace) -> None:
        statement = (
            update(workspaces)
            .where(workspaces.c.id == workspace.id)
            .values(**_WORKSPACE_FIELDS.update_values(workspace))
        )
        await update_one(self._connection(), statement, conflict=_SLUG_TAKEN, absent=_NO_WORKSPACE)

    async def list(self, page: PageRequest) -> Page[Workspace]:
        w = workspaces.c
        statement = keyset(_WORKSPACE_FIELDS.select(), w.created_at, w.id, page)
        rows = (await self._connection().execute(statement)).all()
        return page_of(rows, page, _WORKSPACE_FIELDS.to_entity, _position)

    async def of_user(self, user_id: UUID) -> builtins.list[Joined]:
        rows = (await self._connection().execute(_OF_USER, {"user_id": user_id})).all()
        return [joined for row in rows if (joined := joined_of(row)) is not None]


# Built once: every request resolves its workspace with it. The role last: `to_entity` reads
# the workspace's columns first, in order.
_OF_USER = (
    select(*JOINED_COLUMNS)
    .select_from(workspaces)
    .join(workspace_members, workspace_members.c.workspace_id == workspaces.c.id)
    .where(workspace_members.c.user_id == bindparam("user_id"))
    .order_by(workspaces.c.created_at, workspaces.c.id)
)


class SqlMembershipRepository:
    def __init__(self, connection: ConnectionSource) -> None:
        self._connection = connection

    async def add(self, membership: Membership) -> None:
        # A missing user breaks the other foreign key and reads the same: callers add the
        # people they have just found, so the workspace is the one that can have gone.
        await insert_new(
            self._connection(),
            workspace_members,
            _MEMBERSHIP_FIELDS.insert_values(membership),
            conflict=_ALREADY_MEMBER,
            missing=_NO_WORKSPACE,
        )

    async def get(self, workspace_id: UUID, user_id: UUID) -> Membership | None:
        m = workspace_members.c
        statement = _MEMBERSHIP_FIELDS.select().where(
            m.workspace_id == workspace_id, m.user_id == user_id
        )
        return await _MEMBERSHIP_FIELDS.first(self._connection(), statement)

    async def update(self, membership: Membership) -> None:
        statement = (
            update(workspace_members)
            .where(workspace_members.c.id == membership.id)
            .values(**_MEMBERSHIP_FIELDS.update_values(membership))
        )
        await update_one(
            self._connection(),
            statement,
            conflict=_ALREADY_MEMBER,
            absent=_NOT_MEMBER,
            missing=_NO_WORKSPACE,
        )

    async def remove(self, workspace_id: UUID, user_id: UUID) -> bool:
        m = workspace_members.c
        statement = delete(workspace_members).where(
            m.workspace_id == workspace_id, m.user_id == user_id
        )
        return (await self._connection().execute(statement)).rowcount == 1

    async def list(self, workspace_id: UUID, page: PageRequest) -> Page[Membership]:
        m = workspace_members.c
        statement = _MEMBERSHIP_FIELDS.select().where(m.workspace_id == workspace_id)
        statement = keyset(statement, m.created_at, m.id, page)
        rows = (await self._connection().execute(statement)).all()
        return page_of(rows, page, _MEMBERSHIP_FIELDS.to_entity, _position)

    async def lock_admins(self, workspace_id: UUID) -> frozenset[UUID]:
        # As SqlUserRepository.lock_active_admins: on PostgreSQL the membership rows stay locked
        # until the transaction ends, and a transaction that waited for them reads them again
        # when they are released (READ COMMITTED), leaving out an admin demoted meanwhile; by
        # user id, so two lockers never wait for each other. Only the memberships are locked,
        # leaving the users' rows free for every other write: a use case that deactivates a
        # workspace admin must take this lock too, or a concurrent demotion will not see it.
        # SQLite renders no FOR UPDATE; its unit of work begins IMMEDIATE, which already makes
        # every writer wait for the one before.
        m = workspace_members.c
        statement = (
            select(m.user_id)
            .join(users, users.c.id == m.user_id)
            .where(
                m.workspace_id == workspace_id,
                m.role == WorkspaceRole.ADMIN.value,
                users.c.is_active.is_(True),
            )
            .order_by(m.user_id)
            .with_for_update(of=workspace_members)
        )
        return frozenset((await self._connection().execute(statement)).scalars())

    async def user_ids(self, workspace_id: UUID) -> builtins.list[UUID]:
        statement = select(workspace_members.c.user_id).where(
            workspace_members.c.workspace_id == workspace_id
        )
        return list((await self._connection().execute(statement)).scalars())
