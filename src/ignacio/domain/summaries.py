"""Summaries of a conversation for the person of the team who takes it over: made on demand, and
by themselves when a conversation is handed to the team, so that the agent reads a few lines
before the thread.

A summary says which messages it read (up to the newest one, by time and id): once the
conversation has a message after that, the summary is stale, and a new one can be asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

import msgspec

from ignacio.domain.conversations import Message
from ignacio.domain.errors import InvalidInput
from ignacio.domain.history import HistoryWindow, unrevoked

MAX_SUMMARY_LENGTH = 4_000
"""A summary is read before a thread, not instead of it: a screenful at most."""

SUMMARY_MESSAGES = 60
SUMMARY_CHARS = 24_000
"""About 6,000 tokens, as the assistant's own history window: what a summary reads at most."""
MESSAGE_CHARS = 2_000
"""How much of each message a summary reads: one pasted document must not crowd out the rest
of the conversation (the window stops at the first message that does not fit)."""

NOTHING_TO_SUMMARISE = "This conversation has no messages yet: there is nothing to summarise."


def check_summary_text(text: str) -> str:
    """What a summary may say: not blank, and at most 4,000 characters."""
    cleaned = text.strip()
    if not cleaned:
        raise InvalidInput("A summary cannot be empty.")
    if len(cleaned) > MAX_SUMMARY_LENGTH:
        raise InvalidInput(f"A summary can have at most {MAX_SUMMARY_LENGTH} characters.")
    return cleaned


def fit_summary(text: str) -> str:
    """`text` cut to a summary's length (at a word, marked with an ellipsis) when a writer went
    past it: a summary slightly cut is worth more to the team than none."""
    cleaned = text.strip()
    if len(cleaned) <= MAX_SUMMARY_LENGTH:
        return cleaned
    cut = cleaned[: MAX_SUMMARY_LENGTH - 1].rsplit(" ", 1)[0].rstrip()
    return cut + "…"


class ConversationSummary(msgspec.Struct, frozen=True, kw_only=True):
    """A short account of a conversation, and what writing it cost (as an answer's accounting).

    `last_message_id` and `last_message_at` are the newest message it read: it covers the
    conversation up to there. `requested_by` is the person of the team who asked for it; None
    when it was made by itself, at a handoff.
    """

    id: UUID
    workspace_id: UUID
    conversation_id: UUID
    text: str
    model: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    latency_ms: int | None = None
    last_message_id: UUID
    last_message_at: datetime
    messages_read: int
    requested_by: UUID | None = None
    created_at: datetime

    def __post_init__(self) -> None:
        check_summary_text(self.text)
        if self.messages_read < 1:
            raise InvalidInput("A summary reads at least one message.")
        for count in (self.input_tokens, self.output_tokens, self.latency_ms):
            if count is not None and count < 0:
                raise InvalidInput("A summary's tokens and time cannot be negative.")

    @property
    def automatic(self) -> bool:
        return self.requested_by is None

    def covers(self, message: Message) -> bool:
        """Whether the message was written before the summary's newest one, or is it."""
        return (message.created_at, message.id) <= (self.last_message_at, self.last_message_id)

    def stale(self, newest: Message | None) -> bool:
        """Whether the conversation, whose newest message is `newest`, has moved on since."""
        return newest is not None and not self.covers(newest)


class SummaryWindow(msgspec.Struct, frozen=True, kw_only=True):
    """What a summary reads of a conversation: its newest `max_messages` messages, each cut to
    `message_chars` characters, no more than `max_chars` in all (see `HistoryWindow`)."""

    max_messages: int = SUMMARY_MESSAGES
    max_chars: int = SUMMARY_CHARS
    message_chars: int = MESSAGE_CHARS

    def __post_init__(self) -> None:
        if self.max_messages < 1 or self.max_chars < 1 or self.message_chars < 1:
            raise InvalidInput("A summary reads at least one message of at least one character.")

    def select(self, messages: Sequence[Message]) -> list[Message]:
        """The newest messages that fit, oldest first, each cut to its share; `messages` is in
        conversation order. The newest message is always read, cut if need be."""
        cut = [self._cut(message) for message in unrevoked(messages)[-self.max_messages :]]
        window = HistoryWindow(max_messages=self.max_messages, max_chars=self.max_chars)
        return window.select(cut) or cut[-1:]

    def _cut(self, message: Message) -> Message:
        content = _clip(message.content, self.message_chars)
        transcript = message.transcript
        if transcript is not None:
            transcript = _clip(transcript, self.message_chars)
        if content == message.content and transcript == message.transcript:
            return message
        return msgspec.structs.replace(message, content=content, transcript=transcript)


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "…"
