"""DeleteFile: the file goes, with its blob, its index entries and any remote copy."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from ignacio.application.auditing import Auditor
from ignacio.application.file_intake import forget_everywhere, visible_file
from ignacio.application.ports import BlobStorage, DocumentIndex, UnitOfWorkFactory
from ignacio.domain.workspaces import WorkspaceAccess


class DeleteFile:
    """Owner or an admin of the file's workspace, acting in it (audited when it is another
    member's file).

    The index entries and the blob go first and the row last: each step is idempotent, so a
    failure halfway leaves the file listed, and deleting it again finishes the job; nothing is
    left unreachable.
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        storage: BlobStorage,
        indexes: Sequence[DocumentIndex],
        auditor: Auditor,
    ) -> None:
        self._uow = uow
        self._storage = storage
        self._indexes = indexes
        self._auditor = auditor

    async def __call__(self, access: WorkspaceAccess, file_id: UUID) -> None:
        me = access.user
        async with self._uow() as uow:
            file = await visible_file(uow, access, file_id)
        await forget_everywhere(file, self._indexes, self._storage)
        async with self._uow() as uow:
            await uow.files.delete(file.workspace_id, file.id)
            if file.user_id != me.id:
                await self._auditor.record(
                    uow,
                    me.id,
                    "file.delete",
                    "file",
                    file.id,
                    workspace_id=file.workspace_id,
                    owner_id=str(file.user_id),
                    file_name=file.file_name,
                )
            await uow.commit()
