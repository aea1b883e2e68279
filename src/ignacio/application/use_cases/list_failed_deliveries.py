"""ListFailedDeliveries: answers that never reached the member, for admins."""

from __future__ import annotations

from ignacio.application.authorization import require_admin
from ignacio.application.ports import UnitOfWorkFactory
from ignacio.domain import Delivery, Page, PageRequest, User


class ListFailedDeliveries:
    """Failed parts of outgoing messages, with the provider's code and reason. Admins only."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, actor: User, page: PageRequest) -> Page[Delivery]:
        require_admin(actor)
        async with self._uow() as uow:
            return await uow.deliveries.list_failed(page)
