"""TextExtractor for every document type Ignacio accepts, with limits on what a file may cost."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from ignacio.adapters.extraction import legacy_powerpoint, legacy_word, pdf
from ignacio.adapters.extraction.archive import ArchiveTooLarge, check_archive_limits
from ignacio.adapters.extraction.compound_file import DOC, PPT, XLS
from ignacio.adapters.extraction.legacy_powerpoint import read_ppt
from ignacio.adapters.extraction.legacy_word import read_doc
from ignacio.adapters.extraction.pdf import read_pdf
from ignacio.adapters.extraction.plain_text import (
    read_csv,
    read_markdown,
    read_plain_text,
    read_rtf,
)
from ignacio.adapters.extraction.presentation import read_pptx
from ignacio.adapters.extraction.sections import SectionSink, TextLimitReached, Unreadable
from ignacio.adapters.extraction.spreadsheet import read_xls, read_xlsx
from ignacio.adapters.extraction.word import read_docx
from ignacio.domain.knowledge import (
    DOCX,
    PPTX,
    XLSX,
    Extraction,
    ExtractionStatus,
    FileCategory,
    category_of,
)

DEFAULT_MAX_TEXT_CHARS = 5_000_000
DEFAULT_MAX_ARCHIVE_MEMBERS = 10_000
DEFAULT_MAX_ARCHIVE_BYTES = 256 * 1024 * 1024
_MAX_REASON_CHARS = 200
_MEDIA_CATEGORIES = frozenset({FileCategory.IMAGE, FileCategory.AUDIO, FileCategory.VIDEO})


@dataclass(frozen=True, slots=True)
class _Format:
    label: str
    read: Callable[[bytes, SectionSink], None]
    no_text_note: str
    zipped: bool = False


_FORMATS: dict[str, _Format] = {
    "application/pdf": _Format("PDF", read_pdf, pdf.NO_TEXT_NOTE),
    DOCX: _Format("Word document", read_docx, "the document holds no text", zipped=True),
    PPTX: _Format("presentation", read_pptx, "the presentation holds no text", zipped=True),
    XLSX: _Format("workbook", read_xlsx, "every sheet of the workbook is empty", zipped=True),
    XLS: _Format("Excel 97-2003 workbook", read_xls, "every sheet of the workbook is empty"),
    DOC: _Format("Word 97-2003 document", read_doc, legacy_word.NO_TEXT_NOTE),
    PPT: _Format("PowerPoint 97-2003 file", read_ppt, legacy_powerpoint.NO_TEXT_NOTE),
    "application/rtf": _Format("RTF document", read_rtf, "the document holds no text"),
    "text/plain": _Format("text file", read_plain_text, "the file holds no text"),
    "text/markdown": _Format("Markdown file", read_markdown, "the file holds no text"),
    "text/csv": _Format("CSV file", read_csv, "the file holds no values"),
}


class DocumentTextExtractor:
    """Draws the text of PDF, Word, PowerPoint, Excel, RTF, CSV, Markdown and text files.

    Parsing runs in a worker thread so the event loop stays free. Resources are bounded: at
    most `max_text_chars` characters are kept (the rest is left out and the note says so), and
    a zipped format (DOCX, PPTX, XLSX) declaring more than `max_archive_members` parts or
    `max_archive_bytes` uncompressed bytes is refused before any part is opened (a zip bomb).
    """

    def __init__(
        self,
        *,
        max_text_chars: int = DEFAULT_MAX_TEXT_CHARS,
        max_archive_members: int = DEFAULT_MAX_ARCHIVE_MEMBERS,
        max_archive_bytes: int = DEFAULT_MAX_ARCHIVE_BYTES,
    ) -> None:
        self._max_text_chars = max_text_chars
        self._max_archive_members = max_archive_members
        self._max_archive_bytes = max_archive_bytes

    async def extract(self, content: bytes, media_type: str) -> Extraction:
        return await asyncio.to_thread(self.extract_blocking, content, media_type)

    def extract_blocking(self, content: bytes, media_type: str) -> Extraction:
        """The same as `extract`, in the calling thread (for scripts and worker threads)."""
        text_format = _FORMATS.get(media_type)
        if text_format is None:
            if category_of(media_type) in _MEDIA_CATEGORIES:
                return Extraction(status=ExtractionStatus.NOT_APPLICABLE)
            return Extraction(
                status=ExtractionStatus.FAILED, note=f"no text reader for {media_type}"
            )
        sink = SectionSink(self._max_text_chars)
        problem: str | None = None
        try:
            if text_format.zipped:
                check_archive_limits(
                    content,
                    max_members=self._max_archive_members,
                    max_uncompressed=self._max_archive_bytes,
                )
            text_format.read(content, sink)
        except TextLimitReached:
            pass
        except ArchiveTooLarge as error:
            return Extraction(
                status=ExtractionStatus.FAILED,
                note=f"{text_format.label} too large to open safely: {error}",
            )
        except Unreadable as error:
            problem = str(error)
        except Exception as error:
            # Readers parse untrusted bytes with third-party code: anything may be raised, and
            # a bad file must end as a recorded failure, never as a crashed job.
            problem = f"damaged or unreadable {text_format.label} ({_reason(error)})"
        if problem is not None:
            if not sink.sections:
                return Extraction(status=ExtractionStatus.FAILED, note=problem)
            return Extraction(
                status=ExtractionStatus.EXTRACTED,
                sections=sink.sections,
                note=f"only part of the {text_format.label} could be read: {problem}",
            )
        if not sink.sections:
            return Extraction(status=ExtractionStatus.NO_TEXT, note=text_format.no_text_note)
        note = (
            f"text cut at {self._max_text_chars:,} characters; the rest was left out"
            if sink.truncated
            else None
        )
        return Extraction(status=ExtractionStatus.EXTRACTED, sections=sink.sections, note=note)


def _reason(error: Exception) -> str:
    message = " ".join(str(error).split())[:_MAX_REASON_CHARS]
    return f"{type(error).__name__}: {message}" if message else type(error).__name__
