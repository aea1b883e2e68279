"""Authenticate: who is behind an access token."""

from __future__ import annotations

from uuid import UUID

import msgspec

from ignacio.application.ports import AccessTokens, Clock, UnitOfWorkFactory
from ignacio.domain import AuthenticationFailed, User


class Principal(msgspec.Struct, frozen=True, kw_only=True):
    """The member making a request, and the session they made it in."""

    user: User
    session_id: UUID


class Authenticate:
    """Turn a bearer token into a principal.

    - The token must be signed by us and unexpired.
    - Its session must still be live: logout and deactivation take effect at once.
    """

    def __init__(self, uow: UnitOfWorkFactory, tokens: AccessTokens, clock: Clock) -> None:
        self._uow = uow
        self._tokens = tokens
        self._clock = clock

    async def __call__(self, access_token: str) -> Principal:
        now = self._clock.now()
        claims = self._tokens.read(access_token, now)
        # Every authenticated request passes here: one read, no transaction.
        async with self._uow(read_only=True) as uow:
            user = await uow.users.get_in_session(claims.user_id, claims.session_id)
        if user is None or not user.is_active:
            raise AuthenticationFailed("Your session has ended. Log in again.")
        return Principal(user=user, session_id=claims.session_id)
