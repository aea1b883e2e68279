"""Opening sessions and minting their tokens, shared by login and refresh."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from ignacio.application.ports import AccessTokens, Clock, IdGenerator, SecretHasher, UnitOfWork
from ignacio.domain import IssuedTokens, User, UserSession
from ignacio.domain.auth import new_refresh_token


class SessionIssuer:
    """Creates sessions with a rotating refresh token and short-lived access tokens."""

    def __init__(
        self,
        tokens: AccessTokens,
        hasher: SecretHasher,
        clock: Clock,
        ids: IdGenerator,
        refresh_ttl: timedelta,
    ) -> None:
        self._tokens = tokens
        self._hasher = hasher
        self._clock = clock
        self._ids = ids
        self.refresh_ttl = refresh_ttl

    async def open(
        self,
        uow: UnitOfWork,
        user: User,
        *,
        user_agent: str | None,
        client_address: str | None,
    ) -> IssuedTokens:
        now = self._clock.now()
        refresh_token = new_refresh_token()
        session = UserSession(
            id=self._ids.new_id(),
            user_id=user.id,
            token_hash=self._hasher.digest(refresh_token),
            expires_at=now + self.refresh_ttl,
            created_at=now,
            last_used_at=now,
            user_agent=(user_agent or None) and user_agent[:255],
            client_address=client_address,
        )
        await uow.sessions.add(session)
        return self.tokens_for(session.id, user.id, refresh_token, session.expires_at, now)

    def tokens_for(
        self,
        session_id: UUID,
        user_id: UUID,
        refresh_token: str,
        refresh_expires_at: datetime,
        now: datetime,
    ) -> IssuedTokens:
        access_token, access_expires_at = self._tokens.issue(user_id, session_id, now)
        return IssuedTokens(
            access_token=access_token,
            access_expires_at=access_expires_at,
            refresh_token=refresh_token,
            refresh_expires_at=refresh_expires_at,
        )
