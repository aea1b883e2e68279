"""SyncFile: extract a file's text and make it searchable; QueueFileSyncs: find files to sync."""

from __future__ import annotations

import logging
from uuid import UUID

from ignacio.application.ports import (
    BlobStorage,
    Clock,
    DocumentIndex,
    IndexedFile,
    JobQueue,
    RemoteCopy,
    TextExtractor,
    UnitOfWorkFactory,
)
from ignacio.domain import NotFound, RetryPolicy, UpstreamUnavailable
from ignacio.domain.chunking import chunk_sections
from ignacio.domain.knowledge import (
    TEXT_CATEGORIES,
    Chunk,
    Extraction,
    ExtractionStatus,
    SyncStatus,
    UserFile,
)

log = logging.getLogger(__name__)

_SWEEP_BATCH = 500


class SyncFile:
    """`pending -> synced | failed`; a remote copy older than the remote index's retention is
    `expired`, then uploaded again.

    - Idempotent: a file that is synced (and whose remote copy is fresh) is left alone; indexing
      replaces what an earlier run indexed.
    - The text is extracted from the stored blob, chunked by structure, and indexed in the
      database index, then in the remote index (the member's OpenAI vector store) when there
      is one; the `remote_*` fields say where the remote copy is.
    - A remote index that cannot be reached is retried with backoff; after the policy's
      attempts the file is `failed`, with the reason. A file without text is still `synced`:
      there is nothing more to do, and `extraction_status` says why.
    Returns seconds after which to run again, or None when finished.
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        storage: BlobStorage,
        extractor: TextExtractor,
        index: DocumentIndex,
        remote: DocumentIndex | None,
        clock: Clock,
        retry: RetryPolicy,
    ) -> None:
        self._uow = uow
        self._storage = storage
        self._extractor = extractor
        self._index = index
        self._remote = remote
        self._clock = clock
        self._retry = retry

    async def __call__(self, file_id: UUID, *, force: bool = False) -> float | None:
        async with self._uow() as uow:
            file = await uow.files.find(file_id)
        if file is None:
            return None
        if not force and not self._due(file):
            return None
        if file.sync_status is SyncStatus.SYNCED and not force:
            file = await self._save(file.expired())
        try:
            extraction, chunks = await self._extract(file)
            indexed = IndexedFile(
                workspace_id=file.workspace_id,
                user_id=file.user_id,
                file_id=file.id,
                file_name=file.file_name,
                media_type=file.file_type,
                chunks=chunks,
            )
            await self._index.index(indexed)
            remote_copy: RemoteCopy | None = None
            if self._remote is not None:
                remote_copy = await self._remote.index(indexed) if chunks else None
                if not chunks:
                    await self._remote.remove(file.workspace_id, file.user_id, file.id)
        except UpstreamUnavailable as error:
            return await self._failed_attempt(file, error.message)
        except _StoredContentMissing:
            await self._save(
                file.sync_failed("The stored content of this file is missing.", attempted=False)
            )
            return None
        await self._save(
            file.synced(
                extraction,
                self._clock.now(),
                remote_file_id=remote_copy.file_id if remote_copy else None,
                remote_store_id=remote_copy.store_id if remote_copy else None,
                remote_uploaded_at=remote_copy.uploaded_at if remote_copy else None,
            )
        )
        log.info(
            "file synced",
            extra={"file_id": str(file.id), "chunks": len(chunks), "remote": bool(remote_copy)},
        )
        return None

    def _due(self, file: UserFile) -> bool:
        status = file.sync_status
        if status in (SyncStatus.PENDING, SyncStatus.EXPIRED):
            return True
        retention = self._remote.retention if self._remote is not None else None
        return (
            status is SyncStatus.SYNCED
            and retention is not None
            and file.remote_uploaded_at is not None
            and file.remote_uploaded_at < self._clock.now() - retention
        )

    async def _extract(self, file: UserFile) -> tuple[Extraction, list[Chunk]]:
        if file.category not in TEXT_CATEGORIES:
            return Extraction(status=ExtractionStatus.NOT_APPLICABLE), []
        try:
            content = await self._storage.get(file.file_path)
        except NotFound as error:
            raise _StoredContentMissing from error
        extraction = await self._extractor.extract(content, file.file_type)
        if extraction.status is not ExtractionStatus.EXTRACTED:
            return extraction, []
        return extraction, chunk_sections(extraction.sections)

    async def _failed_attempt(self, file: UserFile, reason: str) -> float | None:
        attempts = file.sync_attempts + 1
        if self._retry.exhausted(attempts):
            log.warning("file sync failed", extra={"file_id": str(file.id), "reason": reason})
            await self._save(file.sync_failed(reason))
            return None
        await self._save(file.sync_retried(reason))
        return self._retry.delay(attempts)

    async def _save(self, file: UserFile) -> UserFile:
        async with self._uow() as uow:
            try:
                await uow.files.update(file)
            except NotFound:
                return file  # deleted meanwhile: nothing to record
            await uow.commit()
        return file


class QueueFileSyncs:
    """Queue every file whose sync is not done, or whose remote copy is about to lapse: run at
    start-up and by the periodic sweep, so a lost job or a restart never strands a file."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        queue: JobQueue,
        clock: Clock,
        remote: DocumentIndex | None = None,
    ) -> None:
        self._uow = uow
        self._queue = queue
        self._clock = clock
        self._remote = remote

    async def __call__(self) -> int:
        retention = self._remote.retention if self._remote is not None else None
        async with self._uow() as uow:
            due = await uow.files.needing_sync(
                _SWEEP_BATCH,
                uploaded_before=None if retention is None else self._clock.now() - retention,
            )
        for file_id in due:
            await self._queue.enqueue_file_sync(file_id)
        return len(due)


class _StoredContentMissing(Exception):
    pass
