"""The event log (`uow.events`) and the signal that wakes its readers."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime
from typing import Protocol
from uuid import UUID

from ignacio.domain.events import WorkspaceEvent


class EventLog(Protocol):
    """Every change the open web apps are told of, kept for a while so that a client that
    reconnects catches up (the outbox: written in the transaction of the change it tells)."""

    async def append(self, event: WorkspaceEvent) -> None:
        """Store `event` with the unit of work's other changes: numbered, and readable, once it
        commits; never if it does not. Its `id` is ignored: the log numbers events, in
        increasing order (a number is never given twice, even after pruning), as late as it
        can, just before the commit, so that a number is seldom taken long before its event
        appears."""
        ...

    async def after(
        self, workspace_id: UUID | None, after_id: int, limit: int, member_id: UUID | None = None
    ) -> list[WorkspaceEvent]:
        """At most `limit` committed events numbered above `after_id`, in order: of one
        workspace (None: of all), and of one member's conversations when `member_id` is given.
        Numbers may be missing in between (another workspace's events, a transaction not yet
        committed, or one rolled back): see `passable`."""
        ...

    async def bounds(self) -> tuple[int, int]:
        """The lowest and highest numbers of the events kept, of every workspace; (0, 0) when
        there is none."""
        ...

    async def prune(self, before: datetime, limit: int) -> int:
        """Forget at most `limit` of the events stored before `before`, oldest first, always
        keeping the newest event (however old): a reader starting on the log starts after it,
        and the next event is then the next number, not one after a gap of forgotten numbers
        that would look like a transaction still to commit. How many were forgotten."""
        ...


Wake = Callable[[UUID | None], None]
"""Told that a workspace's events changed (None: maybe any workspace's: read everything)."""


class EventSignal(Protocol):
    """Wakes the readers of the log when events are committed, in this process or (where the
    database is shared) in another. It only wakes: the log is the truth, so a lost or late
    signal delays an event and never loses it."""

    def committed(self, workspace_ids: Collection[UUID]) -> None:
        """A unit of work of this process just committed events of these workspaces."""
        ...

    async def listen(self, wake: Wake) -> None:
        """Start calling `wake` for every commit of events, in any process that shares the log.
        After an interruption (a lost connection) it calls `wake(None)`: what was committed
        meanwhile was not signalled. Returns once listening, or after a short wait if that
        cannot be done yet (it keeps trying; the reader polls meanwhile)."""
        ...

    async def close(self) -> None:
        """Stop listening and release what listening holds."""
        ...
