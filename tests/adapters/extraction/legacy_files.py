"""Office 97-2003 files built from their published layouts ([MS-CFB], [MS-DOC], [MS-XLS],
[MS-PPT]), small but complete enough for olefile, xlrd and the best-effort readers.

No program here writes these formats (xlwt is not installed), so the tests build them: a
compound file holding a Word document with a piece table, an Excel BIFF8 workbook, and a
PowerPoint stream with a slide list, slide records and a persist directory.
"""

from __future__ import annotations

import math
import struct

SECTOR = 512
_FREE, _END_OF_CHAIN, _FAT_SECTOR, _NO_STREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
_MINI_STREAM_CUTOFF = 4096
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def compound_file(streams: dict[str, bytes], *, allocation_table_last: bool = False) -> bytes:
    """A version 3 compound file with `streams` at its root.

    Streams are padded to the mini-stream cutoff so all live in regular sectors. With
    `allocation_table_last`, the allocation table comes after the streams (as in many files
    Office saves), so a head cut before it holds the directory but no way to follow it.
    """
    names = sorted(streams, key=lambda name: (len(name), name.upper()))
    payloads = [streams[name].ljust(_MINI_STREAM_CUTOFF, b"\x00") for name in names]
    payload_sectors = [math.ceil(len(payload) / SECTOR) for payload in payloads]
    directory_sectors = math.ceil((len(names) + 1) * 128 / SECTOR)
    content_sectors = directory_sectors + sum(payload_sectors)
    fat_sectors = 1
    while fat_sectors * (SECTOR // 4) < content_sectors + fat_sectors:
        fat_sectors += 1

    next_sector = 0 if allocation_table_last else fat_sectors
    directory_start = next_sector
    next_sector += directory_sectors
    payload_starts = []
    for count in payload_sectors:
        payload_starts.append(next_sector)
        next_sector += count
    fat_start = next_sector if allocation_table_last else 0

    fat = [_FREE] * (fat_sectors * SECTOR // 4)
    for sector in range(fat_start, fat_start + fat_sectors):
        fat[sector] = _FAT_SECTOR
    for start, count in [
        (directory_start, directory_sectors),
        *zip(payload_starts, payload_sectors, strict=True),
    ]:
        for sector in range(start, start + count - 1):
            fat[sector] = sector + 1
        fat[start + count - 1] = _END_OF_CHAIN

    entries = [_directory_entry("Root Entry", 5, child=1 if names else _NO_STREAM)]
    for index, name in enumerate(names):
        right = index + 2 if index + 1 < len(names) else _NO_STREAM
        entries.append(
            _directory_entry(
                name, 2, right=right, start=payload_starts[index], size=len(payloads[index])
            )
        )
    directory = b"".join(entries).ljust(directory_sectors * SECTOR, b"\x00")
    directory = _blank_unused_entries(directory, len(entries))

    sectors: dict[int, bytes] = {}
    fat_bytes = struct.pack(f"<{len(fat)}I", *fat)
    for index in range(fat_sectors):
        sectors[fat_start + index] = fat_bytes[index * SECTOR : (index + 1) * SECTOR]
    for index in range(directory_sectors):
        sectors[directory_start + index] = directory[index * SECTOR : (index + 1) * SECTOR]
    for start, payload in zip(payload_starts, payloads, strict=True):
        padded = payload.ljust(math.ceil(len(payload) / SECTOR) * SECTOR, b"\x00")
        for index in range(len(padded) // SECTOR):
            sectors[start + index] = padded[index * SECTOR : (index + 1) * SECTOR]

    difat = [fat_start + index for index in range(fat_sectors)] + [_FREE] * (109 - fat_sectors)
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        OLE_SIGNATURE,
        b"\x00" * 16,
        0x003E,
        0x0003,
        0xFFFE,
        9,
        6,
        b"\x00" * 6,
        0,
        fat_sectors,
        directory_start,
        0,
        _MINI_STREAM_CUTOFF,
        _END_OF_CHAIN,
        0,
        _END_OF_CHAIN,
        0,
    ) + struct.pack("<109I", *difat)
    return header + b"".join(sectors[index] for index in range(len(sectors)))


def _directory_entry(
    name: str,
    kind: int,
    *,
    right: int = _NO_STREAM,
    child: int = _NO_STREAM,
    start: int = _END_OF_CHAIN,
    size: int = 0,
) -> bytes:
    encoded = name.encode("utf-16-le")
    return struct.pack(
        "<64sHBBIII16sIQQIQ",
        encoded.ljust(64, b"\x00"),
        len(encoded) + 2,
        kind,
        1,
        _NO_STREAM,
        right,
        child,
        b"\x00" * 16,
        0,
        0,
        0,
        start,
        size,
    )


def _blank_unused_entries(directory: bytes, used: int) -> bytes:
    blank = struct.pack("<64sHBBIII", b"", 0, 0, 0, _NO_STREAM, _NO_STREAM, _NO_STREAM).ljust(
        128, b"\x00"
    )
    unused = len(directory) // 128 - used
    return directory[: used * 128] + blank * unused


# Word 97-2003


def word_document(text: str, *, encrypted: bool = False) -> bytes:
    """A .doc whose main text is `text` (Word's own marks: \\r ends a paragraph, \\x07 a cell),
    split in two pieces: the first stored as 8-bit Windows-1252, the second as UTF-16."""
    return compound_file(word_streams(text, encrypted=encrypted))


def word_streams(text: str, *, encrypted: bool = False) -> dict[str, bytes]:
    """The streams of `word_document`: "WordDocument" and its piece table's "1Table"."""
    split = len(text) // 2
    first, second = text[:split], text[split:]
    text_offset = 0x800
    second_offset = text_offset + len(first) + (len(first) % 2)
    flags = 0x0200 | (0x0100 if encrypted else 0)

    fib = bytearray(text_offset)
    struct.pack_into("<HH", fib, 0, 0xA5EC, 0x00C1)
    struct.pack_into("<H", fib, 0x0A, flags)
    struct.pack_into("<H", fib, 0x20, 14)
    struct.pack_into("<H", fib, 0x3E, 22)
    struct.pack_into("<i", fib, 0x4C, len(text))
    struct.pack_into("<H", fib, 0x98, 93)

    pieces = [
        (0, len(first), (text_offset * 2) | 0x40000000),
        (len(first), len(text), second_offset),
    ]
    positions = [pieces[0][0], *(end for _, end, _ in pieces)]
    descriptors = b"".join(struct.pack("<HIH", 0, offset, 0) for _, _, offset in pieces)
    plc = struct.pack(f"<{len(positions)}I", *positions) + descriptors
    clx = b"\x01" + struct.pack("<h", 2) + b"\x00\x00" + b"\x02" + struct.pack("<I", len(plc)) + plc
    struct.pack_into("<II", fib, 0x9A + 33 * 8, 0, len(clx))

    word = bytes(fib) + first.encode("cp1252")
    word = word.ljust(second_offset, b"\x00") + second.encode("utf-16-le")
    return {"WordDocument": word, "1Table": clx}


def word95_document(text: str) -> bytes:
    """A Word 6/95 .doc: its text one 8-bit run between the offsets fcMin and fcMac."""
    text_offset = 0x300
    encoded = text.encode("cp1252")
    word = bytearray(text_offset)
    struct.pack_into("<HH", word, 0, 0xA5EC, 0x0065)
    struct.pack_into("<II", word, 0x18, text_offset, text_offset + len(encoded))
    return compound_file({"WordDocument": bytes(word) + encoded})


# Excel 97-2003 (BIFF8)


def _record(kind: int, data: bytes = b"") -> bytes:
    return struct.pack("<HH", kind, len(data)) + data


def _unicode(text: str, length_bytes: int) -> bytes:
    length = struct.pack("<H" if length_bytes == 2 else "<B", len(text))
    return length + b"\x01" + text.encode("utf-16-le")


def excel_workbook(sheets: dict[str, list[list[str | float]]]) -> bytes:
    """A BIFF8 .xls with one worksheet per entry: text cells as LABEL, numbers as NUMBER."""
    bof_globals = _record(0x0809, struct.pack("<HHHHII", 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 6))
    codepage = _record(0x0042, struct.pack("<H", 1200))
    sheet_streams = []
    for rows in sheets.values():
        cells = b""
        for row_index, row in enumerate(rows):
            for column_index, value in enumerate(row):
                if isinstance(value, str):
                    data = struct.pack("<HHH", row_index, column_index, 0) + _unicode(value, 2)
                    cells += _record(0x0204, data)
                else:
                    cells += _record(
                        0x0203, struct.pack("<HHHd", row_index, column_index, 0, value)
                    )
        width = max((len(row) for row in rows), default=0)
        dimensions = _record(0x0200, struct.pack("<IIHHH", 0, len(rows), 0, width, 0))
        sheet_streams.append(
            _record(0x0809, struct.pack("<HHHHII", 0x0600, 0x0010, 0x0DBB, 0x07CC, 0, 6))
            + dimensions
            + cells
            + _record(0x000A)
        )
    names = list(sheets)

    def boundsheets(offsets: list[int]) -> bytes:
        return b"".join(
            _record(0x0085, struct.pack("<IBB", offset, 0, 0) + _unicode(name, 1))
            for offset, name in zip(offsets, names, strict=True)
        )

    globals_length = len(bof_globals + codepage + boundsheets([0] * len(names)) + _record(0x000A))
    offsets = []
    position = globals_length
    for stream in sheet_streams:
        offsets.append(position)
        position += len(stream)
    workbook = (
        bof_globals + codepage + boundsheets(offsets) + _record(0x000A) + b"".join(sheet_streams)
    )
    return compound_file({"Workbook": workbook})


# PowerPoint 97-2003


def _ppt_record(kind: int, body: bytes, *, instance: int = 0, container: bool = False) -> bytes:
    version = 0xF if container else 0
    return struct.pack("<HHI", (instance << 4) | version, kind, len(body)) + body


def _text_atoms(text_type: int, text: str, *, as_bytes: bool = False) -> bytes:
    header = _ppt_record(0x0F9F, struct.pack("<I", text_type))
    if as_bytes:
        return header + _ppt_record(0x0FA8, text.encode("latin-1"))
    return header + _ppt_record(0x0FA0, text.encode("utf-16-le"))


def powerpoint_slides_only(texts: list[str]) -> bytes:
    """A .ppt stream of slide records with text boxes and no document record to list them."""
    stream = b"".join(
        _ppt_record(
            0x03EE,
            _ppt_record(
                0xF002, _ppt_record(0xF00D, _text_atoms(4, text), container=True), container=True
            ),
            container=True,
        )
        for text in texts
    )
    return compound_file({"PowerPoint Document": stream})


def powerpoint_presentation(slides: list[tuple[str, str, str | None]]) -> bytes:
    """A .ppt with one slide per (title, body, text in an extra box or None).

    Titles and bodies sit in the document's slide list; the extra box's text sits in the
    slide's own drawing, reached through the persist directory.
    """
    slide_list = b""
    for index, (title, body, _) in enumerate(slides):
        persist = _ppt_record(0x03F3, struct.pack("<IIiII", index + 1, 0, 0, 256 + index, 0))
        slide_list += persist + _text_atoms(0, title) + _text_atoms(1, body, as_bytes=True)
    document = _ppt_record(
        0x03E8,
        _ppt_record(0x0FF0, slide_list, instance=0, container=True),
        container=True,
    )
    stream = document
    slide_offsets = []
    for _, _, extra in slides:
        drawing = b""
        if extra is not None:
            textbox = _ppt_record(0xF00D, _text_atoms(4, extra), container=True)
            drawing = _ppt_record(0xF002, textbox, container=True)
        slide_offsets.append(len(stream))
        stream += _ppt_record(0x03EE, _ppt_record(0x03EF, b"\x00" * 24) + drawing, container=True)
    entry = (len(slides) << 20) | 1
    directory = struct.pack(f"<I{len(slides)}I", entry, *slide_offsets)
    stream += _ppt_record(0x1772, directory)
    return compound_file({"PowerPoint Document": stream, "Current User": b"\x00" * 20})
