"""PowerPoint 97-2003 presentations (PPT), best effort: the text of each slide.

The "PowerPoint Document" stream is a tree of records. The document's slide list holds, slide
by slide, a persist reference followed by the slide's placeholder text (title and body); text
typed in other boxes lives in the slide's own record, found through the persist directory that
maps each reference to an offset in the stream. Notes, masters and formatting are left out.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass, field

from ignacio.adapters.extraction.compound_file import POWERPOINT_STREAM, read_stream
from ignacio.adapters.extraction.sections import SectionSink, Unreadable
from ignacio.domain.knowledge import SectionKind

NO_TEXT_NOTE = "legacy PowerPoint presentation: no text could be drawn from it"

_HEADER = struct.Struct("<HHI")
_CONTAINER_VERSION = 0xF
_MAX_DEPTH = 32

_DOCUMENT = 0x03E8
_SLIDE = 0x03EE
_SLIDE_LIST_WITH_TEXT = 0x0FF0
_SLIDE_PERSIST = 0x03F3
_TEXT_HEADER = 0x0F9F
_TEXT_CHARS = 0x0FA0
_TEXT_BYTES = 0x0FA8
_PERSIST_DIRECTORY = 0x1772
_TITLE_TEXT_TYPES = frozenset({0, 6})
"""TextHeaderAtom types of a title and of a centred title."""


@dataclass(frozen=True, slots=True)
class _Record:
    kind: int
    instance: int
    is_container: bool
    offset: int
    body_start: int
    body_end: int


@dataclass
class _SlideText:
    persist_reference: int
    titles: list[str] = field(default_factory=list)
    others: list[str] = field(default_factory=list)


def read_ppt(content: bytes, sink: SectionSink) -> None:
    stream = read_stream(content, POWERPOINT_STREAM)
    if stream is None:
        raise Unreadable("not a PowerPoint file: it has no PowerPoint Document stream")
    if read_stream(content, "EncryptedSummary") is not None:
        raise Unreadable("encrypted PowerPoint presentation: a password is needed to read it")
    top_level = list(_records(stream, 0, len(stream)))
    slides = _slide_list(stream, top_level)
    if not slides:
        # No slide list to follow: keep whatever text the slides hold, in stream order.
        for record in top_level:
            if record.kind == _SLIDE:
                titles, others = _texts(stream, record)
                sink.add(SectionKind.PARAGRAPH, "\n\n".join(titles + others))
        return
    offsets = _persist_offsets(stream, top_level)
    slide_records = {record.offset: record for record in top_level if record.kind == _SLIDE}
    for number, slide in enumerate(slides, start=1):
        titles, others = list(slide.titles), list(slide.others)
        slide_record = slide_records.get(offsets.get(slide.persist_reference, -1))
        if slide_record is not None:
            more_titles, more_others = _texts(stream, slide_record)
            titles += more_titles
            others += more_others
        sink.add(SectionKind.SLIDE, "\n\n".join(titles + others), location=f"slide {number}")


def _records(stream: bytes, start: int, end: int) -> Iterator[_Record]:
    position = start
    while position + _HEADER.size <= end:
        version_and_instance, kind, length = _HEADER.unpack_from(stream, position)
        body_start = position + _HEADER.size
        body_end = min(body_start + length, end)
        yield _Record(
            kind=kind,
            instance=version_and_instance >> 4,
            is_container=version_and_instance & 0xF == _CONTAINER_VERSION,
            offset=position,
            body_start=body_start,
            body_end=body_end,
        )
        position = body_start + length


def _walk(stream: bytes, record: _Record, depth: int = 0) -> Iterator[_Record]:
    """The records inside a container, depth first, in stream order."""
    if not record.is_container or depth > _MAX_DEPTH:
        return
    for child in _records(stream, record.body_start, record.body_end):
        yield child
        yield from _walk(stream, child, depth + 1)


def _slide_list(stream: bytes, top_level: list[_Record]) -> list[_SlideText]:
    documents = [record for record in top_level if record.kind == _DOCUMENT]
    if not documents:
        return []
    # A fast save appends a newer document record; the last one is the current one.
    slides: list[_SlideText] = []
    for record in _walk(stream, documents[-1]):
        if record.kind != _SLIDE_LIST_WITH_TEXT or record.instance != 0:
            continue
        text_type: int | None = None
        for child in _records(stream, record.body_start, record.body_end):
            if child.kind == _SLIDE_PERSIST and child.body_end - child.body_start >= 4:
                reference = struct.unpack_from("<I", stream, child.body_start)[0]
                slides.append(_SlideText(persist_reference=reference))
            elif child.kind == _TEXT_HEADER and child.body_end - child.body_start >= 4:
                text_type = struct.unpack_from("<I", stream, child.body_start)[0]
            elif slides and (text := _atom_text(stream, child)) is not None:
                target = slides[-1].titles if text_type in _TITLE_TEXT_TYPES else slides[-1].others
                target.append(text)
    return slides


def _persist_offsets(stream: bytes, top_level: list[_Record]) -> dict[int, int]:
    offsets: dict[int, int] = {}
    # Later directories (from fast saves) override earlier ones, so stream order is kept.
    for record in top_level:
        if record.kind != _PERSIST_DIRECTORY:
            continue
        position = record.body_start
        while position + 4 <= record.body_end:
            entry = struct.unpack_from("<I", stream, position)[0]
            first_id, count = entry & 0xFFFFF, entry >> 20
            position += 4
            for index in range(count):
                if position + 4 > record.body_end:
                    break
                offsets[first_id + index] = struct.unpack_from("<I", stream, position)[0]
                position += 4
    return offsets


def _texts(stream: bytes, slide: _Record) -> tuple[list[str], list[str]]:
    titles: list[str] = []
    others: list[str] = []
    text_type: int | None = None
    for record in _walk(stream, slide):
        if record.kind == _TEXT_HEADER and record.body_end - record.body_start >= 4:
            text_type = struct.unpack_from("<I", stream, record.body_start)[0]
        elif (text := _atom_text(stream, record)) is not None:
            (titles if text_type in _TITLE_TEXT_TYPES else others).append(text)
    return titles, others


def _atom_text(stream: bytes, record: _Record) -> str | None:
    body = stream[record.body_start : record.body_end]
    if record.kind == _TEXT_CHARS:
        text = body.decode("utf-16-le", errors="replace")
    elif record.kind == _TEXT_BYTES:
        text = body.decode("latin-1")
    else:
        return None
    # Paragraphs end with a carriage return, line breaks inside one are vertical tabs.
    return text.replace("\r", "\n").replace("\x0b", "\n")
