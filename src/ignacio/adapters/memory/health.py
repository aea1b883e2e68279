"""The memory adapter set's health probes: nothing can be down, but messages can wait."""

from __future__ import annotations

from ignacio.adapters.memory.store import InMemoryStore
from ignacio.application.ports import Clock
from ignacio.domain import BacklogPolicy, CheckName, HealthCheck, ProcessingState


class MemoryHealthProbe:
    """Always healthy; stands in for the database check in the memory adapter set."""

    async def check(self) -> HealthCheck:
        return HealthCheck.passed(CheckName.DATABASE)


class MemoryStorageProbe:
    """Blobs in memory: always there, nothing to check."""

    async def check(self) -> HealthCheck:
        return HealthCheck.passed(CheckName.STORAGE, "in memory (nothing to check)")


class InMemoryBacklogProbe:
    """SqlBacklogProbe's count, over the store's messages."""

    def __init__(
        self, store: InMemoryStore, clock: Clock, policy: BacklogPolicy | None = None
    ) -> None:
        self._store = store
        self._clock = clock
        self._policy = policy or BacklogPolicy()

    async def check(self) -> HealthCheck:
        pending = [
            message.created_at
            for message in self._store.messages.values()
            if message.processing is ProcessingState.PENDING
        ]
        return self._policy.check(len(pending), min(pending, default=None), self._clock.now())
