"""ListSessions: where the member is logged in."""

from __future__ import annotations

import msgspec

from ignacio.application.ports import Clock, DeviceNames, UnitOfWorkFactory
from ignacio.application.use_cases.authenticate import Principal
from ignacio.domain import UserSession

# A person has a few devices; a script that logs in again and again could have thousands of
# sessions, which the list shows the most recently used of (logout-all ends them all).
MAX_LISTED = 100


class SessionView(msgspec.Struct, frozen=True, kw_only=True):
    session: UserSession
    device: str | None
    """What a person would call the device ("Firefox on Windows"); None when its User-Agent
    tells nothing."""
    is_current: bool
    """Whether it is the session the request was made in."""


class ListSessions:
    """The caller's live sessions, the most recently used first (at most `MAX_LISTED`).

    - Live: neither ended (logout, sign-out, reuse of a refresh token, deactivation) nor expired.
    - The device is named from the User-Agent the login came with; the client address is
      shown only as its network (`UserSession.network`), never whole.
    - "Last used" is when the session last renewed its access token (the web app does every
      quarter of an hour while open): a request with an access token writes nothing.
    - The session the request was made in is marked current.
    """

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, devices: DeviceNames) -> None:
        self._uow = uow
        self._clock = clock
        self._devices = devices

    async def __call__(self, principal: Principal) -> list[SessionView]:
        async with self._uow(read_only=True) as uow:
            sessions = await uow.sessions.list_live_for_user(
                principal.user.id, self._clock.now(), MAX_LISTED
            )
        return [
            SessionView(
                session=session,
                device=self._devices.name(session.user_agent) if session.user_agent else None,
                is_current=session.id == principal.session_id,
            )
            for session in sessions
        ]
