"""The Channel port over a WhatsApp-Web gateway (seed 001): `POST /send-message`.

Seed 001's protocol carries text only (`{phone_number, to, message, type}`): files and
templates are refused with a reason, never sent as something else; read receipts and typing
indicators have no request, so `mark_read` does nothing.
"""

from __future__ import annotations

import httpx
import msgspec
import structlog

from ignacio.adapters.http_support import network_failure, retry_after_seconds
from ignacio.adapters.whatsapp_gateway.client import GatewayClient, refusal
from ignacio.adapters.whatsapp_gateway.payloads import SendMessageRequest, SendMessageResult
from ignacio.application.ports import FetchedMedia, OutgoingFile, SendFailure, SentMessage
from ignacio.domain import MediaRef, PhoneNumber, Recipient
from ignacio.domain.templates import TemplateUse

MAX_TEXT_LENGTH = 4096
LOGIN_CODE_TEXT = "Your Ignacio login code is {code}. It expires in a few minutes; do not share it."
NOT_LINKED_RETRY_SECONDS = 60.0
# The number has no session at the gateway (never scanned, or dropped): it may be scanned again.
_NOT_LINKED = frozenset({404, 409, 425})

log = structlog.get_logger(__name__)


class GatewayChannel:
    """Sends texts from one number through the gateway."""

    max_text_length = MAX_TEXT_LENGTH

    def __init__(self, gateway: GatewayClient, *, number: PhoneNumber) -> None:
        self._gateway = gateway
        self._number = number

    def __repr__(self) -> str:
        return f"GatewayChannel({self._gateway!r}, {self._number.masked()})"

    async def send_text(self, to: Recipient, text: str) -> SentMessage:
        if len(text) > self.max_text_length:
            raise SendFailure(
                f"A message through the gateway can have at most {self.max_text_length} "
                "characters.",
                retriable=False,
            )
        return await self._send(to, text)

    async def send_login_code(self, to: PhoneNumber, code: str) -> SentMessage:
        return await self._send(to, LOGIN_CODE_TEXT.format(code=code))

    async def send_template(self, to: Recipient, template: TemplateUse) -> SentMessage:
        raise SendFailure(
            "A WhatsApp-Web gateway has no message templates (only Meta's Cloud API and Twilio "
            "do): write to the person once they have written, or use a Cloud API number.",
            retriable=False,
        )

    async def send_file(self, to: Recipient, file: OutgoingFile) -> SentMessage:
        raise SendFailure(
            "The WhatsApp-Web gateway's protocol (seed 001) carries text only: the file was not "
            "sent. Send it from a Cloud API or Twilio number, or share it another way.",
            retriable=False,
        )

    async def mark_read(self, external_id: str) -> None:
        """Seed 001's gateway has no read receipts nor typing indicators: nothing to do."""
        return

    async def _send(self, to: Recipient, text: str) -> SentMessage:
        if not isinstance(to, PhoneNumber):
            raise SendFailure(
                "A WhatsApp-Web gateway sends to phone numbers only, and this person's number is "
                f"not known, only their WhatsApp user id ({to.masked()}).",
                retriable=False,
            )
        request = SendMessageRequest(
            phone_number=self._number.e164, to=to.e164, message=text, type="text"
        )
        try:
            response = await self._gateway.post("/send-message", request)
        except httpx.HTTPError as error:
            raise network_failure(error, "the WhatsApp-Web gateway") from error
        if not response.is_success:
            raise _failure(response)
        try:
            result = msgspec.json.decode(response.content, type=SendMessageResult)
        except (msgspec.DecodeError, RecursionError):
            result = SendMessageResult()
        for candidate in (result.message_id, result.id):
            if isinstance(candidate, str | int) and not isinstance(candidate, bool):
                return SentMessage(external_id=str(candidate)[:256] or None)
        # Accepted all the same: raising would make the caller send the message twice.
        log.warning("gateway_send_without_id", status=response.status_code)
        return SentMessage()


def _failure(response: httpx.Response) -> SendFailure:
    status = response.status_code
    reason = refusal(response)
    if status in _NOT_LINKED:
        return SendFailure(
            f"The number is not linked at the gateway ({reason}); an admin scans its QR code "
            "again on the workspace's page.",
            retriable=True,
            retry_after=retry_after_seconds(response.headers.get("retry-after"))
            or NOT_LINKED_RETRY_SECONDS,
        )
    retriable = status in (408, 429) or status >= 500
    return SendFailure(
        f"The WhatsApp-Web gateway did not send the message: {reason}.",
        retriable=retriable,
        retry_after=retry_after_seconds(response.headers.get("retry-after")) if retriable else None,
    )


class GatewayMediaFetcher:
    """Seed 001's protocol has no media: its messages never name a file to fetch, so one that
    did would be another provider's, not this gateway's."""

    async def fetch(self, media: MediaRef) -> FetchedMedia:
        raise SendFailure(
            "The WhatsApp-Web gateway's protocol carries no media to download.", retriable=False
        )
