"""Answers Ignacio itself gives a member's message (a login's question, a command's answer),
stored like the assistant's so the pipeline sends each exactly once."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from ignacio.application.events import message_added
from ignacio.application.ports import UnitOfWork
from ignacio.domain import Conversation, Message


async def store_reply(
    uow: UnitOfWork,
    conversation: Conversation,
    inbound: Message,
    text: str,
    *,
    id: UUID,
    at: datetime,
) -> Message:
    """The answer to `inbound`, stored as the assistant's (its parts are cut when it is sent),
    the conversation's activity moved on; Conflict when another run answered first."""
    reply = Message.answer(inbound, id=id, content=text, at=at)
    await uow.messages.add(reply)
    await message_added(uow, reply, at)
    current = await uow.conversations.get(
        conversation.workspace_id, conversation.id, for_update=True
    )
    if current is not None:
        await uow.conversations.update(current.active_at(reply.created_at))
    return reply
