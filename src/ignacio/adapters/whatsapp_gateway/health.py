"""Whether the gateway answers Ignacio, accepting its signature: `GET /status/{phone_number}`,
which sends nothing to anyone. Asked before a number is connected, so that a wrong URL or
secret is said then, not at the first message."""

from __future__ import annotations

import httpx

from ignacio.adapters.probing import DEFAULT_TIMEOUT_SECONDS, within_limit
from ignacio.adapters.whatsapp_gateway.client import GatewayClient, number_path, refusal
from ignacio.domain import CheckName, HealthCheck, PhoneNumber


class GatewayProbe:
    def __init__(
        self,
        gateway: GatewayClient | None,
        *,
        number: PhoneNumber,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> None:
        self._gateway = gateway
        self._number = number
        self._timeout = timeout_seconds

    def __repr__(self) -> str:
        return f"GatewayProbe({self._gateway!r})"

    async def check(self) -> HealthCheck:
        if self._gateway is None:
            return HealthCheck.failed(
                CheckName.WHATSAPP,
                "this deployment has no WhatsApp-Web gateway (its operator sets "
                "WHATSAPP_GATEWAY_URL, WHATSAPP_GATEWAY_SECRET and WHATSAPP_GATEWAY_PUBLIC_URL)",
            )
        return await within_limit(CheckName.WHATSAPP, self._look, self._timeout, "the gateway")

    async def _look(self) -> HealthCheck:
        assert self._gateway is not None
        response = await self._gateway.get("/status/" + number_path(self._number.e164))
        # A number the gateway has no session for yet is what a new number is.
        if response.is_success or response.status_code == 404:
            return HealthCheck.passed(CheckName.WHATSAPP, "ok (WhatsApp-Web gateway)")
        return HealthCheck.failed(CheckName.WHATSAPP, _reason(response))


def _reason(response: httpx.Response) -> str:
    return refusal(response)
