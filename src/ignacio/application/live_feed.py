"""Live updates: one feed per process follows the event log and hands each new event to the open
streams it is for.

- **One reader per process, whatever the number of streams.** Woken by the signal (a commit in
  this process, or a NOTIFY from another), the feed reads what is new once, for every
  workspace, and hands what it read to the streams of each workspace as one batch per
  audience (`WorkspaceEvent.seen_by`, worked out once for the team and once per member, not
  once per stream): a stream costs a queue and a few operations per read, never a query nor a
  filtering per event, and every stream of an audience holds the same batch, which a transport
  can write once for all of them. A wake-up for a workspace nobody here follows reads nothing.
- **The log is the truth, the signal only wakes.** Reads follow the log's numbers with
  `passable`: past a number still missing, the feed waits (reading again shortly) rather than
  moving on, so an event whose transaction commits late is still handed out, in order. A
  missed signal delays events until the next poll; it never loses one.
- **Catching up.** A stream opened with a cursor (the last event its client saw) first gets
  what it missed, read from the log up to where the feed stands, then the live events; one
  opened without starts where the feed stands. Its first message (`ready`) gives its client a
  cursor either way. A client that missed more than `CATCH_UP_LIMIT` events, or events since
  pruned, is told to reload (`reset`) instead.
- **Bounded.** At most `max_streams` streams per process (Busy beyond); a stream that still
  holds `queue_size` events its client has not taken when more come (a slow network) is let
  go: its client reconnects and catches up from the log, rather than the process buffering for
  it without end (one read's batch, at most `READ_BATCH` events, always goes in). A stream
  lives no longer than `until` (its access token's expiry, at most the configured lifetime):
  its client reconnects with a fresh token, so a revoked session or a changed role takes
  effect.
- Streams that stay quiet are given an `idle` message every `idle_seconds`, for the transport
  to keep the connection alive.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID

import msgspec

from ignacio.application.ports import Clock, EventSignal, UnitOfWorkFactory
from ignacio.domain import Busy
from ignacio.domain.events import GAP_PATIENCE, Audience, WorkspaceEvent, passable

# Standard logging: the core takes no logging framework; the entrypoint renders these with structlog.
log = logging.getLogger(__name__)

QUEUE_SIZE = 256
"""Events one stream may hold for a client that is slow to read; past it the client is let go."""
CATCH_UP_LIMIT = 1000
"""Events a reconnecting client is sent as they were; one that missed more reloads instead."""
READ_BATCH = 500
IDLE_SECONDS = 15.0
POLL_SECONDS = 10.0
"""How often the feed reads with no signal (a signal lost with a connection, say)."""
RETRY_SECONDS = 0.25
"""How soon the feed reads again while it waits at a missing number."""
START_WINDOW = 100
"""How many of the newest events the feed looks at to find where to start."""
BUSY_RETRY_SECONDS = 5


class Notice(StrEnum):
    READY = "ready"  # the stream is open; its cursor is where it stands
    RESET = "reset"  # too much was missed: reload everything, then go on from the cursor
    IDLE = "idle"  # nothing for a while (keep the connection alive)


class Mark(msgspec.Struct, frozen=True):
    """A message of the stream itself, not an event; `cursor` is where the stream stands."""

    notice: Notice
    cursor: int


Events = tuple[WorkspaceEvent, ...]
"""Events in order, as one audience sees them. One read's batch is the same object in every
stream of an audience: a transport may write it once for all of them."""

Item = Events | Mark


class Ending(StrEnum):
    """Why a stream ended."""

    CLOSED = "closed"  # its client went away
    EXPIRED = "expired"  # its time was up (its access token expired): the client reconnects
    TOO_SLOW = "too_slow"  # its client fell `queue_size` events behind
    STOPPING = "stopping"  # the process is stopping


class Read:
    """What one read found of one workspace (in order, not empty), as each audience sees it:
    worked out once for the team and once per member, then the same batch for each of their
    streams."""

    def __init__(self, events: list[WorkspaceEvent]) -> None:
        self.first = events[0].id
        self.last = events[-1].id
        self._events = events
        markers = any(event.read_by is not None for event in events)
        # Without read markers, the team's view is every event, whoever the person.
        self._team: Events | None = None if markers else tuple(events)
        self._readers: dict[UUID, Events] = {}
        self._members: dict[UUID, Events] | None = None

    def seen_by(self, audience: Audience) -> Events:
        if audience.team:
            if self._team is not None:
                return self._team
            seen = self._readers.get(audience.user_id)
            if seen is None:
                seen = self._readers[audience.user_id] = _views(self._events, audience)
            return seen
        if self._members is None:
            owners: dict[UUID, list[WorkspaceEvent]] = {}
            for event in self._events:
                owners.setdefault(event.member_id, []).append(event)
            self._members = {
                member: _views(events, Audience(user_id=member, team=False))
                for member, events in owners.items()
            }
        return self._members.get(audience.user_id, ())


def _views(events: list[WorkspaceEvent], audience: Audience) -> Events:
    return tuple(view for event in events if (view := event.seen_by(audience)) is not None)


class EventStream:
    """One client's stream: an async iterator of lists of items (batches of events as its
    audience sees them, and `Mark`s), ending when the stream does (`ending` says why).
    `close()` it when the client is gone."""

    def __init__(
        self,
        feed: LiveFeed,
        workspace_id: UUID,
        audience: Audience,
        until: datetime,
        size: int,
        cursor: int,
    ) -> None:
        self.workspace_id = workspace_id
        self.audience = audience
        self.until = until
        self.cursor = cursor
        """The newest event this stream has dealt with (handed out, or not its audience's)."""
        self.ending: Ending | None = None
        self._feed = feed
        self._size = size
        self._items: deque[Item] = deque()
        self._held = 0  # events in `_items`, not yet taken by the client
        self._ready = asyncio.Event()
        self._quiet_since = asyncio.get_running_loop().time()
        self._expiry: asyncio.TimerHandle | None = None

    def expire_in(self, seconds: float) -> None:
        """End the stream on time (`until`, as the clock said when it opened), rather than at
        the next tick: its access token expires then."""
        self._expiry = asyncio.get_running_loop().call_later(
            max(seconds, 0.0), self.end, Ending.EXPIRED
        )

    def offer(self, read: Read) -> None:
        """The feed hands it what each read found of its workspace, in order."""
        if self.ending is not None or read.last <= self.cursor:
            return
        seen = read.seen_by(self.audience)
        if read.first <= self.cursor:
            # Reconnected with a cursor ahead of the feed's: what it has, it is not sent again.
            seen = tuple(event for event in seen if event.id > self.cursor)
        self.cursor = read.last
        if seen:
            self._push(seen, len(seen))

    def start(self, missed: Events, cursor: int, *, reset: bool = False) -> None:
        """Put what the client missed (or a reset) and the `ready` mark ahead of whatever live
        events came in meanwhile."""
        head: list[Item] = [Mark(Notice.RESET, cursor)] if reset else [missed] if missed else []
        head.append(Mark(Notice.READY, cursor))
        self._items.extendleft(reversed(head))
        self._held += len(missed)
        self._ready.set()

    def tick(self, now: datetime, clock_now: float, idle_seconds: float) -> None:
        if self.ending is not None:
            return
        if now >= self.until:
            # Besides `expire_in`'s timer: for a clock that moved faster than the loop's.
            self.end(Ending.EXPIRED)
        elif not self._items and clock_now - self._quiet_since >= idle_seconds:
            self._push(Mark(Notice.IDLE, self.cursor), 0)

    def close(self) -> None:
        self.end(Ending.CLOSED, discard=True)

    def __aiter__(self) -> EventStream:
        return self

    async def __anext__(self) -> list[Item]:
        while not self._items:
            if self.ending is not None:
                raise StopAsyncIteration
            self._ready.clear()
            await self._ready.wait()
        batch = list(self._items)
        self._items.clear()
        self._held = 0
        self._quiet_since = asyncio.get_running_loop().time()
        return batch

    def _push(self, item: Item, events: int) -> None:
        if self._held >= self._size:
            log.info(
                "a live stream's client fell behind; letting it go",
                extra={"workspace_id": str(self.workspace_id)},
            )
            self.end(Ending.TOO_SLOW, discard=True)
            return
        self._items.append(item)
        self._held += events
        self._ready.set()

    def end(self, why: Ending, *, discard: bool = False) -> None:
        """End the stream: what it holds is still handed out, unless `discard` (its client is
        gone, or too far behind to be worth it: it reconnects and catches up)."""
        if self.ending is None:
            self.ending = why
            if self._expiry is not None:
                self._expiry.cancel()
            self._feed.forget(self)
        if discard:
            self._items.clear()
            self._held = 0
        self._ready.set()


class LiveFeed:
    """One per process; see the module. `open` a stream per client."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        signal: EventSignal,
        clock: Clock,
        *,
        max_streams: int,
        queue_size: int = QUEUE_SIZE,
        idle_seconds: float = IDLE_SECONDS,
        poll_seconds: float = POLL_SECONDS,
        patience: timedelta = GAP_PATIENCE,
    ) -> None:
        self._uow = uow
        self._signal = signal
        self._clock = clock
        self._max_streams = max_streams
        self._queue_size = queue_size
        self._idle_seconds = idle_seconds
        self._poll_seconds = poll_seconds
        self._patience = patience
        self._streams: dict[UUID, set[EventStream]] = {}
        self._taken = 0  # streams open, and being opened
        self._cursor: int | None = None  # None: following nothing (no stream open)
        self._generation = 0  # moves whenever the cursor is set anew
        self._waiting = False  # at a missing number
        self._wake = asyncio.Event()
        self._starting = asyncio.Lock()
        self._tasks: list[asyncio.Task[Any]] = []
        self._stopping = False

    @property
    def open_streams(self) -> int:
        return self._taken

    @property
    def cursor(self) -> int | None:
        """Where the feed stands: every event up to it has been handed out (None: idle)."""
        return self._cursor

    async def open(
        self,
        workspace_id: UUID,
        audience: Audience,
        *,
        until: datetime,
        last_event_id: int | None = None,
    ) -> EventStream:
        """A stream of `workspace_id`'s events for `audience` (whose rights the caller checked),
        from after `last_event_id` (None: from now), until `until`."""
        if self._stopping:
            raise Busy("This server is stopping: connect again.", retry_after=1)
        if self._taken >= self._max_streams:
            raise Busy(
                "This server has all the live streams it can hold: try again shortly.",
                retry_after=BUSY_RETRY_SECONDS,
            )
        self._taken += 1
        stream: EventStream | None = None
        try:
            await self._follow()
            if last_event_id is not None and last_event_id > (self._cursor or 0):
                async with self._uow(read_only=True) as uow:
                    _, newest = await uow.events.bounds()
                if last_event_id > newest:
                    # No such event yet: a cursor from another database, or made up.
                    last_event_id = None
            assert self._cursor is not None
            frontier = self._cursor
            start = frontier if last_event_id is None else max(frontier, last_event_id)
            # No await between reading the cursor and joining: every event past it reaches
            # the stream live.
            stream = EventStream(self, workspace_id, audience, until, self._queue_size, start)
            stream.expire_in((until - self._clock.now()).total_seconds())
            self._streams.setdefault(workspace_id, set()).add(stream)
            if last_event_id is None or last_event_id >= frontier:
                stream.start((), start)
            else:
                await self._catch_up(stream, last_event_id, frontier)
        except BaseException:
            if stream is None:
                self._release()
            else:
                stream.close()
            raise
        return stream

    def forget(self, stream: EventStream) -> None:
        """A stream ended: it takes no more events."""
        streams = self._streams.get(stream.workspace_id)
        if streams is None or stream not in streams:
            return
        streams.discard(stream)
        if not streams:
            del self._streams[stream.workspace_id]
        self._release()

    def stop_streams(self) -> None:
        """The process is stopping: every stream ends (their clients reconnect elsewhere) and
        none opens any more. The server waits for open responses before it stops."""
        self._stopping = True
        for streams in list(self._streams.values()):
            for stream in list(streams):
                stream.end(Ending.STOPPING)

    async def close(self) -> None:
        """End every stream and stop following. The feed may be followed again afterwards (an
        app's lifespan may start again on the same container, as test clients do)."""
        self.stop_streams()
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._signal.close()
        self._stopping = False

    def _release(self) -> None:
        self._taken -= 1
        if self._taken == 0:
            # Nobody follows: stop reading, and start again from the newest when someone does.
            self._cursor = None
            self._generation += 1

    async def _follow(self) -> None:
        if self._cursor is not None:
            return
        async with self._starting:
            if self._cursor is not None:
                return
            if not self._tasks:
                await self._signal.listen(self._woken)
                self._tasks = [
                    asyncio.create_task(self._read_forever(), name="ignacio-live-feed"),
                    asyncio.create_task(self._tick_forever(), name="ignacio-live-ticks"),
                ]
            start = await self._newest()
            self._cursor, self._generation = start, self._generation + 1

    async def _newest(self) -> int:
        """Where to start following: the newest event, unless a number just below it is still
        missing (a transaction about to commit), in which case just before that."""
        async with self._uow(read_only=True) as uow:
            _, newest = await uow.events.bounds()
            recent = await uow.events.after(None, max(0, newest - START_WINDOW), START_WINDOW)
        if not recent:
            return newest
        _, start = passable(recent[0].id, recent[1:], self._clock.now(), self._patience)
        return start

    async def _catch_up(self, stream: EventStream, since: int, frontier: int) -> None:
        member = None if stream.audience.team else stream.audience.user_id
        missed: list[WorkspaceEvent] = []
        async with self._uow(read_only=True) as uow:
            oldest, _ = await uow.events.bounds()
            cursor = since
            while cursor < frontier and len(missed) <= CATCH_UP_LIMIT:
                page = await uow.events.after(stream.workspace_id, cursor, READ_BATCH, member)
                page = [event for event in page if event.id <= frontier]
                if not page:
                    break
                missed.extend(page)
                cursor = page[-1].id
        # A number missing just after the client's cursor may be an event pruned since.
        pruned = oldest == 0 or oldest > since + 1
        if pruned or len(missed) > CATCH_UP_LIMIT:
            stream.start((), frontier, reset=True)
            return
        stream.start(Read(missed).seen_by(stream.audience) if missed else (), frontier)

    def _woken(self, workspace_id: UUID | None) -> None:
        if workspace_id is None or workspace_id in self._streams:
            self._wake.set()

    async def _read_forever(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(RETRY_SECONDS if self._waiting else self._poll_seconds):
                    await self._wake.wait()
            self._wake.clear()
            try:
                await self._read()
            except Exception:
                log.exception("reading the live events failed; trying again")
                await asyncio.sleep(1.0)

    async def _read(self) -> None:
        while self._cursor is not None:
            generation, cursor = self._generation, self._cursor
            async with self._uow(read_only=True) as uow:
                events = await uow.events.after(None, cursor, READ_BATCH)
            if generation != self._generation:
                return  # everyone left, or the feed started again, meanwhile
            passed, self._cursor = passable(cursor, events, self._clock.now(), self._patience)
            self._waiting = len(passed) < len(events)
            self._hand_out(passed)
            if self._waiting or len(events) < READ_BATCH:
                return

    def _hand_out(self, events: list[WorkspaceEvent]) -> None:
        by_workspace: dict[UUID, list[WorkspaceEvent]] = {}
        for event in events:
            if event.workspace_id in self._streams:
                by_workspace.setdefault(event.workspace_id, []).append(event)
        for workspace_id, batch in by_workspace.items():
            read = Read(batch)
            for stream in tuple(self._streams.get(workspace_id, ())):
                stream.offer(read)

    async def _tick_forever(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(self._idle_seconds / 3)
            now, clock_now = self._clock.now(), loop.time()
            for streams in list(self._streams.values()):
                for stream in list(streams):
                    stream.tick(now, clock_now, self._idle_seconds)
