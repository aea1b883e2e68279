"""The Channel port over Twilio's REST API (`POST /2010-04-01/Accounts/{sid}/Messages.json`).

Answers go out through the Messages API rather than as TwiML in the webhook's response: an AI
turn can take longer than the 15 seconds Twilio waits for a webhook, and the webhook has already
answered by the time the worker has something to say.
"""

from __future__ import annotations

import re

import httpx
import msgspec
import structlog

from ignacio.adapters.twilio.failures import failure_from_exception, failure_from_response
from ignacio.adapters.twilio.parse import WHATSAPP_PREFIX
from ignacio.adapters.twilio.payloads import MessageResource
from ignacio.application.ports import OutgoingFile, SendFailure, SentMessage
from ignacio.domain import PhoneNumber, Recipient
from ignacio.domain.templates import TemplateUse

DEFAULT_API_BASE_URL = "https://api.twilio.com"
DEFAULT_MESSAGING_BASE_URL = "https://messaging.twilio.com"
MAX_TEXT_LENGTH = 1600
LOGIN_CODE_TEXT = "Your Ignacio login code is {code}. It expires in a few minutes; do not share it."
_CONTENT_SID = re.compile(r"^HX[0-9a-f]{32}$")
_MESSAGE_SID = re.compile(r"^(SM|MM)[0-9a-fA-F]{32}$")
_FAILED = frozenset({"failed", "undelivered", "canceled"})

log = structlog.get_logger(__name__)


class TwilioChannel:
    """Sends texts (1,600 characters at most), login codes and typing indicators through Twilio.

    Login codes use the approved content template `login_content_sid` (a WhatsApp authentication
    template with the code as variable 1), which also reaches people outside the 24-hour window;
    without one they go as plain text, which WhatsApp delivers only inside the window.
    `status_callback_url` is where Twilio reports what became of each message.

    The HTTP client is injected (and owned by the caller); the Auth Token goes only into the
    Authorization header and is never logged.
    """

    max_text_length = MAX_TEXT_LENGTH

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        account_sid: str,
        auth_token: str,
        from_number: PhoneNumber,
        api_base_url: str = DEFAULT_API_BASE_URL,
        messaging_base_url: str = DEFAULT_MESSAGING_BASE_URL,
        status_callback_url: str | None = None,
        login_content_sid: str | None = None,
    ) -> None:
        self._client = client
        self._auth = httpx.BasicAuth(account_sid, auth_token)
        self._messages_url = (
            f"{api_base_url.rstrip('/')}/2010-04-01/Accounts/{account_sid}/Messages.json"
        )
        self._typing_url = f"{messaging_base_url.rstrip('/')}/v2/Indicators/Typing.json"
        self._from = WHATSAPP_PREFIX + from_number.e164
        self._status_callback_url = status_callback_url
        self._login_content_sid = login_content_sid

    def __repr__(self) -> str:
        return f"TwilioChannel({self._messages_url!r})"

    async def send_text(self, to: Recipient, text: str) -> SentMessage:
        if len(text) > self.max_text_length:
            raise SendFailure(
                f"A Twilio WhatsApp message can have at most {self.max_text_length} characters.",
                retriable=False,
                code=21617,
            )
        return await self._send(to, {"Body": text})

    async def send_login_code(self, to: PhoneNumber, code: str) -> SentMessage:
        if self._login_content_sid:
            return await self._send(
                to,
                {
                    "ContentSid": self._login_content_sid,
                    "ContentVariables": msgspec.json.encode({"1": code}).decode(),
                },
            )
        return await self._send(to, {"Body": LOGIN_CODE_TEXT.format(code=code)})

    async def send_template(self, to: Recipient, template: TemplateUse) -> SentMessage:
        """A Content Template, named by its Content SID, its variables numbered from 1."""
        if not _CONTENT_SID.match(template.name):
            raise SendFailure(
                "On Twilio a template is named by its Content SID (HX and 32 hex digits); "
                f"'{template.name}' is not one. An admin sets it in the workspace's template.",
                retriable=False,
            )
        variables = {str(number): value for number, value in enumerate(template.parameters, 1)}
        return await self._send(
            to,
            {
                "ContentSid": template.name,
                "ContentVariables": msgspec.json.encode(variables).decode(),
            },
        )

    async def send_file(self, to: Recipient, file: OutgoingFile) -> SentMessage:
        """Twilio fetches the file itself from `MediaUrl`, so it needs the file's public link."""
        if file.link is None:
            raise SendFailure(
                "Twilio fetches a file from a public address, and none is configured: set "
                "TWILIO_PUBLIC_URL to the address Twilio reaches this server at.",
                retriable=False,
            )
        fields = {"MediaUrl": file.link}
        if file.caption:
            fields["Body"] = file.caption
        return await self._send(to, fields)

    async def mark_read(self, external_id: str) -> None:
        """A WhatsApp typing indicator, which also marks the message read (Twilio's beta API)."""
        if not _MESSAGE_SID.match(external_id):
            return
        try:
            response = await self._client.post(
                self._typing_url,
                data={"messageId": external_id, "channel": "whatsapp"},
                auth=self._auth,
            )
        except httpx.HTTPError as error:  # best effort: a read receipt never breaks an answer
            log.info("twilio_typing_indicator_failed", error=type(error).__name__)
            return
        if not response.is_success:
            failure = failure_from_response(response)
            log.info(
                "twilio_typing_indicator_failed",
                status=response.status_code,
                code=failure.code,
                reason=failure.title,
            )

    async def _send(self, to: Recipient, fields: dict[str, str]) -> SentMessage:
        if not isinstance(to, PhoneNumber):
            raise SendFailure(
                "Twilio sends WhatsApp messages to phone numbers only, and this person's number "
                f"is not known, only their WhatsApp user id ({to.masked()}).",
                retriable=False,
            )
        form = {"From": self._from, "To": WHATSAPP_PREFIX + to.e164, **fields}
        if self._status_callback_url:
            form["StatusCallback"] = self._status_callback_url
        try:
            response = await self._client.post(self._messages_url, data=form, auth=self._auth)
        except httpx.HTTPError as error:
            raise failure_from_exception(error) from error
        if not response.is_success:
            raise failure_from_response(response)
        try:
            result = msgspec.json.decode(response.content, type=MessageResource, strict=False)
        except (msgspec.DecodeError, RecursionError):
            result = MessageResource()
        if (result.status or "").lower() in _FAILED:
            raise SendFailure(
                result.error_message or f"Twilio reported the message {result.status}.",
                retriable=False,
                code=result.error_code,
            )
        if result.sid is None:
            # Accepted all the same: raising would make the caller send the message twice.
            log.warning("twilio_send_without_sid", status=response.status_code)
        return SentMessage(external_id=result.sid)
