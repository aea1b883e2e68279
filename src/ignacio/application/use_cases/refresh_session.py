"""RefreshSession: trade a refresh token for new tokens."""

from __future__ import annotations

import msgspec

from ignacio.application.ports import Clock, SecretHasher, UnitOfWorkFactory
from ignacio.application.sessions import SessionIssuer
from ignacio.domain import AuthenticationFailed, IssuedTokens
from ignacio.domain.auth import new_refresh_token


class RefreshSessionCommand(msgspec.Struct, frozen=True, kw_only=True):
    refresh_token: str


class RefreshSession:
    """Rotate a session's refresh token and issue a new access token.

    - The token must be the session's current one: each refresh token works once.
    - Revoked or expired sessions, and sessions of deactivated or deleted members, end here.
    """

    def __init__(
        self, uow: UnitOfWorkFactory, hasher: SecretHasher, sessions: SessionIssuer, clock: Clock
    ) -> None:
        self._uow = uow
        self._hasher = hasher
        self._sessions = sessions
        self._clock = clock

    async def __call__(self, command: RefreshSessionCommand) -> IssuedTokens:
        ended = AuthenticationFailed("Your session has ended. Log in again.")
        now = self._clock.now()
        old_hash = self._hasher.digest(command.refresh_token)
        async with self._uow() as uow:
            session = await uow.sessions.get_by_token_hash(old_hash)
            if session is None or not session.is_live(now):
                raise ended
            user = await uow.users.get(session.user_id)
            if user is None or not user.is_active:
                await uow.sessions.revoke(session.id, now)
                await uow.commit()
                raise ended
            refresh_token = new_refresh_token()
            expires_at = now + self._sessions.refresh_ttl
            rotated = await uow.sessions.rotate(
                session.id, old_hash, self._hasher.digest(refresh_token), expires_at, now
            )
            if not rotated:
                raise ended
            await uow.commit()
        return self._sessions.tokens_for(session.id, user.id, refresh_token, expires_at, now)
