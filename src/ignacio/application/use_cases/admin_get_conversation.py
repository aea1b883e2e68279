"""AdminGetConversation: one conversation with its owner and messages, for admins."""

from __future__ import annotations

from uuid import UUID

import msgspec

from ignacio.application.auditing import Auditor
from ignacio.application.identities import shown_identities
from ignacio.application.ports import UnitOfWorkFactory
from ignacio.domain import (
    Conversation,
    Message,
    NotFound,
    Page,
    PageRequest,
    User,
    WhatsAppIdentity,
)
from ignacio.domain.workspaces import WorkspaceAccess


class AdminConversationView(msgspec.Struct, frozen=True, kw_only=True):
    conversation: Conversation
    owner: User
    messages: Page[Message]
    owner_identity: WhatsAppIdentity | None = None
    """The WhatsApp identity the owner is shown with (see `shown_identities`)."""


class AdminGetConversation:
    """Read any conversation of the workspace and a page of its messages.

    - The workspace's admins (and platform admins) only; a conversation of another workspace
      does not exist here. Every read is recorded in the audit log.
    """

    def __init__(self, uow: UnitOfWorkFactory, auditor: Auditor) -> None:
        self._uow = uow
        self._auditor = auditor

    async def __call__(
        self, access: WorkspaceAccess, conversation_id: UUID, page: PageRequest
    ) -> AdminConversationView:
        access.require_admin()
        workspace_id = access.workspace.id
        async with self._uow() as uow:
            conversation = await uow.conversations.get(workspace_id, conversation_id)
            owner = await uow.users.get(conversation.user_id) if conversation else None
            if conversation is None or owner is None:
                raise NotFound("There is no such conversation.")
            messages = await uow.messages.list(workspace_id, conversation.id, page)
            shown = await shown_identities(uow, [owner])
            await self._auditor.record(
                uow,
                access.user.id,
                "conversation.view",
                "conversation",
                conversation.id,
                workspace_id=workspace_id,
                owner_id=str(owner.id),
            )
            await uow.commit()
        return AdminConversationView(
            conversation=conversation,
            owner=owner,
            messages=messages,
            owner_identity=shown.get(owner.id),
        )
