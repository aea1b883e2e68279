"""ResumeProcessing: queue every inbound message whose processing did not finish."""

from __future__ import annotations

from ignacio.application.ports import JobQueue, UnitOfWorkFactory

_BATCH = 500


class ResumeProcessing:
    """Run at start-up (and periodically by workers): messages accepted but not finished, say
    because the process was killed, are queued again; those a job waits for or runs are left to
    it. Processing is idempotent: a message queued twice in a race costs a look-up, never a
    second answer. Returns how many were queued."""

    def __init__(self, uow: UnitOfWorkFactory, queue: JobQueue) -> None:
        self._uow = uow
        self._queue = queue

    async def __call__(self) -> int:
        async with self._uow() as uow:
            pending = await uow.messages.pending_processing(_BATCH)
        return await self._queue.enqueue_lost(pending)
