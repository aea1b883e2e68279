"""SessionRepository in memory, with the refresh tokens rotated out."""

from __future__ import annotations

import builtins
from datetime import datetime
from uuid import UUID

import msgspec

from ignacio.adapters.memory.store import InMemoryStore
from ignacio.domain import Conflict, NotFound, UserSession


class InMemorySessionRepository:
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def add(self, session: UserSession) -> None:
        store = self._store
        if session.id in store.sessions or any(
            other.token_hash == session.token_hash for other in store.sessions.values()
        ):
            raise Conflict("This session already exists.")
        if session.user_id not in store.users:
            raise NotFound("There is no such user.")
        store.sessions[session.id] = session

    async def get(self, session_id: UUID) -> UserSession | None:
        return self._store.sessions.get(session_id)

    async def get_by_token_hash(self, token_hash: str) -> UserSession | None:
        return next((s for s in self._store.sessions.values() if s.token_hash == token_hash), None)

    async def rotate(
        self, session_id: UUID, old_hash: str, new_hash: str, expires_at: datetime, now: datetime
    ) -> bool:
        session = self._store.sessions.get(session_id)
        if session is None or session.token_hash != old_hash or session.revoked_at is not None:
            return False
        if any(other.token_hash == new_hash for other in self._store.sessions.values()):
            raise Conflict("This refresh token is already in use.")
        self._store.sessions[session_id] = msgspec.structs.replace(
            session, token_hash=new_hash, expires_at=expires_at, last_used_at=now
        )
        self._store.retired_tokens[old_hash] = session_id
        return True

    async def revoke_for_retired_token(self, token_hash: str, now: datetime) -> UUID | None:
        session_id = self._store.retired_tokens.get(token_hash)
        session = None if session_id is None else self._store.sessions.get(session_id)
        if session is None or session.revoked_at is not None:
            return None
        self._store.sessions[session.id] = msgspec.structs.replace(session, revoked_at=now)
        return session.id

    async def revoke(self, session_id: UUID, now: datetime) -> None:
        session = self._store.sessions.get(session_id)
        if session is not None and session.revoked_at is None:
            self._store.sessions[session_id] = msgspec.structs.replace(session, revoked_at=now)

    async def list_live_for_user(
        self, user_id: UUID, now: datetime, limit: int
    ) -> builtins.list[UserSession]:
        live = [s for s in self._store.sessions.values() if s.user_id == user_id and s.is_live(now)]
        live.sort(key=lambda s: (s.last_used_at, s.id.bytes), reverse=True)
        return live[:limit]

    async def revoke_own(
        self, user_id: UUID, session_id: UUID, now: datetime
    ) -> UserSession | None:
        session = self._store.sessions.get(session_id)
        if session is None or session.user_id != user_id or not session.is_live(now):
            return None
        revoked = msgspec.structs.replace(session, revoked_at=now)
        self._store.sessions[session_id] = revoked
        return revoked

    async def prune(self, before: datetime, limit: int) -> int:
        sessions = self._store.sessions
        old = sorted(
            (s for s in sessions.values() if s.expires_at < before), key=lambda s: s.expires_at
        )[:limit]
        for session in old:
            del sessions[session.id]
        gone = {session.id for session in old}
        tokens = self._store.retired_tokens
        for token_hash, session_id in builtins.list(tokens.items()):
            if session_id in gone:
                del tokens[token_hash]
        return len(old)

    async def revoke_all_for_user(
        self, user_id: UUID, now: datetime, *, keep: UUID | None = None
    ) -> int:
        ended = 0
        for session in builtins.list(self._store.sessions.values()):
            if session.user_id == user_id and session.id != keep and session.is_live(now):
                self._store.sessions[session.id] = msgspec.structs.replace(session, revoked_at=now)
                ended += 1
        return ended
