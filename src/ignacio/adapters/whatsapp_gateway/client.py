"""Signed requests to the gateway: what the Channel, the sessions and the probe share."""

from __future__ import annotations

from urllib.parse import quote

import httpx
import msgspec

from ignacio.adapters.whatsapp_gateway.payloads import GatewayError
from ignacio.adapters.whatsapp_gateway.signature import signed_headers

_MAX_REASON = 200


class GatewayClient:
    """The gateway at `base_url`, every request signed with the shared secret (which goes into
    the signature only: never a header of its own, never a log line)."""

    def __init__(self, client: httpx.AsyncClient, *, base_url: str, secret: str) -> None:
        self._client = client
        self._base_url = base_url.rstrip("/")
        self._secret = secret

    def __repr__(self) -> str:
        return f"GatewayClient({self._base_url!r})"

    async def post(self, path: str, payload: msgspec.Struct) -> httpx.Response:
        body = msgspec.json.encode(payload)
        headers = signed_headers(body, self._secret) | {"Content-Type": "application/json"}
        return await self._client.post(self._base_url + path, content=body, headers=headers)

    async def get(self, path: str) -> httpx.Response:
        return await self._client.get(
            self._base_url + path, headers=signed_headers(b"", self._secret)
        )


def number_path(e164: str) -> str:
    """A number as a path segment (`+` escaped: some servers read a bare one as a space)."""
    return quote(e164, safe="")


def said(response: httpx.Response) -> str:
    """What a refusal says (`error` or `message`), on one line, or its HTTP status."""
    try:
        error = msgspec.json.decode(response.content, type=GatewayError)
    except (msgspec.DecodeError, RecursionError):
        error = GatewayError()
    for text in (error.error, error.message):
        if isinstance(text, str) and text.strip():
            line = " ".join(text.split())
            return line[:_MAX_REASON]
    return f"HTTP {response.status_code}"


def refusal(response: httpx.Response) -> str:
    """Why the gateway refused, for the person who can fix it."""
    if response.status_code in (401, 403):
        return (
            f"the gateway refused Ignacio's signature ({said(response)}): check that "
            "WHATSAPP_GATEWAY_SECRET is the secret the gateway checks"
        )
    return f"the gateway answered {said(response)}"
