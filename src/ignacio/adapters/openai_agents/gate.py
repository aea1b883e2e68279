"""One process's way into the model: as many requests in flight as the model accepts, and a
pause for all of them when it says "too many" (HTTP 429).

The OpenAI client retries a 429 on its own, request by request: each waits out the
`Retry-After` it was given while every other turn of the process keeps sending, and meets the
same 429. Here the whole process listens instead. `ModelGate` is an additive-increase,
multiplicative-decrease limit (as TCP finds a link's capacity):

- a 429 pauses every new request of the process until its `Retry-After` (`retry-after-ms`,
  `retry-after` in seconds or as a date; `default_pause_seconds` without one), and halves the
  requests allowed in flight, from those in flight when it came; the 429s of requests sent
  before that halving are of the same episode and do not halve it again (nor log again);
- each request answered while the limit held others back adds 1/limit, one more in flight per
  round of answers, up to `ceiling` (IGNACIO_WORKER_CONCURRENCY): the process settles at what
  the model accepts, and finds its way back up when the model accepts more.

`GatedTransport` puts it under the OpenAI client's HTTP client (httpx2, the fork of httpx the
OpenAI SDK speaks through), so the assistant, the
summaries and the transcriptions share it. A request holds its place until its answer has been
read, so a long answer streamed or not counts while the model works on it. Lookups (`GET`, the
health probe's) pass: they cost the model nothing and should say whether it is up even while
it asks to slow down.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from email.utils import parsedate_to_datetime

import httpx2 as httpx
import structlog

log = structlog.get_logger(__name__)

TOO_MANY_REQUESTS = 429
DEFAULT_PAUSE_SECONDS = 1.0
# A provider asking for longer is past a hiccup: the turns' own retry policy takes over.
MAX_PAUSE_SECONDS = 60.0
# The OpenAI client's own limits (openai's DEFAULT_CONNECTION_LIMITS): the gate, not the
# connection pool, decides how many requests go at once.
CONNECTION_LIMITS = httpx.Limits(max_connections=1000, max_keepalive_connections=100)


class ModelGate:
    """How many model requests this process may have in flight now, and until when none may
    start. Lives on one event loop (the process's)."""

    def __init__(
        self,
        ceiling: int,
        *,
        floor: int = 1,
        default_pause_seconds: float = DEFAULT_PAUSE_SECONDS,
        max_pause_seconds: float = MAX_PAUSE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if ceiling < 1 or not 1 <= floor <= ceiling:
            raise ValueError("A gate lets at least one request through: 1 <= floor <= ceiling.")
        self.ceiling = ceiling
        self._floor = floor
        self._default_pause = default_pause_seconds
        self._max_pause = max_pause_seconds
        self._clock = clock
        self._limit = float(ceiling)
        self._in_flight = 0
        self._paused_until = 0.0
        # Bumped by each halving: a 429 to a request let in before it is of that episode.
        self._episode = 0
        self._waiters: deque[asyncio.Future[None]] = deque()

    @property
    def limit(self) -> int:
        """Requests allowed in flight now."""
        return max(self._floor, math.floor(self._limit))

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def paused_for(self) -> float:
        """Seconds before a new request may start (0 when it may now)."""
        return max(0.0, self._paused_until - self._clock())

    async def enter(self) -> int:
        """Wait for a place in flight; returns the episode the request goes in (for `leave`)."""
        queued = False
        while True:
            pause = self.paused_for()
            if pause > 0:
                await asyncio.sleep(pause)
                continue
            # Those already waiting go first; one woken that finds no place waits at the front.
            if self._in_flight < self.limit and (queued or not self._waiters):
                self._in_flight += 1
                self._wake()
                return self._episode
            waiter = asyncio.get_running_loop().create_future()
            if queued:
                self._waiters.appendleft(waiter)
            else:
                self._waiters.append(waiter)
            queued = True
            try:
                await waiter
            except asyncio.CancelledError:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)
                self._wake()
                raise

    def leave(self, episode: int, *, throttled: bool, retry_after: float | None = None) -> None:
        """A request let in during `episode` is over: refused with a 429 (`throttled`, with the
        provider's `retry_after` seconds if it gave them) or answered otherwise."""
        # The limit held requests back (or would have with one more): it is what is being tried.
        held_back = self._in_flight + len(self._waiters) >= self.limit
        self._in_flight -= 1
        if throttled:
            self._throttled(episode, retry_after)
        elif held_back and self._limit < self.ceiling:
            self._limit = min(float(self.ceiling), self._limit + 1 / self._limit)
        self._wake()

    def _throttled(self, episode: int, retry_after: float | None) -> None:
        pause = self._default_pause if retry_after is None else retry_after
        pause = min(max(pause, 0.0), self._max_pause)
        self._paused_until = max(self._paused_until, self._clock() + pause)
        if episode != self._episode:
            return
        self._episode += 1
        before = self.limit
        # Half of what was in flight when the model refused (this request included): a limit
        # far above that would not hold anything back.
        self._limit = max(float(self._floor), min(self._limit, self._in_flight + 1) / 2)
        log.warning(
            "the model asked to slow down; pausing this process's requests",
            pause_seconds=round(pause, 3),
            retry_after=retry_after,
            limit_before=before,
            limit=self.limit,
            in_flight=self._in_flight,
        )

    def _wake(self) -> None:
        free = self.limit - self._in_flight
        while free > 0 and self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                free -= 1


def retry_after_seconds(headers: httpx.Headers, now: float | None = None) -> float | None:
    """The wait a response asks for: `retry-after-ms` (OpenAI's), else `retry-after` in seconds
    or as an HTTP date; None when it asks for none it can be read as."""
    milliseconds = _number(headers.get("retry-after-ms"))
    if milliseconds is not None:
        return milliseconds / 1000
    value = headers.get("retry-after")
    if value is None:
        return None
    seconds = _number(value)
    if seconds is not None:
        return seconds
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def _number(value: str | None) -> float | None:
    try:
        number = float(value) if value is not None else math.nan
    except ValueError:
        return None
    return max(0.0, number) if math.isfinite(number) else None


class GatedTransport(httpx.AsyncBaseTransport):
    """An httpx transport that sends each model request through `gate`."""

    def __init__(self, gate: ModelGate, inner: httpx.AsyncBaseTransport | None = None) -> None:
        self.gate = gate
        self._inner = inner or httpx.AsyncHTTPTransport(limits=CONNECTION_LIMITS)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return await self._inner.handle_async_request(request)
        episode = await self.gate.enter()
        try:
            response = await self._inner.handle_async_request(request)
        except BaseException:
            self.gate.leave(episode, throttled=False)
            raise
        if response.status_code == TOO_MANY_REQUESTS:
            self.gate.leave(
                episode, throttled=True, retry_after=retry_after_seconds(response.headers)
            )
            return response
        return httpx.Response(
            status_code=response.status_code,
            headers=response.headers,
            stream=_Released(response, lambda: self.gate.leave(episode, throttled=False)),
            extensions=response.extensions,
            request=request,
        )

    async def aclose(self) -> None:
        await self._inner.aclose()


class _Released(httpx.AsyncByteStream):
    """A response's body that gives its request's place back once read (or dropped)."""

    def __init__(self, response: httpx.Response, release: Callable[[], None]) -> None:
        assert isinstance(response.stream, httpx.AsyncByteStream)
        self._stream = response.stream
        self._release: Callable[[], None] | None = release

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._stream.aclose()
        finally:
            if self._release is not None:
                release, self._release = self._release, None
                release()
