"""What the use cases that ask the assistant gather for it besides the conversation."""

from __future__ import annotations

from uuid import UUID

import msgspec

from ignacio.application.ports import AssistantReply, UnitOfWork
from ignacio.domain import Message, PageRequest
from ignacio.domain.knowledge import UserFile

FILES_IN_CONTEXT = 50
"""The member's newest files the assistant is told about by name; it searches all of them."""


async def files_of(uow: UnitOfWork, user_id: UUID) -> list[UserFile]:
    """The member's newest files, newest first."""
    page = await uow.files.list(PageRequest(limit=FILES_IN_CONTEXT), user_id=user_id)
    return list(page.items)


def with_accounting(answer: Message, reply: AssistantReply | None) -> Message:
    """The answer with what producing it cost (seed 002), from the reply that produced it."""
    if reply is None:
        return answer
    return msgspec.structs.replace(
        answer,
        ai_model=reply.model,
        input_tokens=reply.input_tokens,
        output_tokens=reply.output_tokens,
        latency_ms=reply.latency_ms,
    )
