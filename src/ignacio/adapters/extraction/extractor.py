"""TextExtractor for every document type Ignacio accepts, with limits on what a file may cost.

It runs the parsers in the calling process: the serving process uses `IsolatedTextExtractor`
(`isolated.py`), which runs this one in worker processes that a runaway file cannot outgrow.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from ignacio.adapters.extraction import legacy_powerpoint, legacy_word, pdf
from ignacio.adapters.extraction.archive import check_part_count
from ignacio.adapters.extraction.compound_file import DOC, PPT, XLS
from ignacio.adapters.extraction.formats import LABELS, ZIPPED, failed_note, partial_note
from ignacio.adapters.extraction.legacy_powerpoint import read_ppt
from ignacio.adapters.extraction.legacy_word import read_doc
from ignacio.adapters.extraction.limits import (
    ExtractionLimits,
    LimitExceeded,
    bounded_reading,
)
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

_MAX_REASON_CHARS = 200
_MEDIA_CATEGORIES = frozenset({FileCategory.IMAGE, FileCategory.AUDIO, FileCategory.VIDEO})


@dataclass(frozen=True, slots=True)
class _Format:
    read: Callable[[bytes, SectionSink], None]
    no_text_note: str


_FORMATS: dict[str, _Format] = {
    "application/pdf": _Format(read_pdf, pdf.NO_TEXT_NOTE),
    DOCX: _Format(read_docx, "the document holds no text"),
    PPTX: _Format(read_pptx, "the presentation holds no text"),
    XLSX: _Format(read_xlsx, "every sheet of the workbook is empty"),
    XLS: _Format(read_xls, "every sheet of the workbook is empty"),
    DOC: _Format(read_doc, legacy_word.NO_TEXT_NOTE),
    PPT: _Format(read_ppt, legacy_powerpoint.NO_TEXT_NOTE),
    "application/rtf": _Format(read_rtf, "the document holds no text"),
    "text/plain": _Format(read_plain_text, "the file holds no text"),
    "text/markdown": _Format(read_markdown, "the file holds no text"),
    "text/csv": _Format(read_csv, "the file holds no values"),
}
assert _FORMATS.keys() == LABELS.keys()


class DocumentTextExtractor:
    """Draws the text of PDF, Word, PowerPoint, Excel, RTF, CSV, Markdown and text files.

    Parsing runs in a worker thread so the event loop stays free. Each extraction is held to
    its `limits`: at most `max_text_chars` characters are kept (the rest is left out and the
    note says so); a zipped format (DOCX, PPTX, XLSX) listing more than `max_parts` parts is
    refused before any part is opened, and one that inflates past `max_bytes`, or has a part
    expanding more than `max_ratio` times, is stopped as it inflates; past `max_seconds` the
    reading stops at the next part or section. Past a bound, what was read before is kept
    (with a note saying why the rest is missing); when nothing was, the extraction is FAILED.

    In this process, time is checked between steps, so one step that never ends (a parser
    stuck on a single page) is not stopped, nor is the memory a parser takes bounded: that is
    what the isolated extractor's worker processes are for.
    """

    def __init__(self, limits: ExtractionLimits | None = None) -> None:
        self._limits = limits or ExtractionLimits()

    async def extract(self, content: bytes, media_type: str) -> Extraction:
        try:
            return await asyncio.to_thread(self.extract_blocking, content, media_type)
        except MemoryError:
            return Extraction(
                status=ExtractionStatus.FAILED,
                note=failed_note(media_type, "needs more memory than the server has to read"),
            )

    def extract_blocking(self, content: bytes, media_type: str) -> Extraction:
        """The same as `extract`, in the calling thread (for scripts and worker processes).

        Raises MemoryError when the parser ran out of memory: the caller decides whether the
        process is still fit to go on.
        """
        text_format = _FORMATS.get(media_type)
        if text_format is None:
            if category_of(media_type) in _MEDIA_CATEGORIES:
                return Extraction(status=ExtractionStatus.NOT_APPLICABLE)
            return Extraction(
                status=ExtractionStatus.FAILED, note=f"no text reader for {media_type}"
            )
        label = LABELS[media_type]
        problem: str | None = None
        limit: LimitExceeded | None = None
        with bounded_reading(self._limits) as budget:
            sink = SectionSink(self._limits.max_text_chars, budget)
            try:
                if media_type in ZIPPED:
                    check_part_count(content, self._limits.max_parts)
                text_format.read(content, sink)
            except TextLimitReached:
                pass
            except LimitExceeded as error:
                limit = error
            except Unreadable as error:
                problem = str(error)
            except MemoryError:
                raise
            except Exception as error:
                # Readers parse untrusted bytes with third-party code: anything may be raised,
                # and a bad file must end as a recorded failure, never as a crashed job.
                problem = f"damaged or unreadable {label} ({_reason(error)})"
        # A parser may report a stopped read as its own error, or swallow it and go on.
        limit = limit or budget.exceeded
        if limit is not None:
            if not sink.sections:
                return Extraction(
                    status=ExtractionStatus.FAILED, note=failed_note(media_type, str(limit))
                )
            return Extraction(
                status=ExtractionStatus.EXTRACTED,
                sections=sink.sections,
                note=partial_note(media_type, str(limit)),
            )
        if problem is not None:
            if not sink.sections:
                return Extraction(status=ExtractionStatus.FAILED, note=problem)
            return Extraction(
                status=ExtractionStatus.EXTRACTED,
                sections=sink.sections,
                note=f"only part of the {label} could be read: {problem}",
            )
        if not sink.sections:
            return Extraction(status=ExtractionStatus.NO_TEXT, note=text_format.no_text_note)
        note = (
            f"text cut at {self._limits.max_text_chars:,} characters; the rest was left out"
            if sink.truncated
            else None
        )
        return Extraction(status=ExtractionStatus.EXTRACTED, sections=sink.sections, note=note)


def _reason(error: Exception) -> str:
    message = " ".join(str(error).split())[:_MAX_REASON_CHARS]
    return f"{type(error).__name__}: {message}" if message else type(error).__name__
