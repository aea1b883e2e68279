"""Request and response bodies of logging in (or linking WhatsApp) by sending a code."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

from ignacio.application.use_cases.poll_message_login import PollMessageLoginResult
from ignacio.application.use_cases.start_message_login import StartMessageLoginResult
from ignacio.domain.message_login import MessageLoginPurpose, MessageLoginState
from ignacio.entrypoints.http.schemas import LoginOut, Schema


class MessageLoginBody(Schema):
    workspace: Annotated[str, msgspec.Meta(min_length=1, max_length=40)] | None = None
    """The workspace whose WhatsApp number the code is sent to (id or short name); by default
    the default workspace."""
    purpose: MessageLoginPurpose = MessageLoginPurpose.LOGIN
    """`login`: log this browser in as whoever sends the code; `link`: attach the sender's
    WhatsApp to the account logged in (needs the access token)."""


class MessageLoginOut(Schema):
    id: UUID
    purpose: MessageLoginPurpose
    code: str
    text: str
    """What to send from WhatsApp: `VERIFY <code>`."""
    number: str
    """The workspace's WhatsApp number to send it to, in E.164."""
    link: str
    """`https://wa.me/<number>?text=VERIFY%20<code>`: opens WhatsApp with the text typed in."""
    workspace: str
    workspace_name: str
    device: str | None
    """This browser, as the question over WhatsApp names it."""
    expires_at: datetime
    browser_token: str
    """The secret that polls this login: only this browser has it (it is never shown again)."""

    @classmethod
    def of(cls, result: StartMessageLoginResult) -> MessageLoginOut:
        login = result.login
        return cls(
            id=login.id,
            purpose=login.purpose,
            code=result.code.digits,
            text=result.text,
            number=result.number.e164,
            link=result.link,
            workspace=result.workspace.slug,
            workspace_name=result.workspace.name,
            device=login.device,
            expires_at=login.expires_at,
            browser_token=result.browser_token,
        )


class MessageLoginPollBody(Schema):
    browser_token: Annotated[str, msgspec.Meta(min_length=1, max_length=128)]


class MessageLoginStateOut(Schema):
    state: MessageLoginState
    """`waiting` for the code; `claimed`: sent, the YES over WhatsApp awaited; `confirmed` (a
    login: this answer carries the session, once); `refused`; `expired`; `used` (its session
    was collected already)."""
    purpose: MessageLoginPurpose
    expires_at: datetime
    login: LoginOut | None = None
    """With `confirmed`, for a login: the session, as `/auth/verify-otp` gives it."""

    @classmethod
    def of(cls, result: PollMessageLoginResult, now: datetime) -> MessageLoginStateOut:
        login = None
        if result.tokens is not None and result.user is not None:
            login = LoginOut.of_login(result.tokens, result.user, False, now)
        return cls(
            state=result.state,
            purpose=result.login.purpose,
            expires_at=result.login.expires_at,
            login=login,
        )
