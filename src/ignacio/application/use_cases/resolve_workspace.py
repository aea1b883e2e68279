"""ResolveWorkspace: the workspace a request acts in, and what the caller may do there."""

from __future__ import annotations

from ignacio.application.ports import UnitOfWorkFactory
from ignacio.application.workspaces import resolve_access
from ignacio.domain import User
from ignacio.domain.workspaces import WorkspaceAccess


class ResolveWorkspace:
    """The workspace a request names (by id or short name), or the caller's only one.

    - A workspace the caller is not in (and they are no platform admin) is a 404, as one that
      does not exist.
    - Without a name: the caller's only workspace; a platform admin in none acts in the
      default one; someone in several must name one (400, listing them).
    """

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, me: User, ref: str | None) -> WorkspaceAccess:
        async with self._uow(read_only=True) as uow:
            return await resolve_access(uow, me, ref)
