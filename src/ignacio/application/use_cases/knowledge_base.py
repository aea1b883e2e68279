"""A workspace's knowledge base: the documents its assistant answers every member from.

Its admins (and platform admins) upload, list, read, download, delete and resync documents; its
agents may list and read them (they answer the same people). A member never reaches them here:
they meet them as the passages the assistant cites. The documents go through the same checks,
extraction and indexing as members' files (`FileIntake`, `SyncFile`); what differs is whose they
are: no member's (`UserFile.user_id` None), so deleting the admin who gave one leaves it.

Every change is audited; reading is not (it is the organisation's own material, not a person's).
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from ignacio.application.auditing import Auditor
from ignacio.application.file_intake import FileIntake, forget_everywhere
from ignacio.application.ports import (
    BlobStorage,
    DocumentIndex,
    IdGenerator,
    UnitOfWork,
    UnitOfWorkFactory,
)
from ignacio.application.use_cases.get_file import FileContent
from ignacio.application.workspaces import access_to
from ignacio.domain import NotFound, Page, PageRequest, User
from ignacio.domain.knowledge import FileSource, Shelf, UserFile
from ignacio.domain.workspaces import WorkspaceAccess

NO_SUCH_DOCUMENT = "This workspace's knowledge base has no such document."


class UploadKnowledge:
    """Add a document to the workspace's knowledge base (its admins only), then have it
    extracted and indexed in the background (`sync_status` says how far it got).

    Same formats and limits as a member's file: the type is decided from the content; over
    25 MB or an unsupported type is refused before anything is stored. The row is committed
    only after the blob is stored; a failed commit removes the blob.
    """

    def __init__(
        self, uow: UnitOfWorkFactory, intake: FileIntake, ids: IdGenerator, auditor: Auditor
    ) -> None:
        self._uow = uow
        self._intake = intake
        self._ids = ids
        self._auditor = auditor

    async def __call__(self, me: User, ref: str, file_name: str | None, content: bytes) -> UserFile:
        async with self._uow(read_only=True) as uow:
            access = await access_to(uow, me, ref)
            access.require_admin()
        # Refused before the blob is stored, not after.
        media_type = self._intake.media_type_of(content, file_name)
        file = await self._intake.keep(
            file_id=self._ids.new_id(),
            workspace_id=access.workspace.id,
            owner_id=None,
            uploaded_by=me.id,
            file_name=file_name,
            content=content,
            source=FileSource.WEB,
            media_type=media_type,
        )
        try:
            async with self._uow() as uow:
                await uow.files.add(file)
                await self._auditor.record(
                    uow,
                    me.id,
                    "knowledge.upload",
                    "file",
                    file.id,
                    workspace_id=file.workspace_id,
                    file_name=file.file_name,
                )
                await uow.commit()
        except BaseException:
            await self._intake.discard(file)
            raise
        await self._intake.queue_sync(file)
        return file


class ListKnowledge:
    """The knowledge base's documents, newest first by default, paged by cursor (its admins
    and agents)."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, me: User, ref: str, page: PageRequest) -> Page[UserFile]:
        async with self._uow(read_only=True) as uow:
            access = await access_to(uow, me, ref)
            access.require_team()
            return await uow.files.list(access.workspace.id, page, shelf=Shelf.KNOWLEDGE)


class GetKnowledge:
    """One document's metadata, with how far its extraction and sync got (admins, agents)."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, me: User, ref: str, document_id: UUID) -> UserFile:
        async with self._uow(read_only=True) as uow:
            access = await access_to(uow, me, ref)
            access.require_team()
            return await _document(uow, access, document_id)


class DownloadKnowledge:
    """One document's content (admins, agents)."""

    def __init__(self, uow: UnitOfWorkFactory, storage: BlobStorage) -> None:
        self._uow = uow
        self._storage = storage

    async def __call__(self, me: User, ref: str, document_id: UUID) -> FileContent:
        async with self._uow(read_only=True) as uow:
            access = await access_to(uow, me, ref)
            access.require_team()
            document = await _document(uow, access, document_id)
        try:
            content = await self._storage.get(document.file_path)
        except NotFound as error:
            raise NotFound("The document's content is missing from storage.") from error
        return FileContent(file=document, content=content)


class DeleteKnowledge:
    """Take a document out of the knowledge base (its admins): its index entries, any copy at
    OpenAI, its blob, then its row, each step idempotent, so deleting again finishes a delete
    that failed halfway. From then on no answer can quote it."""

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

    async def __call__(self, me: User, ref: str, document_id: UUID) -> None:
        async with self._uow(read_only=True) as uow:
            access = await access_to(uow, me, ref)
            access.require_admin()
            document = await _document(uow, access, document_id)
        await forget_everywhere(document, self._indexes, self._storage)
        async with self._uow() as uow:
            await uow.files.delete(document.workspace_id, document.id)
            await self._auditor.record(
                uow,
                me.id,
                "knowledge.delete",
                "file",
                document.id,
                workspace_id=document.workspace_id,
                file_name=document.file_name,
            )
            await uow.commit()


class ResyncKnowledge:
    """Extract and index a document again from the start, whatever became of it (its admins):
    after a failure was fixed, or to have it uploaded to a newly configured vector store. The
    work is queued; `sync_status` is `pending` until it is done."""

    def __init__(self, uow: UnitOfWorkFactory, intake: FileIntake, auditor: Auditor) -> None:
        self._uow = uow
        self._intake = intake
        self._auditor = auditor

    async def __call__(self, me: User, ref: str, document_id: UUID) -> UserFile:
        async with self._uow() as uow:
            access = await access_to(uow, me, ref)
            access.require_admin()
            document = (await _document(uow, access, document_id)).resync_requested()
            await uow.files.update(document)
            await self._auditor.record(
                uow,
                me.id,
                "knowledge.resync",
                "file",
                document.id,
                workspace_id=document.workspace_id,
            )
            await uow.commit()
        await self._intake.queue_sync(document)
        return document


async def _document(uow: UnitOfWork, access: WorkspaceAccess, document_id: UUID) -> UserFile:
    """The knowledge document in the caller's workspace; a member's file, or one of another
    workspace, looks like one that does not exist."""
    found = await uow.files.get(access.workspace.id, document_id)
    if found is None or found.shelf is not Shelf.KNOWLEDGE:
        raise NotFound(NO_SUCH_DOCUMENT)
    return found
