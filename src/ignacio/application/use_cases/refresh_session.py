"""RefreshSession: trade a refresh token for new tokens."""

from __future__ import annotations

import logging

import msgspec

from ignacio.application.ports import Clock, SecretHasher, UnitOfWorkFactory
from ignacio.application.sessions import SessionIssuer
from ignacio.domain import AuthenticationFailed, IssuedTokens
from ignacio.domain.auth import new_refresh_token

# Standard logging: the core takes no logging framework; the entrypoint renders these with structlog.
log = logging.getLogger(__name__)


class RefreshSessionCommand(msgspec.Struct, frozen=True, kw_only=True):
    refresh_token: str


class RefreshSession:
    """Rotate a session's refresh token and issue a new access token.

    - The token must be the session's current one: each refresh token works once.
    - A token the session has rotated out, presented again, is taken as stolen (OWASP's refresh
      token reuse detection): the whole session ends, its newer refresh token and, at their next
      check, its access tokens with it. Other sessions of the member go on.
    - Two refreshes with the same current token at the same moment are the same reuse, whichever
      of them the database lets through first: one gets new tokens and the other ends the session
      (the web app refreshes one at a time across its tabs, so only a copy of the token races).
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
            if session is None:
                revoked = await uow.sessions.revoke_for_retired_token(old_hash, now)
                if revoked is not None:
                    await uow.commit()
                    log.warning(
                        "a rotated-out refresh token was presented again; session ended",
                        extra={"session_id": str(revoked)},
                    )
                raise ended
            if not session.is_live(now):
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
                # Another refresh rotated this very token since it was read above.
                await uow.sessions.revoke(session.id, now)
                await uow.commit()
                log.warning(
                    "one refresh token was presented twice at once; session ended",
                    extra={"session_id": str(session.id)},
                )
                raise ended
            await uow.commit()
        return self._sessions.tokens_for(session.id, user.id, refresh_token, expires_at, now)
