"""The Cloud API channel's health probe: does Meta know the phone number id, with this token.

`GET /{version}/{phone-number-id}?fields=display_phone_number` needs both the token and the id
to be right, sends nothing to anyone, and costs no message.
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx
import msgspec

from ignacio.adapters.probing import DEFAULT_TIMEOUT_SECONDS, renamed, within_limit
from ignacio.adapters.whatsapp_cloud.channel import DEFAULT_API_VERSION, DEFAULT_BASE_URL
from ignacio.adapters.whatsapp_cloud.payloads import GraphErrorBody
from ignacio.domain import CheckName, HealthCheck

_TOKEN_CODES = frozenset({190})  # invalid, expired or revoked access token
_PERMISSION_CODES = frozenset({10, 200})  # the token lacks a permission on the number
_UNKNOWN_OBJECT_CODES = frozenset({100, 803})  # no such id, or not visible to this token
_RATE_CODES = frozenset({4, 17, 32, 613, 80007})


class _PhoneNumber(msgspec.Struct, frozen=True, kw_only=True):
    display_phone_number: str | None = None


class CloudApiProbe:
    """One look-up of the business phone number; the token goes in the Authorization header
    only, and Meta's own words are not repeated (a reason names the setting to check)."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        phone_number_id: str,
        access_token: str,
        base_url: str = DEFAULT_BASE_URL,
        api_version: str = DEFAULT_API_VERSION,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
        names: Mapping[str, str] | None = None,
    ) -> None:
        self._client = client
        self._url = f"{base_url.rstrip('/')}/{api_version}/{phone_number_id}"
        self._headers = {"Authorization": f"Bearer {access_token}"}
        self._timeout = timeout_seconds
        # Reasons name the deployment's settings; credentials given another way (a workspace's
        # own number) are named as their owner knows them.
        self._names = names or {}

    def __repr__(self) -> str:
        return f"CloudApiProbe({self._url!r})"

    async def check(self) -> HealthCheck:
        return await within_limit(CheckName.WHATSAPP, self._look, self._timeout, "the Graph API")

    async def _look(self) -> HealthCheck:
        response = await self._client.get(
            self._url, params={"fields": "display_phone_number"}, headers=self._headers
        )
        if response.is_success:
            return HealthCheck.passed(CheckName.WHATSAPP, _ok(response.content))
        return HealthCheck.failed(CheckName.WHATSAPP, renamed(_reason(response), self._names))


def _ok(content: bytes) -> str:
    try:
        number = msgspec.json.decode(content, type=_PhoneNumber, strict=False).display_phone_number
    except msgspec.DecodeError:
        number = None
    return f"ok (Cloud API, {number})" if number else "ok (Cloud API)"


def _reason(response: httpx.Response) -> str:
    status = response.status_code
    try:
        error = msgspec.json.decode(response.content, type=GraphErrorBody, strict=False).error
    except msgspec.DecodeError:
        error = None
    code = error.code if error else None
    said = f"HTTP {status}" + (f", code {code}" if code is not None else "")
    if code in _TOKEN_CODES or status == 401:
        return (
            f"Meta refused the access token ({said}): check WHATSAPP_ACCESS_TOKEN "
            "(a temporary token expires after 24 hours; use a system user's token)"
        )
    if code in _PERMISSION_CODES or status == 403:
        return (
            f"the access token may not use this phone number ({said}): give its system user "
            "the whatsapp_business_messaging and whatsapp_business_management permissions"
        )
    if code in _UNKNOWN_OBJECT_CODES or status == 404:
        return (
            f"Meta knows no phone number with this id for this token ({said}): "
            "check WHATSAPP_PHONE_NUMBER_ID (the number's id, not the number)"
        )
    if code in _RATE_CODES or status == 429:
        return f"Meta is limiting requests ({said}); try again later"
    if status >= 500:
        return f"the Graph API is failing ({said}); try again later"
    return f"Meta refused the look-up of the phone number ({said})"
