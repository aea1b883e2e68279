"""The member's own sessions: where they are logged in, and signing devices out."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Controller, Response, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_204_NO_CONTENT

from ignacio.application.use_cases.authenticate import Principal
from ignacio.application.use_cases.list_sessions import ListSessions
from ignacio.application.use_cases.logout import Logout, LogoutCommand
from ignacio.application.use_cases.revoke_session import RevokeSession
from ignacio.entrypoints.http.controllers.auth import cleared_refresh_cookie
from ignacio.entrypoints.http.error_responses import error_responses
from ignacio.entrypoints.http.schemas import LoggedOutBody, SessionOut, SessionsOut

KeepCurrent = Annotated[
    bool,
    QueryParameter(
        name="keepCurrent",
        description="Keep the session this request is made in: sign out everywhere else.",
    ),
]


class SessionsController(Controller):
    path = "/auth"
    tags = ["auth"]

    @get("/sessions")
    async def list_sessions(
        self, principal: NamedDependency[Principal], list_sessions: NamedDependency[ListSessions]
    ) -> SessionsOut:
        """Where the caller is logged in: their live sessions, the most recently used first
        (at most 100), each with its device, the network it came from (never the whole
        address), when it began and was last used, and which one this request was made in."""
        views = await list_sessions(principal)
        return SessionsOut(items=[SessionOut.of(view) for view in views])

    @delete(
        "/sessions/{session_id:uuid}",
        status_code=HTTP_204_NO_CONTENT,
        responses=error_responses(404),
    )
    async def revoke_session(
        self,
        principal: NamedDependency[Principal],
        revoke_session: NamedDependency[RevokeSession],
        session_id: FromPath[UUID],
    ) -> Response[None]:
        """Sign one of the caller's sessions out: its refresh token and its access tokens stop
        working at once. 404 for any id that is not a live session of the caller's.
        Signing out the current session logs the caller out."""
        await revoke_session(principal, session_id)
        ended_here = session_id == principal.session_id
        return Response(
            None,
            status_code=HTTP_204_NO_CONTENT,
            cookies=[cleared_refresh_cookie()] if ended_here else [],
        )

    @post("/logout-all", status_code=HTTP_200_OK)
    async def logout_all(
        self,
        principal: NamedDependency[Principal],
        logout: NamedDependency[Logout],
        keep_current: KeepCurrent = False,
    ) -> Response[LoggedOutBody]:
        """End every session of the caller, on every device; with `keepCurrent=true`, every
        one but the session this request is made in."""
        result = await logout(
            LogoutCommand(
                user_id=principal.user.id,
                session_id=principal.session_id,
                all_devices=True,
                keep_current=keep_current,
            )
        )
        return Response(
            LoggedOutBody(sessions_ended=result.sessions_ended),
            cookies=[] if keep_current else [cleared_refresh_cookie()],
        )
