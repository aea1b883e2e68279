"""What the use cases share about workspaces: finding one, the caller's rights in it, joining it.

A workspace is named by its id or its short name (`slug`), in every entrypoint alike. Someone who
may not see a workspace finds it exactly as if it did not exist.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from ignacio.application.ports import IdGenerator, UnitOfWork
from ignacio.domain import (
    Conflict,
    Conversation,
    InvalidInput,
    NotFound,
    Order,
    PageRequest,
    User,
)
from ignacio.domain.workspaces import (
    DEFAULT_SLUG,
    Joined,
    Membership,
    Workspace,
    WorkspaceAccess,
    WorkspaceRole,
)

NO_SUCH_WORKSPACE = "There is no such workspace."


async def find_workspace(uow: UnitOfWork, ref: str | UUID) -> Workspace | None:
    """The workspace `ref` names: its id, or its short name."""
    if isinstance(ref, UUID):
        return await uow.workspaces.get(ref)
    try:
        return await uow.workspaces.get(UUID(ref))
    except ValueError:
        return await uow.workspaces.get_by_slug(ref.strip().lower())


async def access_to(uow: UnitOfWork, user: User, ref: str | UUID) -> WorkspaceAccess:
    """The caller's rights in the workspace `ref` names; NotFound if it does not exist or they
    are neither in it nor a platform admin."""
    workspace = await find_workspace(uow, ref)
    if workspace is None:
        raise NotFound(NO_SUCH_WORKSPACE)
    membership = await uow.memberships.get(workspace.id, user.id)
    if membership is None and not user.is_admin:
        raise NotFound(NO_SUCH_WORKSPACE)
    return WorkspaceAccess(
        user=user, workspace=workspace, role=membership.role if membership else None
    )


WORKSPACE_HEADER = "Ignacio-Workspace"
"""The HTTP header a request names the workspace it acts in by (its id or short name)."""


async def resolve_access(
    uow: UnitOfWork, user: User, ref: str | None, *, own: list[Joined] | None = None
) -> WorkspaceAccess:
    """The workspace a request acts in, and the caller's rights there.

    - Named (`ref`, an id or a short name): that one, if the caller is in it or a platform
      admin; NotFound otherwise, exactly as for a workspace that does not exist.
    - Not named: the caller's only workspace; the default one for a platform admin in none;
      NotFound for anyone else in none; InvalidInput, naming their workspaces, for someone in
      several (the request must say which).

    `own`: the caller's workspaces (`of_user`) when the caller read them already.
    """
    # One read in the common cases, none when given: the caller's workspaces with their roles.
    if own is None:
        own = await uow.workspaces.of_user(user.id)
    if ref is not None and ref.strip():
        named = ref.strip()
        for joined in own:
            if joined.named(named):
                return WorkspaceAccess(user=user, workspace=joined.workspace, role=joined.role)
        if not user.is_admin:
            raise NotFound(NO_SUCH_WORKSPACE)
        return await access_to(uow, user, named)
    if len(own) == 1:
        return WorkspaceAccess(user=user, workspace=own[0].workspace, role=own[0].role)
    if not own:
        if user.is_admin:
            workspace = await default_workspace(uow)
            return WorkspaceAccess(user=user, workspace=workspace, role=None)
        raise NotFound(NO_SUCH_WORKSPACE)
    slugs = ", ".join(joined.workspace.slug for joined in own)
    raise InvalidInput(
        f"You belong to several workspaces ({slugs}): name one with the {WORKSPACE_HEADER} header."
    )


async def administered(uow: UnitOfWork, actor: User | None, ref: str | UUID) -> Workspace:
    """The workspace `ref` names, if `actor` administers it: a workspace admin or a platform
    admin; None is the operator at the command line, who is trusted."""
    if actor is not None:
        access = await access_to(uow, actor, ref)
        access.require_admin()
        return access.workspace
    workspace = await find_workspace(uow, ref)
    if workspace is None:
        raise NotFound(NO_SUCH_WORKSPACE)
    return workspace


async def default_workspace(uow: UnitOfWork) -> Workspace:
    """The workspace every database starts with (`first_workspace`)."""
    workspace = await uow.workspaces.get_by_slug(DEFAULT_SLUG)
    if workspace is None:
        raise NotFound("The default workspace is missing: run `ignacio migrate`, then start again.")
    return workspace


async def every_workspace_id(uow: UnitOfWork) -> list[UUID]:
    """Every workspace's id, oldest first: for the platform's own work that spans them all (the
    operator's resync, deleting a person), never for a caller's request."""
    ids: list[UUID] = []
    request = PageRequest(limit=100, order=Order.OLDEST_FIRST)
    while True:
        page = await uow.workspaces.list(request)
        ids.extend(workspace.id for workspace in page.items)
        if page.next is None:
            return ids
        request = PageRequest(limit=100, after=page.next, order=Order.OLDEST_FIRST)


async def workspace_of(uow: UnitOfWork, conversation: Conversation) -> Workspace:
    """The workspace a conversation belongs to, whose assistant answers in it."""
    workspace = await uow.workspaces.get(conversation.workspace_id)
    if workspace is None:  # the foreign key holds on SQL; only a broken store gets here
        raise NotFound(NO_SUCH_WORKSPACE)
    return workspace


async def join(
    uow: UnitOfWork,
    ids: IdGenerator,
    workspace: Workspace,
    user: User,
    role: WorkspaceRole,
    at: datetime,
) -> Membership:
    """Make `user` a member of `workspace` with `role`; Conflict if they are one already."""
    membership = Membership(
        id=ids.new_id(),
        workspace_id=workspace.id,
        user_id=user.id,
        role=role,
        created_at=at,
        updated_at=at,
    )
    await uow.memberships.add(membership)
    return membership


async def keep_one_workspace_admin(uow: UnitOfWork, workspace: Workspace, leaving: UUID) -> None:
    """Refuse to take the last active admin away from a workspace: its settings, numbers and
    team would have nobody to manage them but the platform's admins. The admins stay locked
    until the unit of work ends, so two admins demoting each other cannot both succeed."""
    if not await uow.memberships.lock_admins(workspace.id) - {leaving}:
        raise Conflict(
            f"This is the last admin of {workspace.name}. Make someone else its admin first."
        )


async def keep_their_workspaces_run(uow: UnitOfWork, user: User) -> None:
    """Refuse to deactivate or delete a person who is the last active admin of a workspace (the
    platform's user endpoints would otherwise do what the workspace's own team endpoints
    refuse)."""
    for joined in await uow.workspaces.of_user(user.id):
        if joined.role is WorkspaceRole.ADMIN and user.is_active:
            await keep_one_workspace_admin(uow, joined.workspace, user.id)


async def welcome(
    uow: UnitOfWork,
    ids: IdGenerator,
    user: User,
    at: datetime,
    *,
    into: Workspace | None = None,
    role: WorkspaceRole = WorkspaceRole.MEMBER,
) -> Membership:
    """Place a person who just became a user: in `into`, else in the default workspace (where
    everyone lands until channels route people to their own workspace)."""
    workspace = into if into is not None else await default_workspace(uow)
    return await join(uow, ids, workspace, user, role, at)
