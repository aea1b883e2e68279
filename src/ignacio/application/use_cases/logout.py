"""Logout: end the current session, or every session of the member."""

from __future__ import annotations

from uuid import UUID

import msgspec

from ignacio.application.ports import Clock, UnitOfWorkFactory


class LogoutCommand(msgspec.Struct, frozen=True, kw_only=True):
    user_id: UUID
    session_id: UUID
    all_devices: bool = False


class LogoutResult(msgspec.Struct, frozen=True, kw_only=True):
    sessions_ended: int


class Logout:
    """End a session: its access and refresh tokens stop working at once.

    - With `all_devices`, every live session of the member ends.
    """

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, command: LogoutCommand) -> LogoutResult:
        now = self._clock.now()
        async with self._uow() as uow:
            if command.all_devices:
                ended = await uow.sessions.revoke_all_for_user(command.user_id, now)
            else:
                await uow.sessions.revoke(command.session_id, now)
                ended = 1
            await uow.commit()
        return LogoutResult(sessions_ended=ended)
