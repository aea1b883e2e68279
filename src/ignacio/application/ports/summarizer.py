"""Summarizer port: a short account of a conversation for the person of the team taking it over."""

from __future__ import annotations

from typing import Protocol

import msgspec

from ignacio.domain import Conversation, Message, User
from ignacio.domain.workspaces import Workspace


class SummarySource(msgspec.Struct, frozen=True, kw_only=True):
    """What a summary is written from.

    `messages` is the conversation's window (`SummaryWindow`), oldest first, never empty;
    `earlier` says it has older messages, which the summary does not read.
    `reason` is why it was last handed to the team, when it was.
    """

    workspace: Workspace
    """Whose team reads it: its name, its assistant's name, its language and model."""
    member: User | None
    conversation: Conversation
    messages: list[Message]
    earlier: bool = False
    reason: str | None = None


class SummaryDraft(msgspec.Struct, frozen=True, kw_only=True):
    """A summary as its writer gives it, and what writing it cost."""

    text: str
    model: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    latency_ms: int | None = None


class Summarizer(Protocol):
    async def summarize(self, source: SummarySource) -> SummaryDraft:
        """A few lines on the conversation: who the member is, what they want, what was done or
        promised, what is still open. Raises UpstreamUnavailable when the model cannot be
        reached, is too slow, refuses the request or answers with nothing usable."""
        ...
