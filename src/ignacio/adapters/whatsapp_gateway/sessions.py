"""NumberSessions over a WhatsApp-Web gateway: `POST /connect`, `POST /disconnect`,
`GET /status/{phone_number}`."""

from __future__ import annotations

from collections.abc import Awaitable

import httpx
import msgspec

from ignacio.adapters.whatsapp_gateway.client import GatewayClient, number_path, refusal
from ignacio.adapters.whatsapp_gateway.parse import connection_state
from ignacio.adapters.whatsapp_gateway.payloads import (
    ConnectRequest,
    ConnectResult,
    DisconnectRequest,
    StatusResult,
)
from ignacio.application.ports import SessionFailure
from ignacio.domain import ConnectionState, PhoneNumber
from ignacio.domain.channels import MAX_QR_CODE

WEBHOOK_PATH = "/webhooks/gateway"


class GatewaySessions:
    """The deployment's gateway; it posts each number's webhooks under `webhook_url`
    (`<public URL>/webhooks/gateway`: `/message`, `/status`, `/delivery`)."""

    def __init__(self, gateway: GatewayClient, *, webhook_url: str) -> None:
        self._gateway = gateway
        self._webhook_url = webhook_url

    def __repr__(self) -> str:
        return f"GatewaySessions({self._gateway!r})"

    async def start(self, number: PhoneNumber) -> str:
        await self.stop(number)
        response = await self._call(
            self._gateway.post(
                "/connect",
                ConnectRequest(phone_number=number.e164, webhook_url=self._webhook_url),
            )
        )
        if not response.is_success:
            raise SessionFailure(refusal(response))
        try:
            qr_code = msgspec.json.decode(response.content, type=ConnectResult).qr_code
        except (msgspec.DecodeError, RecursionError):
            qr_code = None
        if not isinstance(qr_code, str) or not qr_code.strip():
            raise SessionFailure("the gateway answered /connect without a qr_code")
        if len(qr_code) > MAX_QR_CODE or "\x00" in qr_code:
            raise SessionFailure(
                f"the gateway's QR code is not one (over {MAX_QR_CODE} characters)"
            )
        return qr_code.strip()

    async def stop(self, number: PhoneNumber) -> None:
        response = await self._call(
            self._gateway.post("/disconnect", DisconnectRequest(phone_number=number.e164))
        )
        # A number the gateway has no session for is already stopped.
        if not response.is_success and response.status_code != 404:
            raise SessionFailure(refusal(response))

    async def state(self, number: PhoneNumber) -> ConnectionState:
        response = await self._call(self._gateway.get("/status/" + number_path(number.e164)))
        if response.status_code == 404:
            return ConnectionState.DISCONNECTED
        if not response.is_success:
            raise SessionFailure(refusal(response))
        try:
            word = msgspec.json.decode(response.content, type=StatusResult).status
        except (msgspec.DecodeError, RecursionError):
            word = None
        state = connection_state(word)
        if state is None:
            raise SessionFailure(
                f"the gateway answered /status with an unknown status {word!r:.40}"
            )
        return state

    async def _call(self, request: Awaitable[httpx.Response]) -> httpx.Response:
        try:
            return await request
        except httpx.TimeoutException as error:
            raise SessionFailure("the gateway did not answer in time") from error
        except httpx.HTTPError as error:
            raise SessionFailure(f"could not reach the gateway ({type(error).__name__})") from error


class NoGateway:
    """NumberSessions where no gateway is configured: every ask is refused, saying what to set."""

    REASON = (
        "this deployment has no WhatsApp-Web gateway; its operator sets WHATSAPP_GATEWAY_URL, "
        "WHATSAPP_GATEWAY_SECRET and WHATSAPP_GATEWAY_PUBLIC_URL"
    )

    async def start(self, number: PhoneNumber) -> str:
        raise SessionFailure(self.REASON)

    async def stop(self, number: PhoneNumber) -> None:
        raise SessionFailure(self.REASON)

    async def state(self, number: PhoneNumber) -> ConnectionState:
        raise SessionFailure(self.REASON)
