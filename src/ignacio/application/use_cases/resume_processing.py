"""ResumeProcessing: queue every inbound message whose processing did not finish."""

from __future__ import annotations

from ignacio.application.ports import JobQueue, UnitOfWorkFactory

_BATCH = 500


class ResumeProcessing:
    """Run at start-up (and periodically by workers): messages accepted but not finished, say
    because the process was killed, are queued again. Processing is idempotent, so queueing one
    that another worker is already on costs a look-up, never a second answer."""

    def __init__(self, uow: UnitOfWorkFactory, queue: JobQueue) -> None:
        self._uow = uow
        self._queue = queue

    async def __call__(self) -> int:
        async with self._uow() as uow:
            pending = await uow.messages.pending_processing(_BATCH)
        for message_id in pending:
            await self._queue.enqueue_processing(message_id)
        return len(pending)
