"""The Channel port over Meta's WhatsApp Cloud API (`POST /{phone-number-id}/messages`)."""

from __future__ import annotations

from typing import Any

import httpx
import msgspec
import structlog

from ignacio.adapters.whatsapp_cloud.failures import failure_from_exception, failure_from_response
from ignacio.adapters.whatsapp_cloud.payloads import SendResult, UploadResult
from ignacio.application.ports import OutgoingFile, SendFailure, SentMessage
from ignacio.domain import PhoneNumber, Recipient
from ignacio.domain.templates import TemplateUse

DEFAULT_BASE_URL = "https://graph.facebook.com"
DEFAULT_API_VERSION = "v23.0"
MAX_TEXT_LENGTH = 4096
# What WhatsApp shows as a photo (JPEG or PNG, 5 MB at most); every other file goes as a
# document, which WhatsApp takes up to 100 MB of in any format.
IMAGE_TYPES = frozenset({"image/jpeg", "image/png"})
MAX_IMAGE_BYTES = 5 * 1024 * 1024

log = structlog.get_logger(__name__)


class CloudApiChannel:
    """Sends texts, login codes (an authentication template) and read receipts through the Cloud API.

    A message goes to a phone number (`to`), or to a business-scoped user id (`recipient`, for
    someone whose number is not known); never both, since Meta lets `to` win.

    The HTTP client is injected (and owned by the caller), so timeouts, connection pooling and
    transports are chosen in one place; the access token goes only into the Authorization header
    and is never logged.
    """

    max_text_length = MAX_TEXT_LENGTH

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        phone_number_id: str,
        access_token: str,
        login_template_name: str,
        login_template_language: str = "en_US",
        base_url: str = DEFAULT_BASE_URL,
        api_version: str = DEFAULT_API_VERSION,
    ) -> None:
        self._client = client
        self._messages_url = f"{base_url.rstrip('/')}/{api_version}/{phone_number_id}/messages"
        self._media_url = f"{base_url.rstrip('/')}/{api_version}/{phone_number_id}/media"
        self._upload_headers = {"Authorization": f"Bearer {access_token}"}
        self._headers = {
            "Authorization": f"Bearer {access_token}",
            "Content-Type": "application/json",
        }
        self._login_template_name = login_template_name
        self._login_template_language = login_template_language

    def __repr__(self) -> str:
        return f"CloudApiChannel({self._messages_url!r})"

    async def send_text(self, to: Recipient, text: str) -> SentMessage:
        if len(text) > self.max_text_length:
            raise SendFailure(
                f"A WhatsApp text can have at most {self.max_text_length} characters.",
                retriable=False,
                code=100,
            )
        return await self._send(
            {
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                **_addressed(to),
                "type": "text",
                "text": {"preview_url": False, "body": text},
            }
        )

    async def send_login_code(self, to: PhoneNumber, code: str) -> SentMessage:
        """An authentication template: the code in its body and in its copy-code button."""
        parameters = [{"type": "text", "text": code}]
        return await self._send(
            {
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                **_addressed(to),
                "type": "template",
                "template": {
                    "name": self._login_template_name,
                    "language": {"code": self._login_template_language},
                    "components": [
                        {"type": "body", "parameters": parameters},
                        {
                            "type": "button",
                            "sub_type": "url",
                            "index": "0",
                            "parameters": parameters,
                        },
                    ],
                },
            }
        )

    async def send_template(self, to: Recipient, template: TemplateUse) -> SentMessage:
        """A template the business had approved, its body's variables filled in order."""
        body: dict[str, Any] = {"name": template.name, "language": {"code": template.language}}
        if template.parameters:
            body["components"] = [
                {
                    "type": "body",
                    "parameters": [
                        {"type": "text", "text": value} for value in template.parameters
                    ],
                }
            ]
        return await self._send(
            {
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                **_addressed(to),
                "type": "template",
                "template": body,
            }
        )

    async def send_file(self, to: Recipient, file: OutgoingFile) -> SentMessage:
        """Upload the file to Meta (`POST /{phone-number-id}/media`), then send the media id: a
        photo for a JPEG or PNG WhatsApp takes as one, a document (with its name) otherwise.
        Meta keeps an upload for 30 days; a retry uploads again rather than trust an old id."""
        media_id = await self._upload(file)
        if file.media_type in IMAGE_TYPES and len(file.content) <= MAX_IMAGE_BYTES:
            kind, media = "image", {"id": media_id}
        else:
            kind, media = "document", {"id": media_id, "filename": file.file_name}
        if file.caption:
            media["caption"] = file.caption
        return await self._send(
            {
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                **_addressed(to),
                "type": kind,
                kind: media,
            }
        )

    async def _upload(self, file: OutgoingFile) -> str:
        response = await self._call(
            self._media_url,
            data={"messaging_product": "whatsapp", "type": file.media_type},
            files={"file": (file.file_name, file.content, file.media_type)},
            headers=self._upload_headers,
        )
        try:
            result = msgspec.json.decode(response.content, type=UploadResult, strict=False)
        except (msgspec.DecodeError, RecursionError):
            result = UploadResult()
        if not result.id:
            raise SendFailure("Meta took the file but gave no media id.", retriable=True)
        return result.id

    async def mark_read(self, external_id: str) -> None:
        payload = {
            "messaging_product": "whatsapp",
            "status": "read",
            "message_id": external_id,
            "typing_indicator": {"type": "text"},
        }
        try:
            await self._post(payload)
        except SendFailure as failure:
            log.warning(
                "whatsapp_mark_read_failed",
                message_id=external_id,
                code=failure.code,
                reason=failure.title,
                retriable=failure.retriable,
            )
        except Exception as error:  # best effort: a read receipt never breaks an answer
            log.warning(
                "whatsapp_mark_read_failed", message_id=external_id, error=type(error).__name__
            )

    async def _send(self, payload: dict[str, Any]) -> SentMessage:
        response = await self._post(payload)
        try:
            result = msgspec.json.decode(response.content, type=SendResult, strict=False)
        except (msgspec.DecodeError, RecursionError):
            result = SendResult()
        external_id = result.messages[0].id if result.messages else None
        if external_id is None:
            # Accepted all the same: raising would make the caller send the message twice.
            log.warning("whatsapp_send_without_id", status=response.status_code)
        return SentMessage(external_id=external_id)

    async def _post(self, payload: dict[str, Any]) -> httpx.Response:
        return await self._call(
            self._messages_url, content=msgspec.json.encode(payload), headers=self._headers
        )

    async def _call(self, url: str, **request: Any) -> httpx.Response:
        """POST to the Graph API; a refusal or a network failure becomes a SendFailure."""
        try:
            response = await self._client.post(url, **request)
        except httpx.HTTPError as error:
            raise failure_from_exception(error) from error
        if not response.is_success:
            raise failure_from_response(response)
        return response


def _addressed(to: Recipient) -> dict[str, str]:
    """Where the Cloud API sends: a number's digits, without the plus, as `to`; a user id as
    `recipient`."""
    if isinstance(to, PhoneNumber):
        return {"to": to.e164.removeprefix("+")}
    return {"recipient": to.value}
