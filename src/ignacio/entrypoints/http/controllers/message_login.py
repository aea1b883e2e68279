"""Logging in, or linking WhatsApp, by sending a code from WhatsApp."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from ignacio.application.use_cases.authenticate import Authenticate
from ignacio.application.use_cases.poll_message_login import (
    PollMessageLogin,
    PollMessageLoginCommand,
)
from ignacio.application.use_cases.start_message_login import (
    StartMessageLogin,
    StartMessageLoginCommand,
)
from ignacio.domain import without_nul
from ignacio.domain.message_login import MessageLoginPurpose
from ignacio.entrypoints.http.controllers.auth import refresh_cookie
from ignacio.entrypoints.http.dependencies import bearer_token, client_address
from ignacio.entrypoints.http.error_responses import error_responses
from ignacio.entrypoints.http.message_login_schemas import (
    MessageLoginBody,
    MessageLoginOut,
    MessageLoginPollBody,
    MessageLoginStateOut,
)


def _user_agent(request: Request[Any, Any, Any]) -> str | None:
    return without_nul(request.headers.get("user-agent") or "") or None


class MessageLoginController(Controller):
    path = "/auth/message-login"
    tags = ["auth"]

    @post(
        "/",
        status_code=HTTP_201_CREATED,
        security=[],
        responses=error_responses(401, 404, 409, 503),
    )
    async def start(
        self,
        request: Request[Any, Any, Any],
        start_message_login: NamedDependency[StartMessageLogin],
        authenticate: NamedDependency[Authenticate],
        data: JSONBody[MessageLoginBody | None] = None,
    ) -> MessageLoginOut:
        """Start a login by message: send the answer's `text` (`VERIFY <code>`) to its `number`
        from WhatsApp (`link` opens WhatsApp with it typed in), answer YES to the question that
        comes back, and poll `POST /auth/message-login/{id}/poll` with `browserToken` for the
        session.

        With `purpose: link` and the access token, the sender's WhatsApp is linked to the
        account logged in instead. The code lasts 10 minutes and works once, for this browser
        only. Limited per client address (429). 409 when the workspace's WhatsApp number is not
        known (the message says what to configure).
        """
        body = data or MessageLoginBody()
        account = None
        if body.purpose is MessageLoginPurpose.LINK:
            account = (await authenticate(bearer_token(request))).user
        result = await start_message_login(
            StartMessageLoginCommand(
                workspace=body.workspace,
                account=account,
                user_agent=_user_agent(request),
                client_address=client_address(request),
            )
        )
        return MessageLoginOut.of(result)

    @post(
        "/{login_id:uuid}/poll",
        status_code=HTTP_200_OK,
        security=[],
        responses=error_responses(401, 404),
    )
    async def poll(
        self,
        request: Request[Any, Any, Any],
        login_id: FromPath[UUID],
        data: JSONBody[MessageLoginPollBody],
        poll_message_login: NamedDependency[PollMessageLogin],
    ) -> Response[MessageLoginStateOut]:
        """How the login stands: `waiting`, `claimed` (answer YES on WhatsApp), `confirmed`,
        `refused`, `expired` or `used`. The first poll after the YES carries the session (the
        same body and refresh cookie as `/auth/verify-otp`), once. 404 for any browser but the
        one that started it. Poll every few seconds."""
        result = await poll_message_login(
            PollMessageLoginCommand(
                login_id=login_id,
                browser_token=data.browser_token,
                user_agent=_user_agent(request),
                client_address=client_address(request),
            )
        )
        now = datetime.now(UTC)
        body = MessageLoginStateOut.of(result, now)
        cookies = [refresh_cookie(request, result.tokens, now)] if result.tokens else []
        return Response(body, cookies=cookies)
