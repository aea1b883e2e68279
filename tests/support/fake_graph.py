"""A local fake of Meta's Graph API: the parts of the WhatsApp Cloud API Ignacio speaks.

`FakeGraph` holds the state (what was sent, the media it serves, the faults to inject) and its
`app` speaks the protocol: bearer tokens (401, code 190), `POST /{version}/{phone-number-id}/messages`
(texts, templates, read receipts, validated the way Meta does, answering with a `wamid`),
A message goes to a phone number (`to`) or, since 2026, to a business-scoped user id (`recipient`,
for someone whose number is hidden behind a username); `to` wins when both are given, as on
Graph, and an authentication template to an id is refused with Meta's 131062.
`GET /{version}/{media-id}` (a short-lived URL into the fake itself) and the download behind that
URL (bearer required, 404 once expired), and `GET /{version}/{phone-number-id}` (the business
number's fields: `display_phone_number`, `verified_name`, `quality_rating`, `id`; `fields=`
narrows them, as on Graph). Graph errors have Meta's shape:
`{"error": {"message", "type", "code", "error_data": {"details"}, "fbtrace_id"}}`.

Two ways to run it: in-process (`graph.client()`, an httpx client over `ASGITransport`; fast, for
adapter tests) or as a real server on 127.0.0.1 (`with graph.serve() as base_url:`; uvicorn in a
background thread, for end-to-end tests and benchmarks).

Faults on demand: `fail_next(n, ...)`, a seeded random failure rate over 500, 503, 429 with
Retry-After, 130429 and 131056 (`set_failure_rate`; the faults, the kinds of request they hit and
the longest run of refusals per recipient can be chosen), `always_fail_for(phone, code=131047)`,
`latency`, `enforce_rate_limits(pair=(burst, seconds), throughput=n)` (Meta's pair rate and
throughput, refused with 131056 and 130429 as Meta does), and `hold(n)`: the next sends wait
unanswered until `release()`, in flight for as long
as a test needs (to kill the sender meanwhile). Every request to `/messages` is kept in
`attempts` with the time it arrived and the time it was answered, so tests can check that
nothing was sent again before the Retry-After it was given had passed (`retry_after_violations`).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import itertools
import random
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal, cast

import httpx
import msgspec
from litestar import Litestar, Request, Response, get, post
from litestar.datastructures import UploadFile

from ignacio.adapters.whatsapp_cloud import sign
from tests.support.fakes import TEST_APP_SECRET
from tests.support.served import serve_in_thread

FAKE_BASE_URL = "http://graph.fake"
DEFAULT_TOKEN = "fake-graph-access-token"
DEFAULT_PHONE_NUMBER_ID = "1122334455667"
DEFAULT_DISPLAY_PHONE_NUMBER = "+1 555-010-0199"
DEFAULT_VERIFIED_NAME = "Ignacio"
MAX_TEXT_LENGTH = 4096
DOWNLOAD_PATH = "/lookaside/whatsapp_business/attachments"

Endpoint = Literal["messages", "media", "download", "phone_number", "upload"]

# Meta's wording for the codes the fake produces: (HTTP status, message, details).
ERRORS: dict[int, tuple[int, str, str | None]] = {
    1: (500, "An unknown error occurred", None),
    2: (503, "Service temporarily unavailable", None),
    4: (400, "(#4) Application request limit reached", None),
    100: (400, "(#100) Invalid parameter", None),
    190: (401, "Invalid OAuth access token - Cannot parse access token", None),
    368: (400, "(#368) Temporarily blocked for policies violations", None),
    80007: (400, "(#80007) Rate limit issues", None),
    130429: (
        400,
        "(#130429) Rate limit hit",
        "Cloud API message throughput has been reached.",
    ),
    131000: (500, "(#131000) Something went wrong", "Something went wrong."),
    131026: (
        400,
        "(#131026) Message undeliverable",
        "Unable to deliver message. Reasons can include: the recipient phone number is not a "
        "WhatsApp phone number.",
    ),
    131047: (
        400,
        "(#131047) Re-engagement message",
        "Message failed to send because more than 24 hours have passed since the customer last "
        "replied to this number.",
    ),
    131062: (
        400,
        "(#131062) Business-scoped User ID recipients are not supported for this message",
        "Authentication templates can only be sent to phone numbers.",
    ),
    131056: (
        400,
        "(#131056) (Business Account, Consumer Account) pair rate limit hit",
        "Message failed to send because there were too many messages sent from this phone number "
        "to the same phone number in a short period of time.",
    ),
    132000: (
        400,
        "(#132000) Number of parameters does not match the expected number of params",
        None,
    ),
    132001: (
        404,
        "(#132001) Template name does not exist in the translation",
        None,
    ),
}
_CODE_FOR_STATUS = {401: 190, 429: 130429, 500: 1, 503: 2}


@dataclass(frozen=True)
class SentRecord:
    """A message the fake accepted; `to` in digits, or the user id it went to when it was sent
    by `recipient` (then `by_user_id`); `at` on the fake's clock."""

    id: str
    to: str
    type: str
    text: str | None
    template: str | None
    language: str | None
    parameters: tuple[str, ...]
    payload: dict[str, Any]
    at: float
    by_user_id: bool = False


@dataclass(frozen=True)
class ReadReceipt:
    message_id: str
    typing_indicator: bool
    at: float


@dataclass(frozen=True)
class Attempt:
    """One request to `/messages`, accepted or not, answered at `at` on the fake's clock
    (`time.monotonic` unless another clock was given); `received_at` is when it arrived, before
    any `latency` (None when made by hand)."""

    at: float
    kind: str  # text, template, read, ... or "invalid"
    to: str | None
    status: int
    code: int | None = None
    retry_after: float | None = None
    message_id: str | None = None
    received_at: float | None = None

    @property
    def accepted(self) -> bool:
        return self.status == 200


@dataclass(frozen=True)
class Fault:
    status: int
    code: int | None = None
    retry_after: float | None = None
    message: str | None = None


@dataclass
class _Media:
    content: bytes
    mime_type: str
    sha256: str


@dataclass
class _Template:
    languages: set[str]
    authentication: bool


@dataclass
class _State:
    messages: list[SentRecord] = field(default_factory=list)
    read_receipts: list[ReadReceipt] = field(default_factory=list)
    attempts: list[Attempt] = field(default_factory=list)
    media: dict[str, _Media] = field(default_factory=dict)
    urls: dict[str, tuple[str, float]] = field(default_factory=dict)  # token: (media id, expiry)
    lookups: list[str] = field(default_factory=list)
    uploads: list[str] = field(default_factory=list)  # media ids made by POST /media, in order
    downloads: list[str] = field(default_factory=list)
    phone_number_lookups: int = 0
    faults: dict[str, deque[Fault]] = field(default_factory=dict)
    blocked: dict[str, int] = field(default_factory=dict)  # digits: error code
    templates: dict[str, _Template] = field(default_factory=dict)


class _Refusal(Exception):
    def __init__(self, fault: Fault, details: str | None = None) -> None:
        super().__init__(fault.message or "")
        self.fault = fault
        self.details = details


class FakeGraph:
    """The state of a fake Graph API, and (`app`) the ASGI application that serves it."""

    def __init__(
        self,
        *,
        access_token: str = DEFAULT_TOKEN,
        phone_number_id: str = DEFAULT_PHONE_NUMBER_ID,
        display_phone_number: str = DEFAULT_DISPLAY_PHONE_NUMBER,
        media_url_ttl: float = 300.0,
        latency: float = 0.0,
        seed: int = 0,
        clock: Callable[[], float] = time.monotonic,
        first_message_number: int = 1,
    ) -> None:
        """`first_message_number`: where the `wamid`s it hands out start; several fakes standing
        for one Meta must not hand out the same ids."""
        self.access_token = access_token
        self.phone_number_id = phone_number_id
        self.display_phone_number = display_phone_number
        self.media_url_ttl = media_url_ttl
        self.latency = latency
        self.clock = clock
        self.failure_rate = 0.0
        self.failure_retry_after = 1.0
        self._failure_faults: tuple[Fault, ...] | None = None
        self._failure_kinds: frozenset[str] | None = None
        self._failure_max_consecutive: int | None = None
        self._refusals_in_a_row: dict[str, int] = {}
        self._pair_limit: tuple[int, float] | None = None
        self._throughput_limit: int | None = None
        self._to_hold: dict[str, int] = {}  # kind: how many more to hold
        self._held: list[str | None] = []  # recipients of the requests being held
        self._released = threading.Event()
        self._released.set()
        self._rng = random.Random(seed)
        self._ids = itertools.count(first_message_number)
        self._media_ids = itertools.count(900_000_001)
        self._lock = threading.Lock()
        self._state = _State()
        self.app = _build_app(self)

    # What happened.

    @property
    def messages(self) -> list[SentRecord]:
        with self._lock:
            return list(self._state.messages)

    @property
    def read_receipts(self) -> list[ReadReceipt]:
        with self._lock:
            return list(self._state.read_receipts)

    @property
    def attempts(self) -> list[Attempt]:
        with self._lock:
            return list(self._state.attempts)

    @property
    def lookups(self) -> list[str]:
        """The media ids looked up, one per `GET /{media-id}` that was answered with a URL."""
        with self._lock:
            return list(self._state.lookups)

    @property
    def phone_number_lookups(self) -> int:
        """How many `GET /{phone-number-id}` requests were answered with the number."""
        with self._lock:
            return self._state.phone_number_lookups

    @property
    def uploads(self) -> list[str]:
        """The media ids the business uploaded (`POST /{phone-number-id}/media`), in order."""
        with self._lock:
            return list(self._state.uploads)

    def uploaded(self, media_id: str) -> tuple[bytes, str]:
        """An uploaded file's bytes and media type."""
        with self._lock:
            media = self._state.media[media_id]
        return media.content, media.mime_type

    @property
    def downloads(self) -> list[str]:
        """The media ids downloaded, one per successful download."""
        with self._lock:
            return list(self._state.downloads)

    def texts_to(self, phone: str) -> list[str]:
        digits = _digits(phone)
        return [m.text for m in self.messages if m.to == digits and m.text is not None]

    def retry_after_violations(
        self, *, per_recipient: bool = True
    ) -> list[tuple[Attempt, Attempt]]:
        """Pairs (refusal with a Retry-After, a later attempt that arrived before it had passed).

        The wait counts from when the refusal was answered to when the next attempt arrived, so
        the fake's own latency never hides an early retry. Per recipient by default (a pair rate
        limit); `per_recipient=False` treats every Retry-After as applying to the whole number
        (throughput).
        """
        attempts = self.attempts
        violations = []
        for i, refused in enumerate(attempts):
            if refused.retry_after is None:
                continue
            for later in attempts[i + 1 :]:
                if per_recipient and (later.to is None or later.to != refused.to):
                    continue
                arrived = later.at if later.received_at is None else later.received_at
                if arrived < refused.at + refused.retry_after:
                    violations.append((refused, later))
        return violations

    # Set-up.

    def add_media(
        self,
        content: bytes,
        *,
        mime_type: str = "application/octet-stream",
        media_id: str | None = None,
        sha256: str | None = None,
    ) -> str:
        """Serve `content` under a media id (made up unless given); `sha256` overrides the base64
        SHA-256 the lookup reports, to simulate corruption or another encoding."""
        media_id = media_id or str(next(self._media_ids))
        digest = base64.b64encode(hashlib.sha256(content).digest()).decode()
        with self._lock:
            self._state.media[media_id] = _Media(content, mime_type, sha256 or digest)
        return media_id

    def register_template(
        self, name: str, *, language: str = "en_US", authentication: bool = True
    ) -> None:
        """Accept only registered templates from now on; an authentication template needs the
        code in its body and in its copy-code (URL) button."""
        with self._lock:
            template = self._state.templates.setdefault(name, _Template(set(), authentication))
            template.languages.add(language)

    def fail_next(
        self,
        n: int = 1,
        *,
        status: int | None = None,
        code: int | None = None,
        retry_after: float | None = None,
        endpoint: Endpoint = "messages",
    ) -> None:
        """Refuse the next `n` requests to `endpoint` (default: HTTP 500, code 1)."""
        fault = _fault(status, code, retry_after)
        with self._lock:
            queue = self._state.faults.setdefault(endpoint, deque())
            queue.extend([fault] * n)

    def set_failure_rate(
        self,
        rate: float,
        *,
        seed: int | None = None,
        retry_after: float = 1.0,
        faults: Sequence[Fault] | None = None,
        kinds: Collection[str] | None = None,
        max_consecutive: int | None = None,
    ) -> None:
        """Refuse this share of `/messages` requests at random, evenly over 500, 503, 429 (with
        `Retry-After: retry_after`), 130429 and 131056, or over `faults` when given; seeded, so
        a run can be replayed.

        `kinds` limits the refusals to those kinds of request (say `{"text"}`, to spare read
        receipts, which are best effort and never retried); `max_consecutive` lets a recipient's
        request through after that many random refusals in a row, which bounds how long a retry
        policy with exponential backoff can take to get a message through.
        """
        with self._lock:
            self.failure_rate = rate
            self.failure_retry_after = retry_after
            self._failure_faults = tuple(faults) if faults is not None else None
            self._failure_kinds = frozenset(kinds) if kinds is not None else None
            self._failure_max_consecutive = max_consecutive
            self._refusals_in_a_row = {}
            if seed is not None:
                self._rng = random.Random(seed)

    def always_fail_for(self, phone: str, *, code: int = 131047) -> None:
        """Refuse every message to this number with `code` (default: outside the 24-hour window)."""
        with self._lock:
            self._state.blocked[_digits(phone)] = code

    def enforce_rate_limits(
        self, *, pair: tuple[int, float] | None = None, throughput: int | None = None
    ) -> None:
        """Refuse messages as Meta does past its limits: past `pair` = (burst, seconds), more
        than `burst` accepted to one person in any `seconds`, with 131056; past `throughput`,
        more than that many accepted in any second, with 130429 (neither with a Retry-After,
        as Meta sends them). Read receipts are not counted."""
        with self._lock:
            self._pair_limit = pair
            self._throughput_limit = throughput

    def expire_media_urls(self) -> None:
        """Make every media URL handed out so far expire now."""
        with self._lock:
            self._state.urls = {
                token: (mid, -float("inf")) for token, (mid, _) in self._state.urls.items()
            }

    def hold(self, count: int = 1, *, kind: str = "text") -> None:
        """Keep the next `count` `/messages` requests of this kind waiting, unanswered, until
        `release()`; they are then handled as usual (accepted, unless a fault says otherwise),
        whether or not their sender is still there to hear it, as at Meta."""
        with self._lock:
            self._to_hold[kind] = self._to_hold.get(kind, 0) + count
            self._released.clear()

    @property
    def held(self) -> list[str | None]:
        """The recipients (digits) of the requests waiting for `release()`."""
        with self._lock:
            return list(self._held)

    def release(self) -> None:
        """Let every held request go on, and stop holding new ones."""
        with self._lock:
            self._to_hold = {}
        self._released.set()

    def reset(self) -> None:
        """Forget everything: records, media, faults, holds and templates."""
        self.release()
        with self._lock:
            self._state = _State()
            self.failure_rate = 0.0
            self._failure_faults = None
            self._failure_kinds = None
            self._failure_max_consecutive = None
            self._refusals_in_a_row = {}
            self._pair_limit = None
            self._throughput_limit = None

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
        with serve_in_thread(self.app, "the fake Graph API server") as base_url:
            try:
                yield base_url
            finally:
                self.release()  # a held request would keep the server from stopping

    # The protocol.

    def _authorised(self, request: Request[Any, Any, Any]) -> bool:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        return scheme.lower() == "bearer" and secrets.compare_digest(
            token.strip().encode(), self.access_token.encode()
        )

    def _injected_fault(
        self, endpoint: Endpoint, to: str | None, kind: str | None = None
    ) -> Fault | None:
        with self._lock:
            queue = self._state.faults.get(endpoint)
            if queue:
                return queue.popleft()
            if to is not None and to in self._state.blocked:
                return _fault(None, self._state.blocked[to], None)
            if endpoint == "messages" and kind not in (None, "read", "invalid"):
                limited = self._over_a_rate_limit(to)
                if limited is not None:
                    return limited
            if endpoint == "messages" and self.failure_rate:
                return self._random_fault(to, kind)
        return None

    def _over_a_rate_limit(self, to: str | None) -> Fault | None:
        """Meta's refusal for a message past its pair rate or throughput; called with the lock
        held."""
        now = self.clock()
        if self._pair_limit is not None and to is not None:
            burst, seconds = self._pair_limit
            recent = [m for m in self._state.messages if m.to == to and m.at > now - seconds]
            if len(recent) >= burst:
                return _fault(None, 131056, None)
        if self._throughput_limit is not None:
            recent = [m for m in self._state.messages if m.at > now - 1.0]
            if len(recent) >= self._throughput_limit:
                return _fault(None, 130429, None)
        return None

    def _random_fault(self, to: str | None, kind: str | None) -> Fault | None:
        """The random refusal for one `/messages` request, if any; called with the lock held."""
        if self._failure_kinds is not None and kind not in self._failure_kinds:
            return None
        in_a_row = self._refusals_in_a_row.get(to or "", 0)
        limit = self._failure_max_consecutive
        if (limit is not None and in_a_row >= limit) or self._rng.random() >= self.failure_rate:
            self._refusals_in_a_row.pop(to or "", None)
            return None
        self._refusals_in_a_row[to or ""] = in_a_row + 1
        faults = self._failure_faults or (
            Fault(500, 1),
            Fault(503, 2),
            Fault(429, 130429, retry_after=self.failure_retry_after),
            Fault(400, 130429),
            Fault(400, 131056),
        )
        return faults[self._rng.randrange(len(faults))]

    async def _wait_if_held(self, kind: str, to: str | None) -> None:
        with self._lock:
            if not self._to_hold.get(kind):
                return
            self._to_hold[kind] -= 1
            self._held.append(to)
        try:
            # Released from the test's thread: a threading event, waited for off the loop.
            await asyncio.to_thread(self._released.wait)
        finally:
            with self._lock:
                self._held.remove(to)

    def _record_attempt(self, attempt: Attempt) -> None:
        with self._lock:
            self._state.attempts.append(attempt)

    async def handle_messages(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        received_at = self.clock()
        await self._pause()
        at = self.clock()
        raw = await request.body()
        try:
            payload: Any = msgspec.json.decode(raw)
        except (msgspec.DecodeError, RecursionError):
            payload = None
        to = _address(payload)
        kind = _kind(payload)
        await self._wait_if_held(kind, to)
        try:
            if not self._authorised(request):
                raise _Refusal(_fault(401, 190, None))
            if request.path_params.get("phone_number_id") != self.phone_number_id:
                raise _Refusal(
                    Fault(
                        400,
                        100,
                        message="Unsupported post request. Object with ID "
                        f"'{request.path_params.get('phone_number_id')}' does not exist, cannot be "
                        "loaded due to missing permissions, or does not support this operation.",
                    )
                )
            fault = self._injected_fault("messages", to, kind)
            if fault is not None:
                raise _Refusal(fault)
            if not isinstance(payload, dict):
                raise _Refusal(_fault(None, 100, None), "The request body is not a JSON object.")
            answer, record = self._accept(payload, at)
        except _Refusal as refusal:
            fault = refusal.fault
            self._record_attempt(
                Attempt(
                    at,
                    kind,
                    to,
                    fault.status,
                    fault.code,
                    fault.retry_after,
                    received_at=received_at,
                )
            )
            return _error_response(fault, refusal.details)
        self._record_attempt(
            Attempt(
                at,
                kind,
                to,
                200,
                message_id=record.id if record else None,
                received_at=received_at,
            )
        )
        return _json(200, answer)

    def _accept(
        self, payload: dict[str, Any], at: float
    ) -> tuple[dict[str, Any], SentRecord | None]:
        if payload.get("messaging_product") != "whatsapp":
            raise _invalid("messaging_product must be 'whatsapp'.")
        if payload.get("status") == "read":
            message_id = payload.get("message_id")
            if not isinstance(message_id, str) or not message_id:
                raise _invalid("The parameter message_id is required.")
            indicator = payload.get("typing_indicator")
            if indicator is not None and indicator != {"type": "text"}:
                raise _invalid("typing_indicator must be {'type': 'text'}.")
            with self._lock:
                self._state.read_receipts.append(ReadReceipt(message_id, indicator is not None, at))
            return {"success": True}, None
        if "status" in payload:
            raise _invalid("status can only be 'read'.")
        to = payload.get("to")
        recipient = payload.get("recipient")
        by_user_id = to is None and recipient is not None
        if by_user_id:
            if not isinstance(recipient, str) or not _BSUID.fullmatch(recipient):
                raise _invalid("The parameter recipient must be a business-scoped user id.")
            to = recipient
        elif (
            not isinstance(to, str)
            or not 7 <= len(_digits(to)) <= 15
            or not (_digits(to).isascii() and _digits(to).isdigit())
        ):
            raise _invalid("The parameter to must be a phone number.")
        if payload.get("recipient_type", "individual") not in ("individual", "group"):
            raise _invalid("recipient_type must be 'individual' or 'group'.")
        kind = payload.get("type", "text")
        text: str | None = None
        template: str | None = None
        language: str | None = None
        parameters: tuple[str, ...] = ()
        if kind == "text":
            text = _text_body(payload.get("text"))
        elif kind == "template":
            template, language, parameters = self._template(payload.get("template"), by_user_id)
        elif kind in ("image", "audio", "video", "document", "sticker"):
            self._check_media(kind, payload.get(kind))
        elif kind in (
            "location",
            "contacts",
            "interactive",
            "reaction",
        ):
            if not isinstance(payload.get(kind), dict):
                raise _invalid(f"The parameter {kind} is required.")
        else:
            raise _invalid(f"Unknown message type {kind!r}.")
        digits = to if by_user_id else _digits(to)
        record = SentRecord(
            id=f"wamid.FAKE{next(self._ids):012d}",
            to=digits,
            by_user_id=by_user_id,
            type=kind,
            text=text,
            template=template,
            language=language,
            parameters=parameters,
            payload=payload,
            at=at,
        )
        with self._lock:
            self._state.messages.append(record)
        message: dict[str, Any] = {"id": record.id}
        if kind == "template":
            message["message_status"] = "accepted"
        # Graph names the person as it was asked: by number (`wa_id`) or by id (`user_id`).
        contact = {"input": to, "user_id": to} if by_user_id else {"input": to, "wa_id": digits}
        return {
            "messaging_product": "whatsapp",
            "contacts": [contact],
            "messages": [message],
        }, record

    def _check_media(self, kind: str, raw: Any) -> None:
        """A media message names an uploaded media id or a link, as Meta requires."""
        if not isinstance(raw, dict):
            raise _invalid(f"The parameter {kind} is required.")
        media_id, link = raw.get("id"), raw.get("link")
        if (media_id is None) == (link is None):
            raise _invalid(f"{kind} needs exactly one of 'id' and 'link'.")
        if media_id is not None:
            with self._lock:
                known = media_id in self._state.media
            if not known:
                raise _invalid(f"The media id {media_id!r} was not uploaded by this business.")
        caption = raw.get("caption")
        if caption is not None and (kind in ("audio", "sticker") or len(caption) > 1024):
            raise _invalid(f"A caption is not allowed on {kind}, and has 1024 characters at most.")

    async def handle_upload(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        """`POST /{version}/{phone-number-id}/media`: a multipart upload, kept for sending."""
        await self._pause()
        if not self._authorised(request):
            return _error_response(_fault(401, 190, None))
        fault = self._injected_fault("upload", None)
        if fault is not None:
            return _error_response(fault)
        form = await request.form()
        upload = form.get("file")
        declared = form.get("type")
        if form.get("messaging_product") != "whatsapp":
            return _error_response(_fault(None, 100, None), "messaging_product must be 'whatsapp'.")
        if not isinstance(upload, UploadFile) or not isinstance(declared, str) or not declared:
            return _error_response(_fault(None, 100, None), "A file and its type are required.")
        content = await upload.read()
        media_id = self.add_media(content, mime_type=declared)
        with self._lock:
            self._state.uploads.append(media_id)
        return _json(200, {"id": media_id})

    def _template(self, raw: Any, by_user_id: bool = False) -> tuple[str, str, tuple[str, ...]]:
        if not isinstance(raw, dict):
            raise _invalid("The parameter template is required.")
        name = raw.get("name")
        language = raw.get("language")
        code = language.get("code") if isinstance(language, dict) else None
        if not isinstance(name, str) or not name:
            raise _invalid("The parameter template['name'] is required.")
        if not isinstance(code, str) or not code:
            raise _invalid("The parameter template['language']['code'] is required.")
        components = raw.get("components", [])
        if not isinstance(components, list):
            raise _invalid("template['components'] must be a list.")
        texts: list[str] = []
        body_texts: list[str] = []
        button_texts: list[str] = []
        for component in components:
            if not isinstance(component, dict) or component.get("type") not in (
                "header",
                "body",
                "button",
                "footer",
            ):
                raise _invalid("Each template component needs a type: header, body or button.")
            if component["type"] == "button":
                if component.get("sub_type") not in (
                    "url",
                    "quick_reply",
                    "copy_code",
                    "flow",
                    "catalog",
                ):
                    raise _invalid("A button component needs a sub_type.")
                if str(component.get("index", "")) not in {str(i) for i in range(10)}:
                    raise _invalid("A button component needs an index from 0 to 9.")
            parameters = component.get("parameters", [])
            if not isinstance(parameters, list):
                raise _invalid("Component parameters must be a list.")
            for parameter in parameters:
                if not isinstance(parameter, dict) or not isinstance(parameter.get("type"), str):
                    raise _invalid("Each parameter needs a type.")
                if parameter["type"] == "text":
                    value = parameter.get("text")
                    if not isinstance(value, str) or not value:
                        raise _invalid("A text parameter needs a text.")
                    texts.append(value)
                    if component["type"] == "body":
                        body_texts.append(value)
                    elif component["type"] == "button" and component.get("sub_type") == "url":
                        button_texts.append(value)
        with self._lock:
            checked = bool(self._state.templates)
            registered = self._state.templates.get(name)
        if checked:
            if registered is None or code not in registered.languages:
                raise _Refusal(
                    _fault(None, 132001, None), f"template name ({name}) does not exist in {code}"
                )
            if registered.authentication and by_user_id:
                raise _Refusal(_fault(None, 131062, None))
            if registered.authentication and (len(body_texts) != 1 or button_texts != body_texts):
                raise _Refusal(
                    _fault(None, 132000, None),
                    "An authentication template needs the code as its one body parameter and "
                    "as the parameter of its copy-code (url) button.",
                )
        return name, code, tuple(texts)

    async def handle_node(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        """`GET /{version}/{id}`: the business phone number, or a media object."""
        if request.path_params.get("node_id") == self.phone_number_id:
            return await self.handle_phone_number(request)
        return await self.handle_media(request)

    async def handle_phone_number(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        await self._pause()
        if not self._authorised(request):
            return _error_response(_fault(401, 190, None))
        fault = self._injected_fault("phone_number", None)
        if fault is not None:
            return _error_response(fault)
        number = {
            "verified_name": DEFAULT_VERIFIED_NAME,
            "code_verification_status": "VERIFIED",
            "display_phone_number": self.display_phone_number,
            "quality_rating": "GREEN",
            "platform_type": "CLOUD_API",
            "throughput": {"level": "STANDARD"},
            "id": self.phone_number_id,
        }
        wanted = request.query_params.get("fields")
        if wanted:
            names = {name.strip() for name in wanted.split(",")}
            number = {key: value for key, value in number.items() if key in names | {"id"}}
        with self._lock:
            self._state.phone_number_lookups += 1
        return _json(200, number)

    async def handle_media(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        await self._pause()
        media_id = str(request.path_params.get("node_id"))
        try:
            if not self._authorised(request):
                raise _Refusal(_fault(401, 190, None))
            fault = self._injected_fault("media", None)
            if fault is not None:
                raise _Refusal(fault)
            with self._lock:
                media = self._state.media.get(media_id)
                if media is not None:
                    token = secrets.token_urlsafe(16)
                    self._state.urls[token] = (media_id, self.clock() + self.media_url_ttl)
                    self._state.lookups.append(media_id)
            if media is None:
                raise _Refusal(
                    Fault(
                        400,
                        100,
                        message=f"Unsupported get request. Object with ID '{media_id}' "
                        "does not exist, cannot be loaded due to missing permissions, or does not "
                        "support this operation.",
                    )
                )
        except _Refusal as refusal:
            return _error_response(refusal.fault, refusal.details)
        base = str(request.base_url).rstrip("/")
        return _json(
            200,
            {
                "messaging_product": "whatsapp",
                "url": f"{base}{DOWNLOAD_PATH}/?mid={media_id}&token={token}",
                "mime_type": media.mime_type,
                "sha256": media.sha256,
                "file_size": len(media.content),
                "id": media_id,
            },
        )

    async def handle_download(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        await self._pause()
        if not self._authorised(request):
            return _error_response(_fault(401, 190, None))
        fault = self._injected_fault("download", None)
        if fault is not None:
            return _error_response(fault)
        token = request.query_params.get("token", "")
        with self._lock:
            media_id, expires_at = self._state.urls.get(token, ("", -float("inf")))
            media = self._state.media.get(media_id)
            if media is None or self.clock() >= expires_at:
                media = None
            else:
                self._state.downloads.append(media_id)
        if media is None:
            return Response(
                content=b"URL signature expired", status_code=404, media_type="text/plain"
            )
        return Response(content=media.content, status_code=200, media_type=media.mime_type)

    async def _pause(self) -> None:
        if self.latency > 0:
            await asyncio.sleep(self.latency)


def _build_app(graph: FakeGraph) -> Litestar:
    @post("/{version:str}/{phone_number_id:str}/messages", status_code=200)
    async def messages(request: Request[Any, Any, Any]) -> Response[bytes]:
        return await graph.handle_messages(request)

    @post("/{version:str}/{phone_number_id:str}/media", status_code=200)
    async def upload(request: Request[Any, Any, Any]) -> Response[bytes]:
        return await graph.handle_upload(request)

    @get("/{version:str}/{node_id:str}")
    async def node(request: Request[Any, Any, Any]) -> Response[bytes]:
        return await graph.handle_node(request)

    @get(DOWNLOAD_PATH)
    async def download(request: Request[Any, Any, Any]) -> Response[bytes]:
        return await graph.handle_download(request)

    return Litestar(
        route_handlers=[messages, upload, node, download], openapi_config=None, logging_config=None
    )


def _fault(status: int | None, code: int | None, retry_after: float | None) -> Fault:
    if code is None:
        code = _CODE_FOR_STATUS.get(status or 500, 1)
    if status is None:
        status = ERRORS.get(code, (400, "", None))[0]
    return Fault(status=status, code=code, retry_after=retry_after)


def _invalid(details: str) -> _Refusal:
    return _Refusal(_fault(None, 100, None), details)


def _error_response(fault: Fault, details: str | None = None) -> Response[bytes]:
    _, message, known_details = ERRORS.get(fault.code or 0, (fault.status, "", None))
    error: dict[str, Any] = {
        "message": fault.message or message or f"(#{fault.code}) Error",
        "type": "OAuthException",
        "code": fault.code,
        "fbtrace_id": f"Afake{secrets.token_hex(8)}",
    }
    if details or known_details:
        error["error_data"] = {"messaging_product": "whatsapp", "details": details or known_details}
    headers = {}
    if fault.retry_after is not None:
        headers["Retry-After"] = f"{fault.retry_after:g}"
    return _json(fault.status, {"error": error}, headers)


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> Response[bytes]:
    return Response(
        content=msgspec.json.encode(body),
        status_code=status,
        media_type="application/json",
        headers=headers or {},
    )


def _text_body(raw: Any) -> str:
    if not isinstance(raw, dict):
        raise _invalid("The parameter text is required.")
    body = raw.get("body")
    if not isinstance(body, str) or not body.strip():
        raise _invalid("The parameter text['body'] is required.")
    if len(body) > MAX_TEXT_LENGTH:
        raise _invalid(f"Param text['body'] must be at most {MAX_TEXT_LENGTH} characters long.")
    preview = raw.get("preview_url", False)
    if not isinstance(preview, bool):
        raise _invalid("Param text['preview_url'] must be a boolean.")
    return body


def _kind(payload: Any) -> str:
    if not isinstance(payload, dict):
        return "invalid"
    if payload.get("status") == "read":
        return "read"
    kind = payload.get("type", "text")
    return kind if isinstance(kind, str) else "invalid"


def _digits(phone: str) -> str:
    return phone.strip().removeprefix("+")


_BSUID = re.compile(r"[A-Z]{2}\.(?:ENT\.)?[A-Za-z0-9]{1,128}")


def _address(payload: Any) -> str | None:
    """Who a request is for, as the attempts record it: the number's digits (`to`), else the
    user id (`recipient`)."""
    if not isinstance(payload, dict):
        return None
    to, recipient = payload.get("to"), payload.get("recipient")
    if isinstance(to, str):
        return _digits(to)
    return recipient if isinstance(recipient, str) else None


# Webhook bodies, the other direction: what Meta would POST to Ignacio.


def webhook_body(
    *,
    messages: list[dict[str, Any]] | None = None,
    statuses: list[dict[str, Any]] | None = None,
    contacts: list[dict[str, Any]] | None = None,
    phone_number_id: str = DEFAULT_PHONE_NUMBER_ID,
) -> bytes:
    """A `messages` webhook body in Meta's shape, with one entry and one change."""
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550000000", "phone_number_id": phone_number_id},
    }
    if contacts:
        value["contacts"] = contacts
    if messages:
        value["messages"] = messages
    if statuses:
        value["statuses"] = statuses
    body = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "100000000000001", "changes": [{"value": value, "field": "messages"}]}],
    }
    return msgspec.json.encode(body)


def inbound_text(
    sender: str | None,
    text: str,
    *,
    message_id: str | None = None,
    profile_name: str = "Test Member",
    timestamp: int | None = None,
    phone_number_id: str = DEFAULT_PHONE_NUMBER_ID,
    user_id: str | None = None,
    username: str | None = None,
) -> bytes:
    """The webhook body of a text a person sent from `sender` (digits, with or without '+') to
    the number `phone_number_id`. With `user_id` (their business-scoped user id) it is as Meta
    sends it since 2026; `sender` None is someone whose number Meta hides behind `username`:
    no `from`, no `wa_id`, only `from_user_id` and the contact's `user_id`."""
    message: dict[str, Any] = {
        "id": message_id or f"wamid.IN{secrets.token_hex(12)}",
        "timestamp": str(timestamp if timestamp is not None else int(time.time())),
        "type": "text",
        "text": {"body": text},
    }
    profile: dict[str, Any] = {"name": profile_name}
    contact: dict[str, Any] = {"profile": profile}
    if sender is not None:
        message["from"] = contact["wa_id"] = _digits(sender)
    if user_id is not None:
        message["from_user_id"] = contact["user_id"] = user_id
    if username is not None:
        profile["username"] = username
    return webhook_body(phone_number_id=phone_number_id, contacts=[contact], messages=[message])


def inbound_media(
    sender: str,
    kind: str,
    media_id: str,
    *,
    mime_type: str,
    sha256: str | None = None,
    caption: str | None = None,
    filename: str | None = None,
    voice: bool = False,
    message_id: str | None = None,
    timestamp: int | None = None,
) -> bytes:
    """The webhook body of an image, video, audio, document or sticker a person sent."""
    wa_id = _digits(sender)
    media: dict[str, Any] = {"id": media_id, "mime_type": mime_type}
    if sha256:
        media["sha256"] = sha256
    if caption:
        media["caption"] = caption
    if filename:
        media["filename"] = filename
    if kind == "audio":
        media["voice"] = voice
    return webhook_body(
        contacts=[{"profile": {"name": "Test Member"}, "wa_id": wa_id}],
        messages=[
            {
                "from": wa_id,
                "id": message_id or f"wamid.IN{secrets.token_hex(12)}",
                "timestamp": str(timestamp if timestamp is not None else int(time.time())),
                "type": kind,
                kind: media,
            }
        ],
    )


def delivery_status(
    message_id: str,
    status: str,
    recipient: str,
    *,
    error_code: int | None = None,
    timestamp: int | None = None,
) -> bytes:
    """The webhook body of a status update (sent, delivered, read, failed) for a message we sent."""
    update: dict[str, Any] = {
        "id": message_id,
        "status": status,
        "timestamp": str(timestamp if timestamp is not None else int(time.time())),
        "recipient_id": _digits(recipient),
    }
    if error_code is not None:
        _, message, details = ERRORS.get(error_code, (400, f"(#{error_code}) Error", None))
        update["errors"] = [
            {
                "code": error_code,
                "title": message.split(") ", 1)[-1],
                "message": message.split(") ", 1)[-1],
                "error_data": {"details": details or message},
            }
        ]
    return webhook_body(statuses=[update])


__all__ = [
    "DEFAULT_PHONE_NUMBER_ID",
    "DEFAULT_TOKEN",
    "FAKE_BASE_URL",
    "Attempt",
    "FakeGraph",
    "Fault",
    "ReadReceipt",
    "SentRecord",
    "delivery_status",
    "inbound_media",
    "inbound_text",
    "webhook_body",
]


async def post_signed(
    client: httpx.AsyncClient, body: bytes, secret: str = TEST_APP_SECRET
) -> httpx.Response:
    """POST a webhook body to Ignacio as Meta does, signed with the app secret; asserts the 200."""
    response = await client.post(
        "/webhooks/whatsapp",
        content=body,
        headers={"Content-Type": "application/json", "X-Hub-Signature-256": sign(body, secret)},
    )
    assert response.status_code == 200, response.text
    return response
