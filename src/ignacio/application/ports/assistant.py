"""Assistant port: the agent that answers a member's turn."""

from __future__ import annotations

from typing import Protocol

import msgspec

from ignacio.domain import Conversation, Message, User


class AssistantTurn(msgspec.Struct, frozen=True, kw_only=True):
    """Everything the assistant may know to answer: who asks, where, and what was said before."""

    user: User
    conversation: Conversation
    history: list[Message]
    message: Message


class AssistantReply(msgspec.Struct, frozen=True, kw_only=True):
    text: str
    model: str | None = None


class Assistant(Protocol):
    async def answer(self, turn: AssistantTurn) -> AssistantReply:
        """Answer the turn's message; raises UpstreamUnavailable when the model cannot be reached."""
        ...
