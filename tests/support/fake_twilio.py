"""A local fake of Twilio's REST API: the parts of its WhatsApp messaging Ignacio speaks.

`FakeTwilio` holds the state (what was sent, the media it serves, the faults to inject) and its
`app` speaks the protocol: HTTP basic auth with the Account SID and Auth Token (401, code 20003),
`POST /2010-04-01/Accounts/{AccountSid}/Messages.json` (form-encoded texts and content templates,
validated the way Twilio does, 1,600 characters at most, answering 201 with an `SM...` sid),
`POST /v2/Indicators/Typing.json` (WhatsApp typing indicators), `GET
/2010-04-01/Accounts/{AccountSid}.json` (the account: `sid`, `friendly_name`, `status` active,
suspended or closed, `type` Full or Trial; 404 for another account's SID), and media: a `MediaUrl` on the
API host that needs basic auth and redirects to a media host that does not. Errors have Twilio's
shape: `{"code", "message", "more_info", "status"}`.

Two ways to run it: in-process (`twilio.client()`, an httpx client over `ASGITransport`; media
then redirects to another host, `FAKE_MEDIA_HOST`, reached through the same transport) or as a
real server on 127.0.0.1 (`with twilio.serve() as base_url:`).

Faults on demand: `fail_next(n, ...)`, a seeded random failure rate over 500, 503 and 429 with
Retry-After (`set_failure_rate`), and `always_fail_for(phone, code=63016)`, which Twilio reports
the way it does for WhatsApp: the message is accepted, then its status callback says `failed`
(`pending_callbacks()` hands those out). Every request to `/Messages.json` is kept in `attempts`.

The other direction, what Twilio posts to Ignacio, is built by `inbound_form` and
`status_form`, and signed by `signature` with the official `twilio` package's validator.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import random
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal, cast
from urllib.parse import parse_qsl

import httpx
import msgspec
from litestar import Litestar, Request, Response, get, post
from twilio.request_validator import RequestValidator

from tests.support.served import serve_in_thread

FAKE_BASE_URL = "http://twilio.fake"
FAKE_MEDIA_HOST = "http://media.twiliocdn.fake"
DEFAULT_ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
DEFAULT_AUTH_TOKEN = "fake-twilio-auth-token"
DEFAULT_NUMBER = "+14155238886"
MAX_BODY_LENGTH = 1600
MEDIA_PATH = "/cdn/media"

Endpoint = Literal["messages", "typing", "media", "download", "account"]

_CONTENT_SID = re.compile(r"^HX[0-9a-f]{32}$")
_MESSAGE_SID = re.compile(r"^(SM|MM)[0-9a-f]{32}$")
_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")

# Twilio's wording for the codes the fake produces: (HTTP status, message).
ERRORS: dict[int, tuple[int, str]] = {
    20001: (400, "Invalid parameter"),
    20003: (401, "Authenticate"),
    20404: (404, "The requested resource was not found"),
    20429: (429, "Too Many Requests"),
    20500: (500, "Internal Server Error"),
    20503: (503, "Service Unavailable"),
    21211: (400, "Invalid 'To' Phone Number"),
    21609: (400, "Invalid StatusCallback"),
    21617: (400, "The concatenated message body exceeds the 1600 character limit"),
    21619: (400, "A text message body or media URL must be specified"),
    21620: (400, "Invalid media URL(s)"),
    21655: (400, "The ContentSid is Invalid"),
    21656: (400, "The ContentVariables Parameter is invalid"),
    63007: (400, "Twilio could not find a Channel with the specified From address"),
    63016: (
        400,
        "Failed to send freeform message because you are outside the allowed window. "
        "If you are using WhatsApp, please use a Message Template.",
    ),
    63018: (429, "Rate limit exceeded for Channel"),
    63027: (400, "Template does not exist for a language and locale"),
}
_CODE_FOR_STATUS = {401: 20003, 404: 20404, 429: 20429, 500: 20500, 503: 20503}


@dataclass(frozen=True)
class SentRecord:
    """A message the fake accepted; `to` in E.164, `at` on the fake's clock."""

    sid: str
    to: str
    sender: str
    body: str | None
    content_sid: str | None
    content_variables: dict[str, str]
    status_callback: str | None
    form: dict[str, str]
    at: float


@dataclass(frozen=True)
class Attempt:
    """One request to `/Messages.json`, accepted or not, at `at` on the fake's clock."""

    at: float
    kind: str  # text, template or invalid
    to: str | None
    status: int
    code: int | None = None
    retry_after: float | None = None
    sid: str | None = None

    @property
    def accepted(self) -> bool:
        return self.status == 201


@dataclass(frozen=True)
class Fault:
    status: int
    code: int | None = None
    retry_after: float | None = None


@dataclass(frozen=True)
class Callback:
    """A status callback Twilio would post: where, and the form."""

    url: str
    params: list[tuple[str, str]]


@dataclass(frozen=True)
class MediaRequest:
    """A request for media: which step (`api` or `cdn`) and whether it carried credentials."""

    step: str
    media_sid: str
    authorization: bool


@dataclass
class _Media:
    content: bytes
    mime_type: str


@dataclass
class _State:
    messages: list[SentRecord] = field(default_factory=list)
    attempts: list[Attempt] = field(default_factory=list)
    typing: list[str] = field(default_factory=list)
    media: dict[str, _Media] = field(default_factory=dict)
    media_requests: list[MediaRequest] = field(default_factory=list)
    faults: dict[str, deque[Fault]] = field(default_factory=dict)
    blocked: dict[str, int] = field(default_factory=dict)  # E.164: error code
    contents: set[str] = field(default_factory=set)
    callbacks: list[Callback] = field(default_factory=list)
    account_fetches: int = 0


class _Refusal(Exception):
    def __init__(self, fault: Fault, message: str | None = None) -> None:
        super().__init__(message or "")
        self.fault = fault
        self.message = message


class FakeTwilio:
    """The state of a fake Twilio, and (`app`) the ASGI application that serves it."""

    def __init__(
        self,
        *,
        account_sid: str = DEFAULT_ACCOUNT_SID,
        auth_token: str = DEFAULT_AUTH_TOKEN,
        number: str = DEFAULT_NUMBER,
        media_host: str | None = FAKE_MEDIA_HOST,
        latency: float = 0.0,
        seed: int = 0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`media_host`: where media URLs redirect to (None: the host that was asked, as a real
        server on 127.0.0.1 needs)."""
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.number = number
        self.media_host = media_host
        self.account_status = "active"
        self.account_type = "Full"
        self.latency = latency
        self.clock = clock
        self.failure_rate = 0.0
        self.failure_retry_after = 1.0
        self._rng = random.Random(seed)
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._state = _State()
        self.app = _build_app(self)

    # What happened.

    @property
    def messages(self) -> list[SentRecord]:
        with self._lock:
            return list(self._state.messages)

    @property
    def attempts(self) -> list[Attempt]:
        with self._lock:
            return list(self._state.attempts)

    @property
    def account_fetches(self) -> int:
        """How many `GET /Accounts/{sid}.json` requests were answered with the account."""
        with self._lock:
            return self._state.account_fetches

    @property
    def typing_indicators(self) -> list[str]:
        """The message sids a typing indicator was sent for."""
        with self._lock:
            return list(self._state.typing)

    @property
    def media_requests(self) -> list[MediaRequest]:
        with self._lock:
            return list(self._state.media_requests)

    def texts_to(self, phone: str) -> list[str]:
        return [m.body for m in self.messages if m.to == phone and m.body is not None]

    def retry_after_violations(self) -> list[tuple[Attempt, Attempt]]:
        """Pairs (refusal with a Retry-After, a later attempt to the same number before it passed)."""
        attempts = self.attempts
        violations = []
        for i, refused in enumerate(attempts):
            if refused.retry_after is None:
                continue
            for later in attempts[i + 1 :]:
                if later.to == refused.to and later.at < refused.at + refused.retry_after:
                    violations.append((refused, later))
        return violations

    def pending_callbacks(self) -> list[Callback]:
        """The failure callbacks owed for messages to blocked numbers; handed out once."""
        with self._lock:
            callbacks, self._state.callbacks = self._state.callbacks, []
        return callbacks

    def status_callback(self, sid: str, status: str, *, error_code: int | None = None) -> Callback:
        """The callback Twilio would post for a message it accepted, to its StatusCallback."""
        record = next((m for m in self.messages if m.sid == sid), None)
        if record is None or record.status_callback is None:
            raise AssertionError(f"no message {sid} with a StatusCallback was sent")
        return Callback(
            record.status_callback,
            status_form(
                sid,
                status,
                to=record.to,
                sender=self.number,
                account_sid=self.account_sid,
                error_code=error_code,
            ),
        )

    # Set-up.

    def add_media(
        self,
        content: bytes,
        *,
        mime_type: str = "application/octet-stream",
        base_url: str = FAKE_BASE_URL,
    ) -> str:
        """Serve `content`; returns its MediaUrl on the API host (credentials needed)."""
        message_sid = "MM" + secrets.token_hex(16)
        media_sid = "ME" + secrets.token_hex(16)
        with self._lock:
            self._state.media[media_sid] = _Media(content, mime_type)
        return (
            f"{base_url.rstrip('/')}/2010-04-01/Accounts/{self.account_sid}/Messages/"
            f"{message_sid}/Media/{media_sid}"
        )

    def register_content(self, content_sid: str) -> None:
        """Accept only registered content templates from now on."""
        with self._lock:
            self._state.contents.add(content_sid)

    def fail_next(
        self,
        n: int = 1,
        *,
        status: int | None = None,
        code: int | None = None,
        retry_after: float | None = None,
        endpoint: Endpoint = "messages",
    ) -> None:
        """Refuse the next `n` requests to `endpoint` (default: HTTP 500, code 20500)."""
        fault = _fault(status, code, retry_after)
        with self._lock:
            self._state.faults.setdefault(endpoint, deque()).extend([fault] * n)

    def set_failure_rate(
        self, rate: float, *, seed: int | None = None, retry_after: float = 1.0
    ) -> None:
        """Refuse this share of sends at random, evenly over 500, 503 and 429 (with
        `Retry-After: retry_after`); seeded, so a run can be replayed."""
        with self._lock:
            self.failure_rate = rate
            self.failure_retry_after = retry_after
            if seed is not None:
                self._rng = random.Random(seed)

    def always_fail_for(self, phone: str, *, code: int = 63016) -> None:
        """Accept every message to this number, then report it failed with `code` (default:
        outside the 24-hour window) through a status callback, as Twilio does for WhatsApp."""
        with self._lock:
            self._state.blocked[phone] = code

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
        """Serve the fake on 127.0.0.1 on a free port, in a background thread; yields its base URL."""
        with serve_in_thread(self.app, "the fake Twilio server") as base_url:
            yield base_url

    # The protocol.

    def _authorised(self, request: Request[Any, Any, Any]) -> bool:
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode()
        except ValueError:
            return False
        expected = f"{self.account_sid}:{self.auth_token}"
        return secrets.compare_digest(decoded.encode(), expected.encode())

    def _injected_fault(self, endpoint: Endpoint) -> Fault | None:
        with self._lock:
            queue = self._state.faults.get(endpoint)
            if queue:
                return queue.popleft()
            if (
                endpoint == "messages"
                and self.failure_rate
                and self._rng.random() < self.failure_rate
            ):
                return [
                    Fault(500, 20500),
                    Fault(503, 20503),
                    Fault(429, 20429, retry_after=self.failure_retry_after),
                ][self._rng.randrange(3)]
        return None

    async def handle_messages(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        await self._pause()
        at = self.clock()
        form = dict(parse_qsl((await request.body()).decode(), keep_blank_values=True))
        raw_to = form.get("To", "")
        to = raw_to.removeprefix("whatsapp:") if raw_to.startswith("whatsapp:") else None
        kind = (
            "template"
            if "ContentSid" in form
            else "media"
            if "MediaUrl" in form
            else "text"
            if "Body" in form
            else "invalid"
        )
        try:
            if not self._authorised(request):
                raise _Refusal(_fault(401, 20003, None))
            if request.path_params.get("account_sid") != self.account_sid:
                raise _Refusal(_fault(404, 20404, None))
            fault = self._injected_fault("messages")
            if fault is not None:
                raise _Refusal(fault)
            record = self._accept(form, to, at)
        except _Refusal as refusal:
            fault = refusal.fault
            self._record(Attempt(at, kind, to, fault.status, fault.code, fault.retry_after))
            return _error_response(fault, refusal.message)
        self._record(Attempt(at, kind, to, 201, sid=record.sid))
        base = str(request.base_url).rstrip("/")
        return _json(
            201,
            {
                "account_sid": self.account_sid,
                "api_version": "2010-04-01",
                "body": record.body or "",
                "date_created": time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime()),
                "direction": "outbound-api",
                "error_code": None,
                "error_message": None,
                "from": record.sender,
                "messaging_service_sid": None,
                "num_media": "0",
                "num_segments": "1",
                "price": None,
                "sid": record.sid,
                "status": "queued",
                "to": "whatsapp:" + record.to,
                "uri": f"{base}/2010-04-01/Accounts/{self.account_sid}/Messages/{record.sid}.json",
            },
        )

    def _accept(self, form: dict[str, str], to: str | None, at: float) -> SentRecord:
        sender = form.get("From", "")
        if sender != "whatsapp:" + self.number:
            raise _Refusal(_fault(None, 63007, None))
        if to is None or not _E164.match(to):
            raise _Refusal(_fault(None, 21211, None))
        body = form.get("Body")
        content_sid = form.get("ContentSid")
        variables: dict[str, str] = {}
        media_url = form.get("MediaUrl")
        if media_url is not None and not media_url.startswith(("http://", "https://")):
            raise _Refusal(_fault(None, 21620, None))
        if content_sid is None:
            if not body and media_url is None:
                raise _Refusal(_fault(None, 21619, None))
            if len(body or "") > MAX_BODY_LENGTH:
                raise _Refusal(_fault(None, 21617, None))
        else:
            if not _CONTENT_SID.match(content_sid):
                raise _Refusal(_fault(None, 21655, None))
            with self._lock:
                known = not self._state.contents or content_sid in self._state.contents
            if not known:
                raise _Refusal(_fault(None, 63027, None))
            try:
                decoded = msgspec.json.decode(form.get("ContentVariables", "{}"))
            except msgspec.DecodeError as error:
                raise _Refusal(_fault(None, 21656, None)) from error
            if not isinstance(decoded, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in decoded.items()
            ):
                raise _Refusal(_fault(None, 21656, None))
            variables = decoded
        callback = form.get("StatusCallback")
        if callback is not None and not callback.startswith(("http://", "https://")):
            raise _Refusal(_fault(None, 21609, None))
        record = SentRecord(
            sid="SM" + f"{next(self._ids):032x}",
            to=to,
            sender=self.number,
            body=body,
            content_sid=content_sid,
            content_variables=variables,
            status_callback=callback,
            form=form,
            at=at,
        )
        with self._lock:
            self._state.messages.append(record)
            code = self._state.blocked.get(to)
        if code is not None and callback is not None:
            failed = status_form(
                record.sid,
                "failed",
                to=to,
                sender=self.number,
                account_sid=self.account_sid,
                error_code=code,
            )
            with self._lock:
                self._state.callbacks.append(Callback(callback, failed))
        return record

    def _record(self, attempt: Attempt) -> None:
        with self._lock:
            self._state.attempts.append(attempt)

    async def handle_typing(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        await self._pause()
        form = dict(parse_qsl((await request.body()).decode(), keep_blank_values=True))
        if not self._authorised(request):
            return _error_response(_fault(401, 20003, None))
        fault = self._injected_fault("typing")
        if fault is not None:
            return _error_response(fault)
        if form.get("channel") != "whatsapp" or not _MESSAGE_SID.match(form.get("messageId", "")):
            return _error_response(_fault(400, 20001, None), "Invalid messageId or channel")
        with self._lock:
            self._state.typing.append(form["messageId"])
        return _json(200, {"success": True})

    async def handle_account(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        await self._pause()
        if not self._authorised(request):
            return _error_response(_fault(401, 20003, None))
        fault = self._injected_fault("account")
        if fault is not None:
            return _error_response(fault)
        sid = str(request.path_params["account_file"]).removesuffix(".json")
        if sid != self.account_sid or not str(request.path_params["account_file"]).endswith(
            ".json"
        ):
            return _error_response(_fault(404, 20404, None))
        with self._lock:
            self._state.account_fetches += 1
        base = f"/2010-04-01/Accounts/{sid}"
        return _json(
            200,
            {
                "sid": sid,
                "owner_account_sid": sid,
                "friendly_name": "Ignacio",
                "status": self.account_status,
                "type": self.account_type,
                "auth_token": self.auth_token,  # Twilio returns it to its own account too
                "date_created": "Tue, 01 Sep 2026 10:00:00 +0000",
                "date_updated": "Tue, 01 Sep 2026 10:00:00 +0000",
                "uri": f"{base}.json",
                "subresource_uris": {"messages": f"{base}/Messages.json"},
            },
        )

    async def handle_media(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        await self._pause()
        media_sid = str(request.path_params["media_sid"])
        authorised = self._authorised(request)
        with self._lock:
            self._state.media_requests.append(MediaRequest("api", media_sid, authorised))
            known = media_sid in self._state.media
        if not authorised:
            return _error_response(_fault(401, 20003, None))
        fault = self._injected_fault("media")
        if fault is not None:
            return _error_response(fault)
        if not known or request.path_params.get("account_sid") != self.account_sid:
            return _error_response(_fault(404, 20404, None))
        host = self.media_host or str(request.base_url).rstrip("/")
        return Response(
            content=b"",
            status_code=307,
            headers={"Location": f"{host}{MEDIA_PATH}/{media_sid}?Expires=300&Signature=fake"},
        )

    async def handle_download(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        await self._pause()
        media_sid = str(request.path_params["media_sid"])
        with self._lock:
            self._state.media_requests.append(
                MediaRequest("cdn", media_sid, "authorization" in request.headers)
            )
            media = self._state.media.get(media_sid)
        fault = self._injected_fault("download")
        if fault is not None:
            return _error_response(fault)
        if media is None:
            return Response(content=b"Not Found", status_code=404, media_type="text/plain")
        return Response(content=media.content, status_code=200, media_type=media.mime_type)

    async def _pause(self) -> None:
        if self.latency > 0:
            await asyncio.sleep(self.latency)


def _build_app(twilio: FakeTwilio) -> Litestar:
    @post("/2010-04-01/Accounts/{account_sid:str}/Messages.json", status_code=201)
    async def messages(request: Request[Any, Any, Any]) -> Response[bytes]:
        return await twilio.handle_messages(request)

    # One path segment holds both the SID and the `.json` Twilio's URLs end with.
    @get("/2010-04-01/Accounts/{account_file:str}")
    async def account(request: Request[Any, Any, Any]) -> Response[bytes]:
        return await twilio.handle_account(request)

    @post("/v2/Indicators/Typing.json", status_code=200)
    async def typing(request: Request[Any, Any, Any]) -> Response[bytes]:
        return await twilio.handle_typing(request)

    @get("/2010-04-01/Accounts/{account_sid:str}/Messages/{message_sid:str}/Media/{media_sid:str}")
    async def media(request: Request[Any, Any, Any]) -> Response[bytes]:
        return await twilio.handle_media(request)

    @get(MEDIA_PATH + "/{media_sid:str}")
    async def download(request: Request[Any, Any, Any]) -> Response[bytes]:
        return await twilio.handle_download(request)

    return Litestar(
        route_handlers=[messages, account, typing, media, download],
        openapi_config=None,
        logging_config=None,
    )


def _fault(status: int | None, code: int | None, retry_after: float | None) -> Fault:
    if code is None:
        code = _CODE_FOR_STATUS.get(status or 500, 20500)
    if status is None:
        status = ERRORS.get(code, (400, ""))[0]
    return Fault(status=status, code=code, retry_after=retry_after)


def _error_response(fault: Fault, message: str | None = None) -> Response[bytes]:
    known = ERRORS.get(fault.code or 0, (fault.status, f"Error {fault.code}"))[1]
    body = {
        "code": fault.code,
        "message": message or known,
        "more_info": f"https://www.twilio.com/docs/errors/{fault.code}",
        "status": fault.status,
    }
    headers = {} if fault.retry_after is None else {"Retry-After": f"{fault.retry_after:g}"}
    return _json(fault.status, body, headers)


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> Response[bytes]:
    return Response(
        content=msgspec.json.encode(body),
        status_code=status,
        media_type="application/json",
        headers=headers or {},
    )


# What Twilio posts to Ignacio.


def inbound_form(
    sender: str,
    body: str = "",
    *,
    sid: str | None = None,
    profile_name: str | None = "Test Member",
    to: str = DEFAULT_NUMBER,
    account_sid: str = DEFAULT_ACCOUNT_SID,
    media: list[tuple[str, str]] | None = None,
    extra: dict[str, str] | None = None,
) -> list[tuple[str, str]]:
    """The form of a WhatsApp message a person sent from `sender` (E.164), with `media` as
    (MediaUrl, MediaContentType) pairs."""
    media = media or []
    sid = sid or ("MM" if media else "SM") + secrets.token_hex(16)
    kind = media[0][1].split("/", 1)[0] if media else "text"
    fields: dict[str, str] = {
        "SmsMessageSid": sid,
        "NumMedia": str(len(media)),
        "SmsSid": sid,
        "SmsStatus": "received",
        "Body": body,
        "To": "whatsapp:" + to,
        "NumSegments": "1",
        "ReferralNumMedia": "0",
        "MessageSid": sid,
        "AccountSid": account_sid,
        "From": "whatsapp:" + sender,
        "ApiVersion": "2010-04-01",
        "WaId": sender.removeprefix("+"),
        "MessageType": kind
        if kind in ("image", "video", "audio")
        else ("document" if media else "text"),
    }
    if profile_name is not None:
        fields["ProfileName"] = profile_name
    for n, (url, content_type) in enumerate(media):
        fields[f"MediaUrl{n}"] = url
        fields[f"MediaContentType{n}"] = content_type
    fields.update(extra or {})
    return list(fields.items())


def status_form(
    sid: str,
    status: str,
    *,
    to: str,
    sender: str = DEFAULT_NUMBER,
    account_sid: str = DEFAULT_ACCOUNT_SID,
    error_code: int | None = None,
) -> list[tuple[str, str]]:
    """The status callback form for a message Ignacio sent to `to` (E.164)."""
    fields = {
        "ChannelPrefix": "whatsapp",
        "ApiVersion": "2010-04-01",
        "MessageStatus": status,
        "SmsSid": sid,
        "SmsStatus": status,
        "ChannelInstallSid": "XE" + "0" * 32,
        "To": "whatsapp:" + to,
        "From": "whatsapp:" + sender,
        "MessageSid": sid,
        "AccountSid": account_sid,
        "ChannelToAddress": to,
    }
    if error_code is not None:
        fields["ErrorCode"] = str(error_code)
    return list(fields.items())


def signature(url: str, params: list[tuple[str, str]], auth_token: str = DEFAULT_AUTH_TOKEN) -> str:
    """`X-Twilio-Signature` for `params` posted to `url`, computed by Twilio's own library."""
    return str(RequestValidator(auth_token).compute_signature(url, dict(params)))


__all__ = [
    "DEFAULT_ACCOUNT_SID",
    "DEFAULT_AUTH_TOKEN",
    "DEFAULT_NUMBER",
    "FAKE_BASE_URL",
    "FAKE_MEDIA_HOST",
    "Attempt",
    "Callback",
    "FakeTwilio",
    "Fault",
    "MediaRequest",
    "SentRecord",
    "inbound_form",
    "signature",
    "status_form",
]
