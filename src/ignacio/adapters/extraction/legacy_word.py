"""Word 97-2003 documents (DOC), best effort: the main text, read through the piece table.

A Word 97+ file keeps its text in pieces listed by the piece table (in the "0Table" or "1Table"
stream), each piece 8-bit Windows-1252 or UTF-16. Word 6/95 files keep it in one run between
two offsets of the file information block. Paragraphs are kept; styles (so headings) are not;
table cells are recognised by their cell marks. When neither layout can be followed, readable
runs of text are pulled out of the stream as a last resort.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterator

from ignacio.adapters.extraction.compound_file import WORD_STREAM, read_stream
from ignacio.adapters.extraction.sections import SectionSink, TableBuilder, Unreadable
from ignacio.domain.knowledge import SectionKind

NO_TEXT_NOTE = "legacy Word document: no text could be drawn from it"

_WORD_IDENT = 0xA5EC
_FIRST_WORD97_FIB = 0x00C1
_FLAG_COMPLEX = 0x0004
_FLAG_ENCRYPTED = 0x0100
_FLAG_TABLE_1 = 0x0200
_CLX_PAIR_INDEX = 33
"""fcClx/lcbClx is the 34th offset/length pair of FibRgFcLcb97."""
_COMPRESSED_PIECE = 0x40000000

_FIELD_BEGIN, _FIELD_SEPARATOR, _FIELD_END = "\x13", "\x14", "\x15"
_CELL_MARK = "\x07"
_PARAGRAPH_BREAKS = re.compile("[\r\x0c]")
_SPECIAL_CHARACTERS = str.maketrans(
    {"\x0b": "\n", "\x1e": "-", "\x1f": None, "\x01": None, "\x08": None, "\x02": None}
)
_UTF16_RUNS = re.compile(rb"(?:[\x20-\x7e\xa0-\xff]\x00|[\t\r\n]\x00){8,}")
_BYTE_RUNS = re.compile(rb"[\x20-\x7e\xa0-\xff\t\r\n]{12,}")


def read_doc(content: bytes, sink: SectionSink) -> None:
    word = read_stream(content, WORD_STREAM)
    if word is None:
        raise Unreadable("not a Word document: it has no WordDocument stream")
    if len(word) < 0x20 or struct.unpack_from("<H", word, 0)[0] != _WORD_IDENT:
        raise Unreadable("legacy Word document with an unknown header")
    version, flags = struct.unpack_from("<H", word, 2)[0], struct.unpack_from("<H", word, 0x0A)[0]
    if flags & _FLAG_ENCRYPTED:
        raise Unreadable("encrypted Word document: a password is needed to read it")
    text: str | None
    try:
        if version >= _FIRST_WORD97_FIB:
            table = read_stream(content, "1Table" if flags & _FLAG_TABLE_1 else "0Table")
            text = _piece_table_text(word, table or b"", sink.remaining)
        else:
            text = _word95_text(word, flags, sink.remaining)
    except (struct.error, IndexError, ValueError):
        text = None
    if text is None:
        text = _readable_runs(word)
    _add_paragraphs(sink, _drop_field_codes(text))


def _piece_table_text(word: bytes, table: bytes, max_chars: int) -> str | None:
    fib_words = struct.unpack_from("<H", word, 0x20)[0]
    longs_start = 0x22 + fib_words * 2
    fib_longs = struct.unpack_from("<H", word, longs_start)[0]
    main_text_length = struct.unpack_from("<i", word, longs_start + 2 + 12)[0]
    pairs_start = longs_start + 2 + fib_longs * 4
    pair_count = struct.unpack_from("<H", word, pairs_start)[0]
    if pair_count <= _CLX_PAIR_INDEX:
        return None
    clx_offset, clx_length = struct.unpack_from("<II", word, pairs_start + 2 + _CLX_PAIR_INDEX * 8)
    clx = table[clx_offset : clx_offset + clx_length]
    position = 0
    # Property modifiers (Prc, tag 1) come first; the piece table (Pcdt, tag 2) follows.
    while position < len(clx) and clx[position] == 0x01:
        position += 3 + struct.unpack_from("<h", clx, position + 1)[0]
    if position >= len(clx) or clx[position] != 0x02:
        return None
    plc_length = struct.unpack_from("<I", clx, position + 1)[0]
    plc = clx[position + 5 : position + 5 + plc_length]
    piece_count = (len(plc) - 4) // 12
    if piece_count <= 0:
        return None
    positions = struct.unpack_from(f"<{piece_count + 1}I", plc, 0)
    wanted = min(max(main_text_length, 0), max_chars)
    parts: list[str] = []
    collected = 0
    for index in range(piece_count):
        if collected >= wanted:
            break
        length = min(positions[index + 1] - positions[index], wanted - collected)
        if length <= 0:
            continue
        file_offset = struct.unpack_from("<I", plc, 4 * (piece_count + 1) + 8 * index + 2)[0]
        if file_offset & _COMPRESSED_PIECE:
            start = (file_offset & ~_COMPRESSED_PIECE) // 2
            piece = word[start : start + length].decode("cp1252", errors="replace")
        else:
            piece = word[file_offset : file_offset + 2 * length].decode(
                "utf-16-le", errors="replace"
            )
        parts.append(piece)
        collected += length
    return "".join(parts)


def _word95_text(word: bytes, flags: int, max_chars: int) -> str | None:
    if flags & _FLAG_COMPLEX:
        # A fast-saved file scatters its text; only the raw runs can be trusted.
        return None
    start, end = struct.unpack_from("<II", word, 0x18)
    if not 0 < start < end <= len(word):
        return None
    return word[start : min(end, start + max_chars)].decode("cp1252", errors="replace")


def _readable_runs(stream: bytes) -> str:
    """Runs of printable UTF-16 and Windows-1252 text, in the order they are stored."""
    runs = [
        (match.start(), match.group().decode("utf-16-le")) for match in _UTF16_RUNS.finditer(stream)
    ]
    runs += [
        (match.start(), match.group().decode("cp1252", errors="replace"))
        for match in _BYTE_RUNS.finditer(stream)
    ]
    return "\r".join(text for _, text in sorted(runs))


def _drop_field_codes(text: str) -> str:
    """Keep what a field shows (its result) and drop its instructions (`PAGE`, `HYPERLINK`...)."""
    if _FIELD_BEGIN not in text:
        return text
    kept: list[str] = []
    showing: list[bool] = []
    for character in text:
        if character == _FIELD_BEGIN:
            showing.append(False)
        elif character == _FIELD_SEPARATOR:
            if showing:
                showing[-1] = True
        elif character == _FIELD_END:
            if showing:
                showing.pop()
        elif all(showing):
            kept.append(character)
    return "".join(kept)


def _add_paragraphs(sink: SectionSink, text: str) -> None:
    # A cell ends with a cell mark and a row with one more, so a row reads "a\x07b\x07\x07";
    # the paragraph after a table follows its last row mark directly.
    rows: list[str] = []
    for paragraph in _paragraphs(text):
        if _CELL_MARK not in paragraph:
            _add_table(sink, rows)
            sink.add(SectionKind.PARAGRAPH, paragraph)
            continue
        *complete_rows, rest = paragraph.split(_CELL_MARK * 2)
        rows.extend(complete_rows)
        if _CELL_MARK in rest:
            rows.append(rest)
        elif rest.strip():
            _add_table(sink, rows)
            sink.add(SectionKind.PARAGRAPH, rest)
    _add_table(sink, rows)


def _paragraphs(text: str) -> Iterator[str]:
    for paragraph in _PARAGRAPH_BREAKS.split(text):
        paragraph = paragraph.translate(_SPECIAL_CHARACTERS)
        if paragraph.strip():
            yield paragraph


def _add_table(sink: SectionSink, rows: list[str]) -> None:
    """Add the rows gathered so far as one table, and forget them."""
    if not rows:
        return
    table = TableBuilder(sink.remaining)
    for row in rows:
        if not table.add_row(row.split(_CELL_MARK)):
            break
    rows.clear()
    sink.add(SectionKind.TABLE, table.text(), cut_short=table.full)
