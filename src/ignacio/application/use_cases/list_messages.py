"""ListMessages: a page of one of the member's conversations."""

from __future__ import annotations

from uuid import UUID

from ignacio.application.ports import UnitOfWorkFactory
from ignacio.domain import Message, NotFound, Page, PageRequest
from ignacio.domain.workspaces import WorkspaceAccess

TEAM = "Team"


class ListMessages:
    """Page through a conversation's messages, newest or oldest first.

    - Only the owner sees them, in the workspace the conversation is in; anyone else (and the
      owner acting in another workspace) is told the conversation does not exist.
    """

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(
        self, access: WorkspaceAccess, conversation_id: UUID, page: PageRequest
    ) -> Page[Message]:
        async with self._uow(read_only=True) as uow:
            # Ownership and page in one read: without a transaction, two separate statements
            # could see different moments (a conversation deleted in between).
            messages = await uow.messages.list_owned(
                access.workspace.id, conversation_id, access.user.id, page
            )
        if messages is None:
            raise NotFound("There is no such conversation.")
        return messages

    async def senders(self, page: Page[Message]) -> dict[UUID, str]:
        """The names of the team's people who wrote in the page by hand: what a member sees of
        them (their name alone, "Team" when they have none). No read when none did."""
        ids = {message.sent_by for message in page.items if message.sent_by is not None}
        if not ids:
            return {}
        async with self._uow(read_only=True) as uow:
            people = await uow.users.get_many(ids)
        return {person_id: person.name or TEAM for person_id, person in people.items()}
