"""CreateConversation: a member starts a new conversation on the web."""

from __future__ import annotations

import msgspec

from ignacio.application.ports import Clock, IdGenerator, UnitOfWorkFactory
from ignacio.domain import Channel, Conversation
from ignacio.domain.conversations import check_title
from ignacio.domain.workspaces import WorkspaceAccess


class CreateConversationCommand(msgspec.Struct, frozen=True, kw_only=True):
    title: str | None = None


class CreateConversation:
    """Start a conversation owned by the caller.

    - The title is optional; without one, the first message names the conversation.
    - It is in the workspace the caller acts in.
    """

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, ids: IdGenerator) -> None:
        self._uow = uow
        self._clock = clock
        self._ids = ids

    async def __call__(
        self, access: WorkspaceAccess, command: CreateConversationCommand
    ) -> Conversation:
        title = check_title(command.title) if command.title is not None else None
        now = self._clock.now()
        async with self._uow() as uow:
            conversation = Conversation(
                id=self._ids.new_id(),
                workspace_id=access.workspace.id,
                user_id=access.user.id,
                title=title,
                channel=Channel.WEB,
                created_at=now,
                updated_at=now,
            )
            await uow.conversations.add(conversation)
            await uow.commit()
        return conversation
