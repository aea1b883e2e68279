"""The MediaFetcher port over the Cloud API: `GET /{media-id}` for a URL, then download it.

Both steps need the access token. The download URL lives for a few minutes only, so a URL that
answers 401/403/404/410 is taken as expired and looked up afresh, once. The size limit is enforced
while streaming, and the content is checked against Meta's SHA-256 (base64, or hex) when known.
"""

from __future__ import annotations

import base64
import binascii
import hashlib

import httpx
import msgspec
import structlog

from ignacio.adapters.http_support import read_limited
from ignacio.adapters.whatsapp_cloud.channel import DEFAULT_API_VERSION, DEFAULT_BASE_URL
from ignacio.adapters.whatsapp_cloud.failures import failure_from_exception, failure_from_response
from ignacio.adapters.whatsapp_cloud.payloads import MediaInfo
from ignacio.application.ports import FetchedMedia, SendFailure
from ignacio.domain import MediaRef

DEFAULT_MAX_BYTES = 25 * 1024 * 1024
FALLBACK_MIME_TYPE = "application/octet-stream"
_EXPIRED_STATUSES = frozenset({401, 403, 404, 410})

log = structlog.get_logger(__name__)


class _UrlExpired(Exception):
    """The download URL no longer works; a fresh one must be looked up."""


class CloudApiMediaFetcher:
    """Downloads what a person sent on WhatsApp, given the media id (and URL) from the webhook."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        access_token: str,
        base_url: str = DEFAULT_BASE_URL,
        api_version: str = DEFAULT_API_VERSION,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        self._client = client
        self._graph_url = f"{base_url.rstrip('/')}/{api_version}"
        self._headers = {"Authorization": f"Bearer {access_token}"}
        self._max_bytes = max_bytes

    def __repr__(self) -> str:
        return f"CloudApiMediaFetcher({self._graph_url!r})"

    async def fetch(self, media: MediaRef) -> FetchedMedia:
        if media.url:
            try:
                return await self._download(media.url, media.mime_type, media.sha256)
            except _UrlExpired as error:
                if not media.provider_media_id:
                    raise SendFailure(
                        "The media's URL has expired and it has no id to look it up again.",
                        retriable=False,
                    ) from error
            except SendFailure as failure:
                if not (failure.retriable and media.provider_media_id):
                    raise
                log.info("whatsapp_media_url_failed", reason=failure.title)
        if not media.provider_media_id:
            raise SendFailure("The media has neither an id nor a URL.", retriable=False)
        for _ in range(2):
            info = await self._lookup(media.provider_media_id)
            try:
                return await self._download(
                    info.url or "",
                    info.mime_type or media.mime_type,
                    info.sha256 or media.sha256,
                )
            except _UrlExpired:
                log.info("whatsapp_media_url_expired", media_id=media.provider_media_id)
        raise SendFailure("WhatsApp's media URL expired twice in a row.", retriable=True)

    async def _lookup(self, media_id: str) -> MediaInfo:
        try:
            response = await self._client.get(
                f"{self._graph_url}/{media_id}", headers=self._headers
            )
        except httpx.HTTPError as error:
            raise failure_from_exception(error) from error
        if not response.is_success:
            raise failure_from_response(response)
        try:
            info = msgspec.json.decode(response.content, type=MediaInfo, strict=False)
        except (msgspec.DecodeError, RecursionError) as error:
            raise SendFailure(
                "WhatsApp answered the media lookup with something unreadable.", retriable=True
            ) from error
        if not info.url:
            raise SendFailure("WhatsApp gave no URL for the media.", retriable=True)
        if info.file_size is not None and info.file_size > self._max_bytes:
            raise self._too_large()
        return info

    async def _download(
        self, url: str, mime_type: str | None, expected_sha256: str | None
    ) -> FetchedMedia:
        try:
            async with self._client.stream(
                "GET", url, headers=self._headers, follow_redirects=True
            ) as response:
                if response.status_code in _EXPIRED_STATUSES:
                    raise _UrlExpired
                if not response.is_success:
                    await response.aread()
                    raise failure_from_response(response)
                content = await read_limited(response, self._max_bytes, self._too_large)
                received_type = response.headers.get("content-type")
        except httpx.HTTPError as error:
            raise failure_from_exception(error) from error
        data = content
        if expected_sha256 and not _matches(data, expected_sha256):
            raise SendFailure(
                "The media downloaded from WhatsApp does not match its checksum.", retriable=True
            )
        return FetchedMedia(
            content=data, mime_type=mime_type or received_type or FALLBACK_MIME_TYPE
        )

    def _too_large(self) -> SendFailure:
        return SendFailure(
            f"The media is larger than {self._max_bytes} bytes, the most Ignacio accepts.",
            retriable=False,
        )


def _matches(content: bytes, expected: str) -> bool:
    """Whether `content` has the SHA-256 `expected` (base64, as in webhooks, or hex).

    A value that is neither cannot be checked; it is logged and the content accepted, since
    refusing would fail the same way on every retry.
    """
    digest = hashlib.sha256(content).digest()
    value = expected.strip()
    wanted: bytes | None = None
    if len(value) == 64:
        try:
            wanted = bytes.fromhex(value)
        except ValueError:
            wanted = None
    if wanted is None:
        try:
            wanted = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            wanted = None
    if wanted is None or len(wanted) != len(digest):
        log.warning("whatsapp_media_checksum_unreadable")
        return True
    return wanted == digest
