"""ListFailedDeliveries: answers that never reached the member, for the workspace's admins."""

from __future__ import annotations

from ignacio.application.ports import UnitOfWorkFactory
from ignacio.domain import Delivery, Page, PageRequest
from ignacio.domain.workspaces import WorkspaceAccess


class ListFailedDeliveries:
    """The workspace's failed parts of outgoing messages, with the provider's code and reason.
    Its admins (and platform admins) only."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, access: WorkspaceAccess, page: PageRequest) -> Page[Delivery]:
        access.require_admin()
        async with self._uow() as uow:
            return await uow.deliveries.list_failed(access.workspace.id, page)
