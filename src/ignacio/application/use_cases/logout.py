"""Logout: end the current session, or every session of the member."""

from __future__ import annotations

from uuid import UUID

import msgspec

from ignacio.application.auditing import Auditor
from ignacio.application.ports import UnitOfWorkFactory


class LogoutCommand(msgspec.Struct, frozen=True, kw_only=True):
    user_id: UUID
    session_id: UUID
    all_devices: bool = False
    keep_current: bool = False
    """With `all_devices`: every session but this one ends ("sign out everywhere else")."""


class LogoutResult(msgspec.Struct, frozen=True, kw_only=True):
    sessions_ended: int


class Logout:
    """End a session: its access and refresh tokens stop working at once.

    - With `all_devices`, every live session of the member ends, the current one too unless
      `keep_current`; audited as `session.revoke_all` with how many ended (logging out of the
      one session is not: it is the everyday end of a login).
    """

    def __init__(self, uow: UnitOfWorkFactory, auditor: Auditor) -> None:
        self._uow = uow
        self._auditor = auditor

    async def __call__(self, command: LogoutCommand) -> LogoutResult:
        now = self._auditor.clock.now()
        async with self._uow() as uow:
            if command.all_devices:
                keep = command.session_id if command.keep_current else None
                ended = await uow.sessions.revoke_all_for_user(command.user_id, now, keep=keep)
                await self._auditor.record(
                    uow,
                    command.user_id,
                    "session.revoke_all",
                    "user",
                    command.user_id,
                    sessions_ended=ended,
                    kept_current=command.keep_current,
                )
            else:
                await uow.sessions.revoke(command.session_id, now)
                ended = 1
            await uow.commit()
        return LogoutResult(sessions_ended=ended)
