"""ListMessages: a page of one of the member's conversations."""

from __future__ import annotations

from uuid import UUID

from ignacio.application.ports import UnitOfWorkFactory
from ignacio.domain import Message, NotFound, Page, PageRequest, User


class ListMessages:
    """Page through a conversation's messages, newest or oldest first.

    - Only the owner sees them; anyone else is told the conversation does not exist.
    """

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, me: User, conversation_id: UUID, page: PageRequest) -> Page[Message]:
        async with self._uow(read_only=True) as uow:
            # Ownership and page in one read: without a transaction, two separate statements
            # could see different moments (a conversation deleted in between).
            messages = await uow.messages.list_owned(conversation_id, me.id, page)
        if messages is None:
            raise NotFound("There is no such conversation.")
        return messages
