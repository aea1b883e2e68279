"""Taking a file into a member's library or a workspace's knowledge base: the checks and the
storing every way in shares; and letting one go everywhere it is kept."""

from __future__ import annotations

import logging
import mimetypes
from collections.abc import Sequence
from uuid import UUID

from ignacio.application.ports import (
    BlobStorage,
    Clock,
    DocumentIndex,
    FileTypeDetector,
    JobQueue,
    UnitOfWork,
)
from ignacio.domain import NotFound, TooLarge, UnsupportedFileType
from ignacio.domain.files import safe_file_name
from ignacio.domain.knowledge import (
    MAX_FILE_BYTES,
    TEXT_CATEGORIES,
    ExtractionStatus,
    FileSource,
    UserFile,
    category_of,
    knowledge_path_for,
    storage_path_for,
)
from ignacio.domain.workspaces import WorkspaceAccess

log = logging.getLogger(__name__)

# Enough of the content for every signature the detector knows, OOXML's part names included.
DETECTION_HEAD_BYTES = 64 * 1024

SUPPORTED_TYPES_HINT = (
    "Ignacio keeps images (JPEG, PNG, GIF, WEBP), audio (MP3, WAV, OGG, M4A), video (MP4, MOV, "
    "AVI), documents (PDF, DOC, DOCX, TXT, RTF, CSV, Markdown), presentations (PPT, PPTX) and "
    "spreadsheets (XLS, XLSX)."
)


class FileIntake:
    """Checks a file by its content, keeps the blob, and describes it as a `UserFile`.

    The caller adds the returned file in its unit of work and, once committed, calls
    `queue_sync`; if the commit fails it calls `discard`, so no blob outlives its row.
    """

    def __init__(
        self, storage: BlobStorage, detector: FileTypeDetector, queue: JobQueue, clock: Clock
    ) -> None:
        self._storage = storage
        self._detector = detector
        self._queue = queue
        self._clock = clock

    def media_type_of(self, content: bytes, file_name: str | None) -> str:
        """The content's canonical media type; TooLarge or UnsupportedFileType otherwise."""
        if len(content) > MAX_FILE_BYTES:
            raise TooLarge(
                f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB. "
                "Send a smaller file or split it."
            )
        if not content:
            raise UnsupportedFileType("The file is empty.")
        media_type = self._detector.detect(content[:DETECTION_HEAD_BYTES], file_name)
        if media_type is None or category_of(media_type) is None:
            raise UnsupportedFileType(
                "This kind of file is not supported (decided from its content, not its name). "
                + SUPPORTED_TYPES_HINT
            )
        return media_type

    async def keep(
        self,
        *,
        file_id: UUID,
        workspace_id: UUID,
        owner_id: UUID | None,
        file_name: str | None,
        content: bytes,
        source: FileSource,
        conversation_id: UUID | None = None,
        message_id: UUID | None = None,
        media_type: str | None = None,
        uploaded_by: UUID | None = None,
    ) -> UserFile:
        """Store the blob and return the file to record, in `workspace_id` (its conversation's,
        or the one the uploader acts in): a member's (`owner_id`) at their private path, or with
        `owner_id` None a knowledge document in the workspace's folder. `uploaded_by` defaults
        to the owner."""
        media_type = media_type or self.media_type_of(content, file_name)
        extension = mimetypes.guess_extension(media_type) or ""
        name = safe_file_name(file_name, f"file{extension}")
        if owner_id is None:
            path = knowledge_path_for(workspace_id, file_id, name)
        else:
            path = storage_path_for(owner_id, file_id, name)
        await self._storage.put(path, content, media_type)
        category = category_of(media_type)
        return UserFile(
            id=file_id,
            workspace_id=workspace_id,
            user_id=owner_id,
            file_name=name,
            file_path=path,
            file_type=media_type,
            file_size=len(content),
            source=source,
            conversation_id=conversation_id,
            message_id=message_id,
            uploaded_by=owner_id if uploaded_by is None else uploaded_by,
            created_at=self._clock.now(),
            extraction_status=ExtractionStatus.PENDING
            if category in TEXT_CATEGORIES
            else ExtractionStatus.NOT_APPLICABLE,
        )

    async def discard(self, file: UserFile) -> None:
        """Remove a blob whose row was never committed (best effort: it is unreachable anyway)."""
        try:
            await self._storage.delete(file.file_path)
        except Exception:
            log.warning("an orphaned blob was left", extra={"path": file.file_path}, exc_info=True)

    async def queue_sync(self, file: UserFile) -> None:
        """Have the committed file extracted and indexed. A lost job is found by the sweep."""
        try:
            await self._queue.enqueue_file_sync(file.id)
        except Exception:
            log.warning("file sync not queued yet", extra={"file_id": str(file.id)}, exc_info=True)


async def visible_file(
    uow: UnitOfWork, access: WorkspaceAccess, file_id: UUID, *, to_read: bool = False
) -> UserFile:
    """The member's file in the workspace the caller acts in, to its owner or an admin of the
    workspace; to anyone else (and in another workspace) it looks like one that does not exist,
    as does a knowledge document (those are reached through the knowledge base).

    `to_read`: the workspace's agents may also read a file sent in a conversation (they read
    every conversation in the team inbox, its files with it); a file a member only keeps in
    their library stays theirs, and only its owner and admins may delete any file."""
    file = await uow.files.get(access.workspace.id, file_id)
    if file is None or file.user_id is None:
        raise NotFound("There is no such file.")
    mine = file.user_id == access.user.id or access.administers
    team_reads = to_read and file.conversation_id is not None and access.handles_conversations
    if not (mine or team_reads):
        raise NotFound("There is no such file.")
    return file


async def forget_everywhere(
    file: UserFile, indexes: Sequence[DocumentIndex], storage: BlobStorage
) -> None:
    """Take the file out of every index (and any remote copy) and delete its blob; its row is
    the caller's to delete, last, so that a failure halfway leaves it listed and deleting it
    again finishes the job. Each step is idempotent."""
    for index in indexes:
        await index.remove(file.workspace_id, file.user_id, file.id)
    await storage.delete(file.file_path)
