"""ListMessages: a page of one of the member's conversations."""

from __future__ import annotations

from uuid import UUID

from ignacio.application.authorization import owned_conversation
from ignacio.application.ports import UnitOfWorkFactory
from ignacio.domain import Message, Page, PageRequest, User


class ListMessages:
    """Page through a conversation's messages, newest or oldest first.

    - Only the owner sees them; anyone else is told the conversation does not exist.
    """

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, me: User, conversation_id: UUID, page: PageRequest) -> Page[Message]:
        async with self._uow() as uow:
            await owned_conversation(uow, me, conversation_id)
            return await uow.messages.list(conversation_id, page)
