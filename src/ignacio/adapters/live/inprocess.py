"""The event signal inside one process: SQLite and memory:// have one process writing (the one
that serves), so a commit there is all there is to hear."""

from __future__ import annotations

from collections.abc import Collection
from uuid import UUID

from ignacio.application.ports import Wake


class InProcessEventSignal:
    """Calls the listeners right after the commit, on the committing task: a listener only
    notes that it must read (it never reads inside the call)."""

    def __init__(self) -> None:
        self._listeners: list[Wake] = []

    def committed(self, workspace_ids: Collection[UUID]) -> None:
        for wake in self._listeners:
            for workspace_id in workspace_ids:
                wake(workspace_id)

    async def listen(self, wake: Wake) -> None:
        self._listeners.append(wake)

    async def close(self) -> None:
        self._listeners.clear()
