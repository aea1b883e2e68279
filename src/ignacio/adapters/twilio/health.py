"""The Twilio channel's health probe: does Twilio take the account SID and auth token.

`GET /2010-04-01/Accounts/{AccountSid}.json` needs both to be right, sends nothing to anyone,
and says whether the account is active.
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx
import msgspec

from ignacio.adapters.probing import DEFAULT_TIMEOUT_SECONDS, renamed, within_limit
from ignacio.adapters.twilio.channel import DEFAULT_API_BASE_URL
from ignacio.adapters.twilio.payloads import TwilioError
from ignacio.domain import CheckName, HealthCheck


class _Account(msgspec.Struct, frozen=True, kw_only=True):
    status: str | None = None
    type: str | None = None


class TwilioProbe:
    """One fetch of the account; the auth token goes in the Authorization header only."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        account_sid: str,
        auth_token: str,
        api_base_url: str = DEFAULT_API_BASE_URL,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
        names: Mapping[str, str] | None = None,
    ) -> None:
        self._client = client
        self._auth = httpx.BasicAuth(account_sid, auth_token)
        self._url = f"{api_base_url.rstrip('/')}/2010-04-01/Accounts/{account_sid}.json"
        self._timeout = timeout_seconds
        # Reasons name the deployment's settings; credentials given another way (a workspace's
        # own number) are named as their owner knows them.
        self._names = names or {}

    def __repr__(self) -> str:
        return f"TwilioProbe({self._url!r})"

    async def check(self) -> HealthCheck:
        return await within_limit(CheckName.WHATSAPP, self._look, self._timeout, "Twilio")

    async def _look(self) -> HealthCheck:
        response = await self._client.get(self._url, auth=self._auth)
        if response.is_success:
            return _account_state(response.content)
        return HealthCheck.failed(CheckName.WHATSAPP, renamed(_reason(response), self._names))


def _account_state(content: bytes) -> HealthCheck:
    try:
        account = msgspec.json.decode(content, type=_Account, strict=False)
    except msgspec.DecodeError:
        account = _Account()
    if account.status in (None, "active"):
        trial = " trial account" if account.type == "Trial" else ""
        return HealthCheck.passed(CheckName.WHATSAPP, f"ok (Twilio{trial})")
    return HealthCheck.failed(
        CheckName.WHATSAPP,
        f"the Twilio account is {account.status}: see the Twilio console (Account, General)",
    )


def _reason(response: httpx.Response) -> str:
    status = response.status_code
    try:
        code = msgspec.json.decode(response.content, type=TwilioError, strict=False).code
    except msgspec.DecodeError:
        code = None
    said = f"HTTP {status}" + (f", code {code}" if code is not None else "")
    if status == 401 or code == 20003:
        return (
            f"Twilio refused the account SID and auth token ({said}): "
            "check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN"
        )
    if status == 404 or code == 20404:
        return f"Twilio knows no such account ({said}): check TWILIO_ACCOUNT_SID"
    if status == 429:
        return f"Twilio is limiting requests ({said}); try again later"
    if status >= 500:
        return f"Twilio is failing ({said}); try again later"
    return f"Twilio refused the look-up of the account ({said})"
