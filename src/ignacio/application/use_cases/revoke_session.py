"""RevokeSession: sign one of the member's devices out."""

from __future__ import annotations

from uuid import UUID

from ignacio.application.auditing import Auditor
from ignacio.application.ports import DeviceNames, UnitOfWorkFactory
from ignacio.application.use_cases.authenticate import Principal
from ignacio.domain import NotFound


class RevokeSession:
    """End one of the caller's own live sessions.

    - Another member's session, an ended or expired one and an unknown id are all "no such
      session", alike: nobody learns that a session id exists.
    - It ends at once: its refresh token is refused at the next refresh, and its access tokens
      at their next request (every request checks that its session is live, `Authenticate`).
      A live event stream it has open ends when the access token that opened it expires (a
      quarter of an hour at most; it carries ids and states, never text).
    - Ending the session the request was made in logs the caller out.
    - Audited as `session.revoke`, with the device's name (never its address or tokens).
    """

    def __init__(self, uow: UnitOfWorkFactory, auditor: Auditor, devices: DeviceNames) -> None:
        self._uow = uow
        self._auditor = auditor
        self._devices = devices

    async def __call__(self, principal: Principal, session_id: UUID) -> None:
        me = principal.user
        async with self._uow() as uow:
            ended = await uow.sessions.revoke_own(me.id, session_id, self._auditor.clock.now())
            if ended is None:
                raise NotFound("There is no such session.")
            await self._auditor.record(
                uow,
                me.id,
                "session.revoke",
                "session",
                ended.id,
                device=self._devices.name(ended.user_agent) if ended.user_agent else None,
                current=ended.id == principal.session_id,
            )
            await uow.commit()
