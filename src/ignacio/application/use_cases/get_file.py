"""GetFile and DownloadFile: a file's metadata and content, for its owner or an admin."""

from __future__ import annotations

from uuid import UUID

import msgspec

from ignacio.application.auditing import Auditor
from ignacio.application.file_intake import visible_file
from ignacio.application.ports import BlobStorage, UnitOfWorkFactory
from ignacio.domain import NotFound
from ignacio.domain.knowledge import UserFile
from ignacio.domain.workspaces import WorkspaceAccess


class GetFile:
    """The file's metadata, in the workspace the caller acts in. An admin reading another
    member's file is audited."""

    def __init__(self, uow: UnitOfWorkFactory, auditor: Auditor) -> None:
        self._uow = uow
        self._auditor = auditor

    async def __call__(self, access: WorkspaceAccess, file_id: UUID) -> UserFile:
        async with self._uow() as uow:
            file = await visible_file(uow, access, file_id, to_read=True)
            if file.user_id != access.user.id:
                await self._auditor.record(
                    uow,
                    access.user.id,
                    "file.view",
                    "file",
                    file.id,
                    workspace_id=file.workspace_id,
                    owner_id=str(file.user_id),
                )
                await uow.commit()
        return file


class FileContent(msgspec.Struct, frozen=True, kw_only=True):
    file: UserFile
    content: bytes


class DownloadFile:
    """The file's content, in the workspace the caller acts in. An admin downloading another
    member's file is audited."""

    def __init__(self, uow: UnitOfWorkFactory, storage: BlobStorage, auditor: Auditor) -> None:
        self._uow = uow
        self._storage = storage
        self._auditor = auditor

    async def __call__(self, access: WorkspaceAccess, file_id: UUID) -> FileContent:
        me = access.user
        async with self._uow() as uow:
            file = await visible_file(uow, access, file_id, to_read=True)
        try:
            content = await self._storage.get(file.file_path)
        except NotFound as error:
            raise NotFound("The file's content is missing from storage.") from error
        if file.user_id != me.id:
            async with self._uow() as uow:
                await self._auditor.record(
                    uow,
                    me.id,
                    "file.download",
                    "file",
                    file.id,
                    workspace_id=file.workspace_id,
                    owner_id=str(file.user_id),
                )
                await uow.commit()
        return FileContent(file=file, content=content)
