"""MessageLoginRepository in memory: each conditional change is one test and one write, with no
await between (the store's lock makes units of work serial besides)."""

from __future__ import annotations

import builtins
from datetime import datetime, timedelta
from uuid import UUID

import msgspec

from ignacio.adapters.memory.store import InMemoryStore
from ignacio.domain import Conflict, NotFound
from ignacio.domain.message_login import MessageLogin, MessageLoginState

KEPT_AFTER_EXPIRY = timedelta(hours=1)


class InMemoryMessageLoginRepository:
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def add(self, login: MessageLogin) -> None:
        logins = self._store.message_logins
        if login.id in logins:
            raise Conflict("A login with this id already exists.")
        if login.code_hash is not None and any(
            other.workspace_id == login.workspace_id and other.code_hash == login.code_hash
            for other in logins.values()
        ):
            raise Conflict("Another login of this workspace is waiting for the same code.")
        if login.workspace_id not in self._store.workspaces or (
            login.account_id is not None and login.account_id not in self._store.users
        ):
            raise NotFound("There is no such workspace or account.")
        logins[login.id] = login

    async def get(self, login_id: UUID) -> MessageLogin | None:
        return self._live().get(login_id)

    async def waiting_with_code(
        self, workspace_id: UUID, code_hash: str, now: datetime
    ) -> MessageLogin | None:
        for login in self._live().values():
            if (
                login.workspace_id == workspace_id
                and login.code_hash == code_hash
                and login.state is MessageLoginState.WAITING
                and login.expires_at > now
            ):
                return login
        return None

    async def claims_of(self, workspace_id: UUID, member_id: UUID) -> builtins.list[MessageLogin]:
        claims = [
            login
            for login in self._live().values()
            if login.workspace_id == workspace_id
            and login.member_id == member_id
            and login.state is MessageLoginState.CLAIMED
        ]
        return sorted(claims, key=lambda c: (c.claimed_at, c.id), reverse=True)

    async def replace(self, current: MessageLogin, after: MessageLogin) -> bool:
        if after.id != current.id:
            raise ValueError("A challenge is replaced by itself, changed.")
        stored = self._live().get(current.id)
        if stored is None or stored.state is not current.state:
            return False
        # As the SQL adapter: the workspace a row is in never changes.
        self._store.message_logins[current.id] = msgspec.structs.replace(
            after, workspace_id=stored.workspace_id
        )
        return True

    async def prune(self, before: datetime, limit: int) -> int:
        logins = self._store.message_logins
        old = sorted(
            (login for login in logins.values() if login.expires_at < before),
            key=lambda login: login.expires_at,
        )[:limit]
        for login in old:
            del logins[login.id]
        return len(old)

    async def release_expired(self, workspace_id: UUID, now: datetime) -> None:
        logins = self._store.message_logins
        for login in builtins.list(logins.values()):
            if login.workspace_id != workspace_id or login.expires_at > now:
                continue
            if login.expires_at < now - KEPT_AFTER_EXPIRY:
                del logins[login.id]
            elif login.code_hash is not None:
                logins[login.id] = msgspec.structs.replace(login, code_hash=None)

    def _live(self) -> dict[UUID, MessageLogin]:
        """The challenges whose workspace and people still exist (as ON DELETE CASCADE)."""
        store = self._store
        return {
            key: login
            for key, login in store.message_logins.items()
            if login.workspace_id in store.workspaces
            and (login.member_id is None or login.member_id in store.users)
            and (login.account_id is None or login.account_id in store.users)
        }
