"""One answer per burst: a member's WhatsApp messages that arrive close together are answered in
one turn that reads all of them.

People type two or three short messages in a row; answering each one costs a billed message,
repeats what the next message would have said, and meets Meta's refusal of a second message to
the same person within seconds (131056). So a message waits a quiet period (`quiet_seconds`)
for the next one; a burst ends when the member has been quiet that long, or when its first
message has waited `max_wait_seconds`, so that a member who keeps typing is still answered.

The rules (`BurstPolicy.decide`, for the job that processes one message):

- A burst is a run of the conversation's member messages, in order, each still waiting for
  its answer: pending, not answered on its own, not answered with another burst, not deleted.
  A message that stands alone (`stands_alone`: a login code or a YES/NO, a command, `/human`,
  an edit asking something new, a kind of message we cannot read) is never part of one, and
  ends the run before it; a deleted message is skipped, as if never sent.
- Only the job of the burst's newest message answers it: the others yield to it (that job is
  queued, or the sweep queues it again after a crash), and look again once it should be done,
  so that a newest message deleted meanwhile leaves nothing behind. That job waits until the
  member has been quiet `quiet_seconds` since the newest message, or the first has waited
  `max_wait_seconds`, whichever is sooner; then the burst is answered, all of it.
- The answer replies to the newest message (one answer per message, as always); the earlier
  ones are marked answered by it (`Message.answered_with`) in the same transaction, so that
  no rerun, redelivery or other job answers any of them again.
- The quiet period is measured from when each message was stored, so a job that runs early
  (a restart queues every pending message at once) waits the rest of it.
- `quiet_seconds` 0 turns batching off: each message is answered on its own, as it comes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

import msgspec

from ignacio.domain.commands import is_command
from ignacio.domain.conversations import Author, Message, MessageType, ProcessingState
from ignacio.domain.errors import InvalidInput
from ignacio.domain.handover import asks_for_a_person
from ignacio.domain.message_login import answer_in, code_message

DEFAULT_QUIET_SECONDS = 2.0
DEFAULT_MAX_WAIT_SECONDS = 8.0
BURST_WINDOW = 50
"""How many of a conversation's newest messages are read to find a burst: far more than a
member may send within a maximum wait (their per-number limit is 10 a minute by default)."""


def stands_alone(message: Message) -> bool:
    """Whether the message is answered on its own, at once, never in a burst: what the pipeline
    answers before the assistant (a login code or a YES/NO to a login's question, a command,
    `/human`), an edit that asks something new (answered after the earlier answer, on its
    own), and what the assistant cannot read."""
    if message.revision > 0 or message.message_type is MessageType.UNSUPPORTED:
        return True
    text = message.content.strip()
    return (
        is_command(text)
        or asks_for_a_person(text)
        or code_message(text) is not None
        or answer_in(text) is not None
    )


def run_of(messages: Sequence[Message], message: Message) -> list[Message]:
    """The run of messages waiting for their answer that `message` belongs to, oldest first
    (`message` alone when it does not wait with others). `messages` are the conversation's
    newest ones, in conversation order; `message` is counted among them if missing."""
    every = {m.id: m for m in messages}
    every[message.id] = every.get(message.id, message)
    ordered = sorted(every.values(), key=lambda m: (m.created_at, m.id))
    answered = {m.reply_to_id for m in ordered if m.reply_to_id is not None}
    run: list[Message] = []
    found = False
    for member in ordered:
        if member.author is not Author.MEMBER or member.is_revoked:
            continue
        if _waits(member, answered):
            run.append(member)
            found = found or member.id == message.id
        elif found:
            break
        else:
            run = []
    return run if found else [message]


def _waits(message: Message, answered: set[UUID]) -> bool:
    return (
        message.processing is ProcessingState.PENDING
        and message.answered_by_id is None
        and message.id not in answered
        and not stands_alone(message)
    )


class AnswerNow(msgspec.Struct, frozen=True, kw_only=True):
    """Answer these messages now, in one turn, oldest first; the last is the one replied to."""

    messages: list[Message]

    @property
    def last(self) -> Message:
        return self.messages[-1]

    @property
    def earlier(self) -> list[Message]:
        """The burst's messages before its last, answered with it."""
        return self.messages[:-1]


class Wait(msgspec.Struct, frozen=True, kw_only=True):
    """The burst may go on: look again in `seconds`."""

    seconds: float


class Yield(msgspec.Struct, frozen=True, kw_only=True):
    """A newer message of the same burst was sent: its job answers this one too. Look again
    in `seconds` all the same (by then it is answered, and the look costs one read): should
    that message be deleted meanwhile, or its job not answer it, this one is not left behind."""

    newest_id: UUID
    seconds: float


BurstDecision = AnswerNow | Wait | Yield


class BurstPolicy(msgspec.Struct, frozen=True, kw_only=True):
    """How long a member's burst may last (see the module's rules); `quiet_seconds` 0: off."""

    quiet_seconds: float = DEFAULT_QUIET_SECONDS
    max_wait_seconds: float = DEFAULT_MAX_WAIT_SECONDS

    def __post_init__(self) -> None:
        if self.quiet_seconds < 0 or self.max_wait_seconds < 0:
            raise InvalidInput("A burst's quiet period and maximum wait cannot be negative.")
        if self.enabled and self.max_wait_seconds < self.quiet_seconds:
            raise InvalidInput("A burst's maximum wait cannot be shorter than its quiet period.")

    @classmethod
    def off(cls) -> BurstPolicy:
        """Each message answered on its own, as it comes."""
        return cls(quiet_seconds=0, max_wait_seconds=0)

    @property
    def enabled(self) -> bool:
        return self.quiet_seconds > 0

    def decide(self, messages: Sequence[Message], message: Message, now: datetime) -> BurstDecision:
        """What the job of `message` does now, given the conversation's newest `messages`."""
        if not self.enabled or stands_alone(message):
            return AnswerNow(messages=[message])
        run = run_of(messages, message)
        left = self._left(run, now)
        if run[-1].id != message.id:
            return Yield(newest_id=run[-1].id, seconds=max(left, 0.0) + self.quiet_seconds)
        if left > 0:
            return Wait(seconds=left)
        return AnswerNow(messages=run)

    def delay(self, messages: Sequence[Message], message: Message, now: datetime) -> float:
        """How long the job of `message`, just stored, should wait before it runs: until the
        quiet period after it ends, or the burst's maximum wait, whichever is sooner."""
        if not self.enabled or stands_alone(message):
            return 0.0
        run = run_of(messages, message)
        return max(0.0, self._left(run, now))

    def _left(self, run: Sequence[Message], now: datetime) -> float:
        quiet = self.quiet_seconds - (now - run[-1].created_at).total_seconds()
        longest = self.max_wait_seconds - (now - run[0].created_at).total_seconds()
        return min(quiet, longest)
