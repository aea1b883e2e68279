"""Joining two members who are one person (see `ignacio.domain.merging` for when).

`join_members` runs inside the caller's unit of work, so the join commits with what found it
(the message that named both halves, the YES that confirmed a link) or not at all.
`MemberMerges.settle` runs after the commit: the joined member's files are indexed again under
the survivor (an index keeps passages by owner, and a remote one keeps a store per member), and
whatever the indexes kept for the member who is gone is dropped. A crash between the two loses
nothing: the files are left pending, which the sync sweep picks up.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

import msgspec

from ignacio.application.auditing import Auditor
from ignacio.application.ports import DocumentIndex, JobQueue, UnitOfWork
from ignacio.application.workspaces import every_workspace_id
from ignacio.domain import Order, PageRequest, User
from ignacio.domain.knowledge import UserFile
from ignacio.domain.merging import higher_role, joined

# Standard logging: the core takes no logging framework; the entrypoint renders these with structlog.
log = logging.getLogger(__name__)

MERGE = "user.merge"


class Joined(msgspec.Struct, frozen=True, kw_only=True):
    """What a join left to do after its commit: the survivor as stored, the member who is gone,
    and the files that moved."""

    survivor: User
    gone: UUID
    files: tuple[UUID, ...]


async def join_members(
    uow: UnitOfWork,
    auditor: Auditor,
    survivor: User,
    joining: User,
    at: datetime,
    *,
    reason: str,
    actor_id: UUID | None = None,
) -> Joined:
    """Join `joining` to `survivor` (everything of theirs moves, see
    `UserRepository.merge_into`): in a workspace where both had a role the higher stays; the
    survivor takes what it lacked (`ignacio.domain.merging.joined`). Audited as `user.merge`,
    by `actor_id` (None: the provider's word), with `reason`, among the platform's entries (a
    person spans workspaces)."""
    mine = {j.workspace.id: j.role for j in await uow.workspaces.of_user(survivor.id)}
    for theirs in await uow.workspaces.of_user(joining.id):
        where = theirs.workspace.id
        if where in mine and higher_role(mine[where], theirs.role) is not mine[where]:
            membership = await uow.memberships.get(where, survivor.id)
            if membership is not None:
                await uow.memberships.update(membership.as_role(theirs.role, at))
    files = await every_file_of(uow, joining.id)
    await uow.users.merge_into(joining.id, survivor.id)
    for file in files:
        await uow.files.update(file.resync_requested())
    after = joined(survivor, joining, at)
    if after is not survivor:
        await uow.users.update(after)
    await auditor.record(
        uow,
        actor_id,
        MERGE,
        "user",
        survivor.id,
        joined=str(joining.id),
        reason=reason,
        files=len(files),
    )
    log.info(
        "two members joined as one",
        extra={"survivor": str(survivor.id), "joined": str(joining.id), "reason": reason},
    )
    return Joined(survivor=after, gone=joining.id, files=tuple(file.id for file in files))


async def every_file_of(uow: UnitOfWork, user_id: UUID) -> list[UserFile]:
    """The person's files in every workspace (a person spans them: joining or deleting one is
    the platform's business)."""
    files: list[UserFile] = []
    for workspace_id in await every_workspace_id(uow):
        request = PageRequest(limit=200, order=Order.OLDEST_FIRST)
        while True:
            page = await uow.files.list(workspace_id, request, user_id=user_id)
            files.extend(page.items)
            if page.next is None:
                break
            request = PageRequest(limit=200, after=page.next, order=Order.OLDEST_FIRST)
    return files


class MemberMerges:
    """What a committed join leaves to the indexes (see the module's doc)."""

    def __init__(self, queue: JobQueue, indexes: Sequence[DocumentIndex]) -> None:
        self._queue = queue
        self._indexes = indexes

    async def settle(self, done: Joined) -> None:
        for index in self._indexes:
            try:
                await index.forget_member(done.gone)
            except Exception:
                # Left behind under an id nobody has: never searched, only kept.
                log.warning(
                    "a joined member's index entries were left behind",
                    extra={"user_id": str(done.gone), "index": type(index).__name__},
                    exc_info=True,
                )
        for file_id in done.files:
            await self._queue.enqueue_file_sync(file_id)
