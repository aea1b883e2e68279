"""JobQueue port: work that happens after a request has been answered (a webhook acknowledged,
a login code requested)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol
from uuid import UUID


class JobQueue(Protocol):
    async def enqueue_processing(self, message_id: UUID, *, delay_seconds: float = 0) -> None:
        """Have the inbound message processed (ProcessInbound), once, after the delay.

        Enqueuing a message that is already waiting is harmless: it is processed once.
        """
        ...

    async def enqueue_lost(self, message_ids: Sequence[UUID]) -> int:
        """Queue each of these messages that no job waits for or runs (a sweep for lost work);
        returns how many were queued.

        Unlike `enqueue_processing`, a message whose job runs now is not queued to run again:
        that job finishes it, or queues it again itself.
        """
        ...

    async def enqueue_file_sync(self, file_id: UUID, *, delay_seconds: float = 0) -> None:
        """Have the member's file extracted and indexed (SyncFile), once, after the delay.

        Enqueuing a file that is already waiting is harmless: it is synced once.
        """
        ...

    async def enqueue_login_code(self, challenge_id: UUID) -> None:
        """Have the login code of this challenge drawn and sent (SendLoginCode), soon.

        Enqueuing a challenge that is already waiting is harmless: it gets one code. The job
        carries the challenge's id only, never the number or the code.
        """
        ...

    async def enqueue_summary(self, conversation_id: UUID) -> None:
        """Have a summary of the conversation made (SummarizeHandedOver), soon.

        Enqueuing a conversation that is already waiting is harmless: it is summarised once.
        The job's handler is told which attempt it runs (1, 2, ...): it asks to run again after
        a delay when the model is unavailable, and gives up when its attempts are spent.
        """
        ...

    async def enqueue_inbox_drain(self) -> None:
        """Have the webhook inbox drained (DrainWebhookInbox) soon.

        While a drain waits to start, asking again is harmless; asking while one runs queues
        another, so that a delivery kept after the running drain last looked is not left behind.
        """
        ...
