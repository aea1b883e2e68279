"""Who may do what: the checks every use case shares."""

from __future__ import annotations

from uuid import UUID

from ignacio.application.ports import UnitOfWork
from ignacio.domain import Conflict, Conversation, NotFound, PermissionDenied, User
from ignacio.domain.workspaces import WorkspaceAccess


def require_admin(actor: User) -> None:
    if not actor.is_admin:
        raise PermissionDenied("Only an admin can do this.")


async def owned_conversation(
    uow: UnitOfWork, access: WorkspaceAccess, conversation_id: UUID, *, for_update: bool = False
) -> Conversation:
    """The member's own conversation in the workspace they act in; someone else's, or one in
    another workspace, looks exactly like one that does not exist. `for_update`: its state
    is theirs to change until the unit of work ends."""
    conversation = await uow.conversations.get(
        access.workspace.id, conversation_id, for_update=for_update
    )
    if conversation is None or conversation.user_id != access.user.id:
        raise NotFound("There is no such conversation.")
    return conversation


async def existing_user(uow: UnitOfWork, user_id: UUID) -> User:
    user = await uow.users.get(user_id)
    if user is None:
        raise NotFound("There is no such user.")
    return user


async def keep_one_admin(uow: UnitOfWork, leaving: User) -> None:
    """Refuse to take away the last active admin, or nobody could manage the system.

    The active admins stay locked until the unit of work ends, so that two admins taking each
    other's rights at the same moment cannot both succeed: the second waits, then finds itself
    the last one."""
    if not await uow.users.lock_active_admins() - {leaving.id}:
        raise Conflict("This is the last active admin. Make another admin first.")
