"""One answer per burst, as the pipeline applies it (the rules are `ignacio.domain.bursts`'s):
when a message's job runs, answers or waits, which messages one answer covers, and the typing
indicator kept up while the assistant works."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from ignacio.application.ports import Clock, UnitOfWork
from ignacio.domain import Conversation, Message, ProcessingState
from ignacio.domain.bursts import (
    BURST_WINDOW,
    AnswerNow,
    BurstDecision,
    BurstPolicy,
    stands_alone,
)

T = TypeVar("T")

TYPING_REFRESH_SECONDS = 20.0
"""How often the typing indicator is shown again while the assistant works: WhatsApp drops it
after 25 seconds without an answer."""


class BurstChanged(Exception):
    """A message of the burst was answered, deleted or edited since the turn read it: the turn
    must be asked again, without storing its answer."""


class Bursts:
    """Where the pipeline meets `BurstPolicy`: it reads the conversation's newest messages once
    per decision, and marks what one answer covers in that answer's own transaction."""

    def __init__(
        self,
        policy: BurstPolicy,
        clock: Clock,
        *,
        typing_every: float = TYPING_REFRESH_SECONDS,
        pause: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._policy = policy
        self._clock = clock
        self._typing_every = typing_every
        self._pause = pause

    @classmethod
    def off(cls, clock: Clock) -> Bursts:
        return cls(BurstPolicy.off(), clock)

    async def delay(self, uow: UnitOfWork, message: Message) -> float:
        """Seconds before the job of `message`, just stored in this unit of work, should run."""
        if not self._policy.enabled or stands_alone(message):
            return 0.0
        recent = await uow.messages.recent(message.conversation_id, BURST_WINDOW)
        return self._policy.delay(recent, message, self._clock.now())

    async def decide(
        self, uow: UnitOfWork, conversation: Conversation, message: Message
    ) -> BurstDecision:
        """What the job of `message`, a member's message waiting for its answer, does now."""
        if not self._policy.enabled or stands_alone(message):
            return AnswerNow(messages=[message])
        recent = await uow.messages.recent(conversation.id, BURST_WINDOW)
        return self._policy.decide(recent, message, self._clock.now())

    async def fold(self, uow: UnitOfWork, answer: Message, earlier: Sequence[Message]) -> None:
        """Mark the burst's `earlier` messages answered by `answer`, in the transaction that
        stores it, after the conversation's row lock (which every answer takes first, so two
        turns never fold one message). Raises BurstChanged when one of them has been answered,
        deleted or edited since the turn read it: nothing of this turn may then be stored."""
        for said in earlier:
            current = await uow.messages.get(said.id, for_update=True)
            if (
                current is None
                or current.is_revoked
                or current.processing is not ProcessingState.PENDING
                or current.answered_by_id is not None
                or current.revision != said.revision
                or current.content != said.content
                or await uow.messages.reply_to(said.id) is not None
            ):
                raise BurstChanged(str(said.id))
            await uow.messages.update(current.answered_with(answer.id))

    async def while_typing(self, show: Callable[[], Awaitable[None]], work: Awaitable[T]) -> T:
        """`work`'s result, the typing indicator shown again (`show`) every `typing_every`
        seconds until it is ready; the first is shown by the caller, with the read receipt."""

        async def keep_typing() -> None:
            while True:
                await self._pause(self._typing_every)
                await show()

        refresher = asyncio.create_task(keep_typing())
        try:
            return await work
        finally:
            refresher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await refresher
