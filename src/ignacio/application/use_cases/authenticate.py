"""Authenticate: who is behind an access token."""

from __future__ import annotations

from uuid import UUID

import msgspec

from ignacio.application.ports import AccessTokens, Clock, UnitOfWork, UnitOfWorkFactory
from ignacio.application.workspaces import resolve_access
from ignacio.domain import AuthenticationFailed, User
from ignacio.domain.workspaces import WorkspaceAccess

SESSION_ENDED = "Your session has ended. Log in again."


class Principal(msgspec.Struct, frozen=True, kw_only=True):
    """The member making a request, and the session they made it in."""

    user: User
    session_id: UUID


class Authenticate:
    """Turn a bearer token into a principal.

    - The token must be signed by us and unexpired.
    - Its session must still be live: logout and deactivation take effect at once.
    - `in_workspace` also resolves the workspace the request acts in (ResolveWorkspace's
      rules), in the same read-only unit of work.
    """

    def __init__(self, uow: UnitOfWorkFactory, tokens: AccessTokens, clock: Clock) -> None:
        self._uow = uow
        self._tokens = tokens
        self._clock = clock

    async def __call__(self, access_token: str) -> Principal:
        # Every authenticated request passes here: one read, no transaction.
        async with self._uow(read_only=True) as uow:
            return await self._principal(uow, access_token)

    async def in_workspace(self, access_token: str, ref: str | None) -> WorkspaceAccess:
        """The caller and the workspace their request acts in (`resolve_access`), in the one
        read that checks the session: scoping a request to a workspace costs no extra read."""
        claims = self._tokens.read(access_token, self._clock.now())
        async with self._uow(read_only=True) as uow:
            found = await uow.users.in_session_with_workspaces(claims.user_id, claims.session_id)
            if found is None or not found[0].is_active:
                raise AuthenticationFailed(SESSION_ENDED)
            user, own = found
            return await resolve_access(uow, user, ref, own=own)

    async def _principal(self, uow: UnitOfWork, access_token: str) -> Principal:
        claims = self._tokens.read(access_token, self._clock.now())
        user = await uow.users.get_in_session(claims.user_id, claims.session_id)
        if user is None or not user.is_active:
            raise AuthenticationFailed(SESSION_ENDED)
        return Principal(user=user, session_id=claims.session_id)
