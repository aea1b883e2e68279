"""A member's files and what Ignacio knows of them: types it accepts, extracted text, passages."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID

import msgspec

MAX_FILE_BYTES = 25 * 1024 * 1024
"""The largest file a member may store (seed 000 §6)."""


class FileCategory(StrEnum):
    IMAGE = "image"
    AUDIO = "audio"
    VIDEO = "video"
    DOCUMENT = "document"
    PRESENTATION = "presentation"
    SPREADSHEET = "spreadsheet"


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

ALLOWED_MEDIA_TYPES: dict[str, FileCategory] = {
    "image/jpeg": FileCategory.IMAGE,
    "image/png": FileCategory.IMAGE,
    "image/gif": FileCategory.IMAGE,
    "image/webp": FileCategory.IMAGE,
    "audio/mpeg": FileCategory.AUDIO,
    "audio/wav": FileCategory.AUDIO,
    "audio/ogg": FileCategory.AUDIO,
    "audio/mp4": FileCategory.AUDIO,
    "video/mp4": FileCategory.VIDEO,
    "video/quicktime": FileCategory.VIDEO,
    "video/x-msvideo": FileCategory.VIDEO,
    "application/pdf": FileCategory.DOCUMENT,
    "application/msword": FileCategory.DOCUMENT,
    DOCX: FileCategory.DOCUMENT,
    "text/plain": FileCategory.DOCUMENT,
    "text/csv": FileCategory.DOCUMENT,
    "text/markdown": FileCategory.DOCUMENT,
    "application/rtf": FileCategory.DOCUMENT,
    "application/vnd.ms-powerpoint": FileCategory.PRESENTATION,
    PPTX: FileCategory.PRESENTATION,
    "application/vnd.ms-excel": FileCategory.SPREADSHEET,
    XLSX: FileCategory.SPREADSHEET,
}
"""Seed 000 §6, by canonical media type. The type is decided from the content, never the name."""

TEXT_CATEGORIES = frozenset(
    {FileCategory.DOCUMENT, FileCategory.PRESENTATION, FileCategory.SPREADSHEET}
)
"""Categories whose text is extracted and indexed for search."""


def category_of(media_type: str) -> FileCategory | None:
    return ALLOWED_MEDIA_TYPES.get(media_type)


class FileSource(StrEnum):
    WEB = "web"
    WHATSAPP = "whatsapp"
    TEAM = "team"  # sent to the member by a person of the workspace's team, in a reply


class SyncStatus(StrEnum):
    """Whether the assistant can search the file (seed 000 `sync_status`).

    `synced` means indexed everywhere it should be: the database index always, and the member's
    OpenAI vector store when one is configured. `expired` is a remote copy OpenAI dropped after
    its retention; it is uploaded again.
    """

    PENDING = "pending"
    SYNCED = "synced"
    FAILED = "failed"
    EXPIRED = "expired"


class ExtractionStatus(StrEnum):
    PENDING = "pending"
    EXTRACTED = "extracted"
    NO_TEXT = "no_text"
    """The format is readable but holds no text: a scanned PDF, an empty sheet."""
    FAILED = "failed"
    """The content could not be read (damaged, encrypted, a legacy format beyond best effort)."""
    NOT_APPLICABLE = "not_applicable"
    """Images, audio and video: nothing to extract as text here."""


class Shelf(StrEnum):
    """Whose files: a member's own, or the workspace's knowledge base (every member's
    assistant searches it)."""

    MEMBERS = "members"
    KNOWLEDGE = "knowledge"


class UserFile(msgspec.Struct, frozen=True, kw_only=True):
    """A stored file (`user_files`): a member's own, or a document of the workspace's knowledge
    base (`user_id` None). The blob lives at `file_path` in BlobStorage."""

    id: UUID
    workspace_id: UUID  # its conversation's, when it came in one
    user_id: UUID | None
    """The member whose file it is; None for a document of the workspace's knowledge base."""
    file_name: str
    file_path: str
    file_type: str
    """The canonical media type detected from the content."""
    file_size: int
    source: FileSource = FileSource.WEB
    conversation_id: UUID | None = None
    message_id: UUID | None = None
    created_at: datetime
    extraction_status: ExtractionStatus = ExtractionStatus.PENDING
    extraction_note: str | None = None
    """Why no text was drawn, when none was (for people; not parsed)."""
    remote_file_id: str | None = None
    remote_store_id: str | None = None
    remote_uploaded_at: datetime | None = None
    sync_status: SyncStatus = SyncStatus.PENDING
    sync_attempts: int = 0
    sync_error: str | None = None
    synced_at: datetime | None = None
    uploaded_by: UUID | None = None
    """Who gave it: the member for their own files, an admin for the knowledge base; None once
    that person's account is deleted (a knowledge document outlives its uploader)."""

    @property
    def category(self) -> FileCategory | None:
        return category_of(self.file_type)

    @property
    def shelf(self) -> Shelf:
        return Shelf.KNOWLEDGE if self.user_id is None else Shelf.MEMBERS

    def expired(self) -> UserFile:
        """Its remote copy has lapsed (or is about to): to be uploaded again."""
        return msgspec.structs.replace(self, sync_status=SyncStatus.EXPIRED)

    def resync_requested(self) -> UserFile:
        """To be extracted and indexed again from the start, whatever became of it before (an
        admin asks after fixing what failed it): a fresh budget of attempts."""
        return msgspec.structs.replace(
            self, sync_status=SyncStatus.PENDING, sync_attempts=0, sync_error=None
        )

    def synced(
        self,
        extraction: Extraction,
        at: datetime,
        *,
        remote_file_id: str | None = None,
        remote_store_id: str | None = None,
        remote_uploaded_at: datetime | None = None,
    ) -> UserFile:
        """Searchable: its text indexed (or known to have none), with where its remote copy is."""
        return msgspec.structs.replace(
            self,
            extraction_status=extraction.status,
            extraction_note=clipped(extraction.note),
            remote_file_id=remote_file_id,
            remote_store_id=remote_store_id,
            remote_uploaded_at=remote_uploaded_at,
            sync_status=SyncStatus.SYNCED,
            sync_attempts=0,
            sync_error=None,
            synced_at=at,
        )

    def sync_retried(self, reason: str) -> UserFile:
        """One more sync attempt failed, for a reason a later attempt may not meet."""
        return msgspec.structs.replace(
            self, sync_attempts=self.sync_attempts + 1, sync_error=clipped(reason)
        )

    def sync_failed(self, reason: str, *, attempted: bool = True) -> UserFile:
        """Given up on; `attempted` counts this as one more attempt."""
        return msgspec.structs.replace(
            self,
            sync_status=SyncStatus.FAILED,
            sync_attempts=self.sync_attempts + 1 if attempted else self.sync_attempts,
            sync_error=clipped(reason),
        )


_NOTE_LENGTH = 500


def clipped(text: str | None) -> str | None:
    """A reason or note as kept: at most 500 characters."""
    return None if text is None else text[:_NOTE_LENGTH]


def storage_path_for(user_id: UUID, file_id: UUID, safe_name: str) -> str:
    """Where a member's file is kept: private to them, one folder per file (seed 000 §6)."""
    return f"users/{user_id}/files/{file_id}/{safe_name}"


def knowledge_path_for(workspace_id: UUID, file_id: UUID, safe_name: str) -> str:
    """Where a document of a workspace's knowledge base is kept: in the workspace's folder."""
    return f"workspaces/{workspace_id}/knowledge/{file_id}/{safe_name}"


class SectionKind(StrEnum):
    HEADING = "heading"
    PARAGRAPH = "paragraph"
    TABLE = "table"
    PAGE = "page"
    SLIDE = "slide"
    SHEET = "sheet"


class Section(msgspec.Struct, frozen=True, kw_only=True):
    """One structural piece of a document, in reading order.

    `location` says where it is for a person ("page 3", "slide 2", "sheet Budget"); a heading
    starts a new part, and the chunker keeps the heading with the text under it.
    """

    kind: SectionKind
    text: str
    location: str | None = None
    level: int | None = None
    """A heading's depth, smaller is outer (a document title 0, "Heading 1" or Markdown `#` 1);
    None when the format does not say. The chunker nests headings by it."""


class Extraction(msgspec.Struct, frozen=True, kw_only=True):
    status: ExtractionStatus
    sections: list[Section] = []
    note: str | None = None


class Chunk(msgspec.Struct, frozen=True, kw_only=True):
    """A searchable passage of one file: a few paragraphs under their heading, a slice of rows."""

    ordinal: int
    text: str
    location: str | None = None


class Passage(msgspec.Struct, frozen=True, kw_only=True):
    """A search hit: the chunk's text with the file it came from, best first in a result;
    `knowledge` when that file is a document of the workspace's knowledge base rather than the
    member's own (answers cite it as the organisation's)."""

    file_id: UUID
    file_name: str
    text: str
    score: float
    location: str | None = None
    knowledge: bool = False
