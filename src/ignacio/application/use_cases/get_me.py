"""GetMe: the member's own profile."""

from __future__ import annotations

from ignacio.application.authorization import existing_user
from ignacio.application.ports import UnitOfWorkFactory
from ignacio.domain import User


class GetMe:
    """Read the caller's profile as it is stored now."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, me: User) -> User:
        async with self._uow(read_only=True) as uow:
            return await existing_user(uow, me.id)
