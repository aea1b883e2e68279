"""The MediaFetcher port over Twilio: download `MediaUrlN` with the account's credentials.

A media URL is on Twilio's API host and needs HTTP basic auth (the Account SID and Auth Token)
when the account protects its media, which it should. Twilio answers with a redirect to its media
host; the redirect is followed without the credentials (httpx drops Authorization when the host
changes), and credentials are never sent to a URL outside Twilio's API host in the first place.
The size limit is enforced while streaming.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx

from ignacio.adapters.http_support import read_limited
from ignacio.adapters.twilio.channel import DEFAULT_API_BASE_URL
from ignacio.adapters.twilio.failures import failure_from_exception, failure_from_response
from ignacio.application.ports import FetchedMedia, SendFailure
from ignacio.domain import MediaRef

DEFAULT_MAX_BYTES = 25 * 1024 * 1024
FALLBACK_MIME_TYPE = "application/octet-stream"
_GONE = frozenset({404, 410})


class TwilioMediaFetcher:
    """Downloads what a person sent on WhatsApp through Twilio, given the URL from the webhook."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        account_sid: str,
        auth_token: str,
        api_base_url: str = DEFAULT_API_BASE_URL,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        self._client = client
        self._auth = httpx.BasicAuth(account_sid, auth_token)
        self._api_origin = _origin(api_base_url)
        self._max_bytes = max_bytes

    def __repr__(self) -> str:
        return f"TwilioMediaFetcher({self._api_origin!r})"

    async def fetch(self, media: MediaRef) -> FetchedMedia:
        if not media.url:
            raise SendFailure("The media has no URL to download it from.", retriable=False)
        auth = self._auth if _origin(media.url) == self._api_origin else None
        try:
            async with self._client.stream(
                "GET", media.url, auth=auth, follow_redirects=True
            ) as response:
                if not response.is_success:
                    await response.aread()
                    if response.status_code in _GONE:
                        raise SendFailure(
                            "Twilio no longer has this media (it was deleted).", retriable=False
                        )
                    raise failure_from_response(response)
                content = await read_limited(response, self._max_bytes, self._too_large)
                received_type = response.headers.get("content-type")
        except httpx.HTTPError as error:
            raise failure_from_exception(error) from error
        return FetchedMedia(
            content=content,
            mime_type=media.mime_type or received_type or FALLBACK_MIME_TYPE,
        )

    def _too_large(self) -> SendFailure:
        return SendFailure(
            f"The media is larger than {self._max_bytes} bytes, the most Ignacio accepts.",
            retriable=False,
        )


def _origin(url: str) -> tuple[str, str, int | None]:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return ("", "", None)
    scheme = parts.scheme.lower()
    default = {"https": 443, "http": 80}.get(scheme)
    return (scheme, (parts.hostname or "").lower(), port or default)
