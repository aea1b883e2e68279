"""DeleteUser: an admin removes a member and everything that is theirs."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from uuid import UUID

from ignacio.application.auditing import Auditor
from ignacio.application.authorization import existing_user, keep_one_admin, require_admin
from ignacio.application.file_intake import forget_everywhere
from ignacio.application.merging import every_file_of
from ignacio.application.ports import BlobStorage, DocumentIndex, UnitOfWorkFactory
from ignacio.application.use_cases.team_inbox import release_conversations_of
from ignacio.application.workspaces import keep_their_workspaces_run
from ignacio.domain import Conflict, User

log = logging.getLogger(__name__)


class DeleteUser:
    """Delete a user with their conversations, messages, sessions and files.

    - Admins only; an admin cannot delete themselves (deactivate instead, or ask another admin).
    - The last active admin cannot be deleted.
    - Recorded in the audit log (the entry keeps only the user's id).
    - Their files' blobs, index entries and remote copies go after the rows, then whatever an
      index keeps for the member (their OpenAI vector store); a failure there is logged and
      left behind, never undoing the deletion.
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        auditor: Auditor,
        storage: BlobStorage,
        indexes: Sequence[DocumentIndex],
    ) -> None:
        self._uow = uow
        self._auditor = auditor
        self._storage = storage
        self._indexes = indexes

    async def __call__(self, actor: User, user_id: UUID) -> None:
        require_admin(actor)
        if actor.id == user_id:
            raise Conflict("You cannot delete your own account.")
        async with self._uow() as uow:
            user = await existing_user(uow, user_id)
            if user.is_admin and user.is_active:
                await keep_one_admin(uow, user)
            await keep_their_workspaces_run(uow, user)
            files = await every_file_of(uow, user.id)
            await release_conversations_of(uow, self._auditor, None, user.id)
            await uow.users.delete(user.id)
            await self._auditor.record(uow, actor.id, "user.delete", "user", user.id)
            await uow.commit()
        for file in files:
            try:
                await forget_everywhere(file, self._indexes, self._storage)
            except Exception:
                log.warning(
                    "a deleted member's file was left behind",
                    extra={"file_id": str(file.id), "path": file.file_path},
                    exc_info=True,
                )
        for index in self._indexes:
            try:
                await index.forget_member(user.id)
            except Exception:
                log.warning(
                    "a deleted member's index entries were left behind",
                    extra={"user_id": str(user.id), "index": type(index).__name__},
                    exc_info=True,
                )
