"""UploadFile: a member adds a file to their library from the web."""

from __future__ import annotations

from ignacio.application.file_intake import FileIntake
from ignacio.application.ports import IdGenerator, UnitOfWorkFactory
from ignacio.domain.knowledge import FileSource, UserFile
from ignacio.domain.workspaces import WorkspaceAccess


class UploadFile:
    """Keep the file privately in the member's folder and queue its extraction and indexing.

    - The type is decided from the content; over 25 MB or an unsupported type is refused.
    - The row is committed only after the blob is stored; a failed commit removes the blob.
    - The file belongs to the workspace the member acts in.
    """

    def __init__(self, uow: UnitOfWorkFactory, intake: FileIntake, ids: IdGenerator) -> None:
        self._uow = uow
        self._intake = intake
        self._ids = ids

    async def __call__(
        self, access: WorkspaceAccess, file_name: str | None, content: bytes
    ) -> UserFile:
        file = await self._intake.keep(
            file_id=self._ids.new_id(),
            workspace_id=access.workspace.id,
            owner_id=access.user.id,
            file_name=file_name,
            content=content,
            source=FileSource.WEB,
        )
        try:
            async with self._uow() as uow:
                await uow.files.add(file)
                await uow.commit()
        except BaseException:
            await self._intake.discard(file)
            raise
        await self._intake.queue_sync(file)
        return file
