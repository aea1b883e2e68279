"""A local fake of a WhatsApp-Web gateway speaking seed 001's protocol, with the shared secret
Ignacio adds on both directions.

`FakeGateway` holds the state (each number's session, what was sent, the faults to inject) and its
`app` speaks the protocol: `POST /send-message {phone_number, to, message, type}` (text only,
to a linked number: 409 otherwise; answers `{message_id}`), `POST /connect {phone_number,
webhook_url}` (a new session waiting for its QR code to be scanned; answers `{qr_code}`, the text
WhatsApp Web encodes, or a PNG's data URL with `qr_as_image`), `POST /disconnect {phone_number}`
(404 for a number without a session) and `GET /status/{phone_number}` (`{status}`: `qr`,
`connected` or `disconnected`; 404 for a number never seen). Every request must carry
`X-Gateway-Timestamp` and `X-Gateway-Signature` (an HMAC-SHA256 of the timestamp, a full stop and
the body, keyed with the secret), checked here on its own (not with Ignacio's code): 401
otherwise, and the refusal is counted in `refused`.

The other direction: `scan(number)` links a session as a phone scanning its code would, `drop`
ends it as WhatsApp logging the number out would, `die` makes the whole gateway stop answering;
each returns the webhook the gateway would post (`Webhook`: path, body and signed headers).
`message(...)` and `delivery(...)` build the other webhooks, signed with the secret (or another
one, `secret=...`, or none, `unsigned=True`, for the tests that must be refused).

Two ways to run it: in-process (`gateway.client()`, an httpx client over `ASGITransport`) or as
a real server on 127.0.0.1 (`with gateway.serve() as base_url:`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, cast

import httpx
import msgspec
from litestar import Litestar, Request, Response, get, post
from litestar.params import FromPath

from tests.support.served import serve_in_thread

FAKE_BASE_URL = "http://gateway.fake"
DEFAULT_SECRET = "fake-gateway-secret-" + "0123456789abcdef" * 2
TOLERANCE_SECONDS = 300
MAX_TEXT = 65_536
# A 1x1 PNG: the image some gateways hand out instead of the code's text.
PNG_DATA_URL = (
    "data:image/png;base64,"
    + base64.b64encode(
        bytes.fromhex(
            "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
            "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
        )
    ).decode()
)

_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


def signature(body: bytes, secret: str, timestamp: int) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def signed(body: bytes, secret: str | None, *, at: float | None = None) -> dict[str, str]:
    """The headers a request with `body` carries, signed with `secret` (None: unsigned)."""
    headers = {"Content-Type": "application/json"}
    if secret is None:
        return headers
    timestamp = int(time.time() if at is None else at)
    return headers | {
        "X-Gateway-Timestamp": str(timestamp),
        "X-Gateway-Signature": signature(body, secret, timestamp),
    }


@dataclass(frozen=True)
class Webhook:
    """What the gateway posts to Ignacio: under which path of `webhook_url`, and how."""

    event: str  # message, status or delivery
    body: bytes
    headers: dict[str, str]

    @property
    def path(self) -> str:
        return f"/webhooks/gateway/{self.event}"

    def payload(self) -> dict[str, Any]:
        decoded: dict[str, Any] = msgspec.json.decode(self.body)
        return decoded


@dataclass(frozen=True)
class SentRecord:
    message_id: str
    phone_number: str
    to: str
    message: str


@dataclass
class Session:
    state: str  # qr, connected or disconnected
    webhook_url: str
    qr_code: str


@dataclass
class _State:
    sessions: dict[str, Session] = field(default_factory=dict)
    sent: list[SentRecord] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)  # (method and path, number)
    refused: int = 0
    faults: deque[int] = field(default_factory=deque)
    dead: bool = False


class FakeGateway:
    def __init__(self, secret: str = DEFAULT_SECRET, *, qr_as_image: bool = False) -> None:
        self.secret = secret
        self.qr_as_image = qr_as_image
        self._state = _State()
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.app = self._build_app()

    # What happened.

    @property
    def sent(self) -> list[SentRecord]:
        with self._lock:
            return list(self._state.sent)

    @property
    def requests(self) -> list[tuple[str, str]]:
        with self._lock:
            return list(self._state.requests)

    @property
    def refused(self) -> int:
        """Requests refused for their signature."""
        with self._lock:
            return self._state.refused

    def texts_to(self, phone: str) -> list[str]:
        return [record.message for record in self.sent if record.to == phone]

    def session(self, number: str) -> Session | None:
        with self._lock:
            return self._state.sessions.get(number)

    # What the phone, WhatsApp and the gateway do.

    def scan(self, number: str) -> Webhook:
        """The number's phone scans the QR code: linked. The status webhook that says so."""
        return self._set(number, "connected", None)

    def drop(self, number: str, reason: str = "LOGOUT") -> Webhook:
        """WhatsApp ends the number's link (the phone logged out, the number banned)."""
        return self._set(number, "disconnected", reason)

    def new_qr(self, number: str) -> Webhook:
        """WhatsApp Web renews the code of a session waiting to be scanned."""
        with self._lock:
            session = self._state.sessions[number]
            session.qr_code = self._qr_code()
        return self.status(number, "qr", qr_code=session.qr_code)

    def die(self) -> None:
        """The gateway stops answering (its process crashed): no webhook says so."""
        with self._lock:
            self._state.dead = True

    def fail_next(self, n: int = 1, *, status: int = 500) -> None:
        with self._lock:
            self._state.faults.extend([status] * n)

    def _set(self, number: str, state: str, reason: str | None) -> Webhook:
        with self._lock:
            self._state.sessions[number].state = state
        return self.status(number, state, reason=reason)

    # Webhooks, signed with the secret unless told otherwise.

    def status(
        self,
        number: str,
        state: str,
        *,
        qr_code: str | None = None,
        reason: str | None = None,
        at: float | None = None,
        secret: str | None = None,
        unsigned: bool = False,
    ) -> Webhook:
        payload: dict[str, Any] = {"phone_number": number, "status": state}
        if qr_code is not None:
            payload["qr_code"] = qr_code
        if reason is not None:
            payload["reason"] = reason
        payload["timestamp"] = int(time.time() if at is None else at)
        return self._webhook("status", payload, secret, unsigned=unsigned)

    def message(
        self,
        number: str,
        sender: str,
        text: str,
        *,
        message_id: str | None = None,
        kind: str = "text",
        name: str | None = "Ana",
        secret: str | None = None,
        unsigned: bool = False,
        signed_at: float | None = None,
    ) -> Webhook:
        payload: dict[str, Any] = {
            "phone_number": number,
            "message_id": message_id or f"false_{sender.lstrip('+')}@c.us_{secrets.token_hex(8)}",
            "from": sender,
            "message": text,
            "type": kind,
            "timestamp": int(time.time()),
        }
        if name is not None:
            payload["name"] = name
        return self._webhook("message", payload, secret, unsigned=unsigned, at=signed_at)

    def delivery(
        self, number: str, message_id: str, status: str, *, error: str | None = None
    ) -> Webhook:
        payload: dict[str, Any] = {
            "phone_number": number,
            "message_id": message_id,
            "status": status,
            "timestamp": int(time.time()),
        }
        if error is not None:
            payload["error"] = error
        return self._webhook("delivery", payload, None)

    def _webhook(
        self,
        event: str,
        payload: dict[str, Any],
        secret: str | None,
        *,
        unsigned: bool = False,
        at: float | None = None,
    ) -> Webhook:
        """Signed with `secret`, the fake's own when None; `unsigned`: not at all."""
        body = msgspec.json.encode(payload)
        key = None if unsigned else (secret or self.secret)
        return Webhook(event, body, signed(body, key, at=at))

    # Running.

    def client(self, **kwargs: Any) -> httpx.AsyncClient:
        """An httpx client that reaches this fake in-process, at `FAKE_BASE_URL`."""
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=cast("Any", self.app)),
            base_url=FAKE_BASE_URL,
            **kwargs,
        )

    @contextmanager
    def serve(self) -> Iterator[str]:
        """Serve the fake on 127.0.0.1 on a free port, in a background thread; its base URL."""
        with serve_in_thread(self.app, "the fake WhatsApp-Web gateway") as base_url:
            yield base_url

    # The protocol.

    def _qr_code(self) -> str:
        if self.qr_as_image:
            return PNG_DATA_URL
        # What WhatsApp Web encodes: a ref, the keys, the client's id, comma-separated.
        return "2@" + ",".join(base64.b64encode(secrets.token_bytes(24)).decode() for _ in "abc")

    async def _checked(self, request: Request[Any, Any, Any]) -> tuple[bytes, Response[Any] | None]:
        body = await request.body()
        timestamp = request.headers.get("x-gateway-timestamp", "")
        given = request.headers.get("x-gateway-signature", "")
        with self._lock:
            if self._state.dead:
                return body, Response({"error": "gateway down"}, status_code=502)
            fresh = timestamp.isdigit() and abs(time.time() - int(timestamp)) <= TOLERANCE_SECONDS
            if not fresh or not hmac.compare_digest(
                given, signature(body, self.secret, int(timestamp or 0))
            ):
                self._state.refused += 1
                return body, Response({"error": "invalid signature"}, status_code=401)
            if self._state.faults:
                status = self._state.faults.popleft()
                return body, Response({"error": "injected failure"}, status_code=status)
        return body, None

    def _json(self, body: bytes, *fields: str) -> dict[str, Any] | Response[Any]:
        try:
            payload = msgspec.json.decode(body)
        except msgspec.DecodeError:
            return Response({"error": "the body is not JSON"}, status_code=400)
        if not isinstance(payload, dict) or any(
            not isinstance(payload.get(name), str) for name in fields
        ):
            return Response({"error": f"{', '.join(fields)} are required"}, status_code=400)
        for name in ("phone_number", "to"):
            if name in payload and not _E164.match(payload[name]):
                return Response({"error": f"{name} is not in E.164"}, status_code=400)
        return payload

    def _build_app(self) -> Litestar:
        fake = self

        @post("/send-message", status_code=200)
        async def send_message(request: Request[Any, Any, Any]) -> Response[Any]:
            body, refusal = await fake._checked(request)
            if refusal is not None:
                return refusal
            payload = fake._json(body, "phone_number", "to", "message", "type")
            if isinstance(payload, Response):
                return payload
            if payload["type"] != "text":
                return Response({"error": f"unknown type {payload['type']!r}"}, status_code=400)
            if not payload["message"] or len(payload["message"]) > MAX_TEXT:
                return Response({"error": "message is empty or too long"}, status_code=400)
            with fake._lock:
                fake._state.requests.append(("send-message", payload["phone_number"]))
                session = fake._state.sessions.get(payload["phone_number"])
                if session is None or session.state != "connected":
                    return Response({"error": "number not connected"}, status_code=409)
                record = SentRecord(
                    message_id=f"true_{payload['to'].lstrip('+')}@c.us_{next(fake._ids):06d}",
                    phone_number=payload["phone_number"],
                    to=payload["to"],
                    message=payload["message"],
                )
                fake._state.sent.append(record)
            return Response({"message_id": record.message_id})

        @post("/connect", status_code=200)
        async def connect(request: Request[Any, Any, Any]) -> Response[Any]:
            body, refusal = await fake._checked(request)
            if refusal is not None:
                return refusal
            payload = fake._json(body, "phone_number", "webhook_url")
            if isinstance(payload, Response):
                return payload
            qr_code = fake._qr_code()
            with fake._lock:
                fake._state.requests.append(("connect", payload["phone_number"]))
                fake._state.sessions[payload["phone_number"]] = Session(
                    state="qr", webhook_url=payload["webhook_url"], qr_code=qr_code
                )
            return Response({"qr_code": qr_code})

        @post("/disconnect", status_code=200)
        async def disconnect(request: Request[Any, Any, Any]) -> Response[Any]:
            body, refusal = await fake._checked(request)
            if refusal is not None:
                return refusal
            payload = fake._json(body, "phone_number")
            if isinstance(payload, Response):
                return payload
            with fake._lock:
                fake._state.requests.append(("disconnect", payload["phone_number"]))
                if fake._state.sessions.pop(payload["phone_number"], None) is None:
                    return Response({"error": "no such session"}, status_code=404)
            return Response({"status": "disconnected"})

        @get("/status/{phone_number:str}")
        async def status(
            request: Request[Any, Any, Any], phone_number: FromPath[str]
        ) -> Response[Any]:
            _, refusal = await fake._checked(request)
            if refusal is not None:
                return refusal
            with fake._lock:
                fake._state.requests.append(("status", phone_number))
                session = fake._state.sessions.get(phone_number)
            if session is None:
                return Response({"error": "no such session"}, status_code=404)
            return Response({"status": session.state})

        return Litestar(
            route_handlers=[send_message, connect, disconnect, status], openapi_config=None
        )
