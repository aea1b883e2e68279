"""UpdateMe: a member edits their own profile."""

from __future__ import annotations

import msgspec

from ignacio.application.authorization import existing_user
from ignacio.application.ports import Clock, UnitOfWorkFactory
from ignacio.domain import User


class UpdateMeCommand(msgspec.Struct, frozen=True, kw_only=True):
    name: str | None = None


class UpdateMe:
    """Change the caller's display name.

    - The phone number is the identity and cannot be changed here; admin rights neither.
    """

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, me: User, command: UpdateMeCommand) -> User:
        async with self._uow() as uow:
            user = await existing_user(uow, me.id)
            if command.name is not None:
                user, _ = user.changed(self._clock.now(), name=command.name)
                await uow.users.update(user)
                await uow.commit()
            return user
