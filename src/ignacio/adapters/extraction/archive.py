"""Zip containers: which Office Open XML package a zip is, and whether it is safe to open.

Detection sees only the head of a file. When the whole zip is there, its central directory (at
the end) lists every part; when it is cut, the local file headers in the head still name the
parts stored first, and an OOXML package names its own kind early: Word and PowerPoint write
`[Content_Types].xml` first, openpyxl writes `docProps/` and `xl/` parts first and the content
types last.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from dataclasses import dataclass

from ignacio.adapters.extraction.limits import LimitExceeded
from ignacio.domain.knowledge import DOCX, PPTX, XLSX

ZIP_SIGNATURE = b"PK\x03\x04"
CONTENT_TYPES_PART = "[Content_Types].xml"

_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")
_FLAG_ENCRYPTED = 0x01
_FLAG_DATA_DESCRIPTOR = 0x08
_STORED = zipfile.ZIP_STORED
_DEFLATED = zipfile.ZIP_DEFLATED
_ZIP64_EXTRA = 0x0001
_MAX_CONTENT_TYPES_BYTES = 1024 * 1024
_MAX_SKIPPED_OUTPUT = 16 * 1024 * 1024
_MAX_LOCAL_SCAN_BYTES = 1024 * 1024

_MAIN_CONTENT_TYPES = {
    b"wordprocessingml.document.main+xml": DOCX,
    b"spreadsheetml.sheet.main+xml": XLSX,
    b"presentationml.presentation.main+xml": PPTX,
}
_MAIN_PARTS = {"word/document.xml": DOCX, "xl/workbook.xml": XLSX, "ppt/presentation.xml": PPTX}
_PART_FOLDERS = {"word/": DOCX, "xl/": XLSX, "ppt/": PPTX}
_PACKAGE_MARKERS = (CONTENT_TYPES_PART, "_rels/.rels", "docProps/")


@dataclass(frozen=True, slots=True)
class _Member:
    name: str
    method: int
    flags: int
    compressed_size: int
    data_offset: int | None
    """Where its data starts in the head; None when read through the central directory."""


def ooxml_media_type(head: bytes) -> str | None:
    """DOCX, XLSX or PPTX when the zip starting `head` is that package, else None.

    The package's `[Content_Types].xml` decides when it can be read; a macro-enabled package,
    a template or any other kind of zip is None. Without it (a head cut before it), the part
    names seen decide, when they belong to one kind only.
    """
    members, complete = _members(head)
    names = [member.name for member in members]
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        return None
    content_types = _read_content_types(head, members, complete)
    if content_types is not None:
        return _kind_from_content_types(content_types)
    if complete:
        # Every part is listed and none declares the package's content: not an OOXML file.
        return None
    return _kind_from_part_names(names)


def check_part_count(content: bytes, max_parts: int) -> None:
    """Raise LimitExceeded when the zip lists more than `max_parts` parts.

    The sizes the directory declares are not checked here: inflating is bounded as it happens
    (see `limits.bounded_reading`), which a lying directory cannot get around.
    """
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        parts = len(archive.infolist())
    if parts > max_parts:
        raise LimitExceeded(f"has more than {max_parts:,} parts ({parts:,})")


def _members(head: bytes) -> tuple[list[_Member], bool]:
    try:
        with zipfile.ZipFile(io.BytesIO(head)) as archive:
            listed = sorted(archive.infolist(), key=lambda info: info.header_offset)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError):
        return _local_members(head), False
    first = _local_members(head, limit=1)
    if not listed or not first or listed[0].filename != first[0].name:
        # The directory found belongs to a zip stored inside this one, not to this one.
        return _local_members(head), False
    members = [
        _Member(
            name=info.filename,
            method=info.compress_type,
            flags=info.flag_bits,
            compressed_size=info.compress_size,
            data_offset=None,
        )
        for info in listed
    ]
    return members, True


def _local_members(head: bytes, limit: int | None = None) -> list[_Member]:
    # Part names that tell a package's kind come first; the scan need not cross a whole file.
    head = head[:_MAX_LOCAL_SCAN_BYTES]
    members: list[_Member] = []
    offset = 0
    while offset + _LOCAL_HEADER.size <= len(head) and (limit is None or len(members) < limit):
        (signature, _, flags, method, _, _, _, compressed, _, name_length, extra_length) = (
            _LOCAL_HEADER.unpack_from(head, offset)
        )
        if signature != ZIP_SIGNATURE:
            break
        name_start = offset + _LOCAL_HEADER.size
        extra_start = name_start + name_length
        data_offset = extra_start + extra_length
        if data_offset > len(head):
            break
        name = _decode_name(head[name_start:extra_start], flags)
        if compressed == 0xFFFFFFFF:
            compressed = _zip64_compressed_size(head[extra_start:data_offset])
        members.append(_Member(name, method, flags, compressed, data_offset))
        next_offset = _next_header_offset(head, data_offset, method, flags, compressed)
        if next_offset is None:
            break
        offset = next_offset
    return members


def _decode_name(raw: bytes, flags: int) -> str:
    utf8 = flags & 0x800
    return raw.decode("utf-8" if utf8 else "cp437", errors="replace")


def _zip64_compressed_size(extra: bytes) -> int:
    position = 0
    while position + 4 <= len(extra):
        tag, size = struct.unpack_from("<HH", extra, position)
        if tag == _ZIP64_EXTRA and size >= 16:
            # The uncompressed size comes first, then the compressed one.
            return int(struct.unpack_from("<Q", extra, position + 12)[0])
        position += 4 + size
    return 0xFFFFFFFF


def _next_header_offset(
    head: bytes, data_offset: int, method: int, flags: int, compressed: int
) -> int | None:
    if not flags & _FLAG_DATA_DESCRIPTOR:
        return data_offset + compressed
    # Sizes come after the data: find where the data ends, then the next header after the
    # descriptor (12 to 24 bytes, with or without its own signature).
    if method != _DEFLATED or flags & _FLAG_ENCRYPTED:
        found = head.find(ZIP_SIGNATURE, data_offset)
        return found if found >= 0 else None
    data_end = _deflate_end(head, data_offset)
    if data_end is None:
        return None
    found = head.find(ZIP_SIGNATURE, data_end, data_end + 32)
    return found if found >= 0 else None


def _deflate_end(head: bytes, data_offset: int) -> int | None:
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    pending = head[data_offset:]
    produced = 0
    try:
        while pending and not inflater.eof:
            produced += len(inflater.decompress(pending, 64 * 1024))
            if produced > _MAX_SKIPPED_OUTPUT:
                return None
            pending = inflater.unconsumed_tail
    except zlib.error:
        return None
    if not inflater.eof:
        return None
    return len(head) - len(inflater.unused_data)


def _read_content_types(head: bytes, members: list[_Member], complete: bool) -> bytes | None:
    member = next((m for m in members if m.name == CONTENT_TYPES_PART), None)
    if member is None or member.flags & _FLAG_ENCRYPTED:
        return None
    data: bytes | None
    try:
        if complete:
            with (
                zipfile.ZipFile(io.BytesIO(head)) as archive,
                archive.open(CONTENT_TYPES_PART) as part,
            ):
                data = part.read(_MAX_CONTENT_TYPES_BYTES)
        else:
            data = _read_local(head, member)
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, ValueError, OSError, zlib.error):
        return None
    if data is None:
        return None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace").encode("utf-8")
    return data


def _read_local(head: bytes, member: _Member) -> bytes | None:
    assert member.data_offset is not None
    raw = head[member.data_offset :]
    if not member.flags & _FLAG_DATA_DESCRIPTOR:
        if member.data_offset + member.compressed_size > len(head):
            return None
        raw = raw[: member.compressed_size]
    if member.method == _STORED:
        return raw if not member.flags & _FLAG_DATA_DESCRIPTOR else None
    if member.method != _DEFLATED:
        return None
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    data = inflater.decompress(raw, _MAX_CONTENT_TYPES_BYTES)
    return data if inflater.eof else None


def _kind_from_content_types(content_types: bytes) -> str | None:
    kinds = {kind for marker, kind in _MAIN_CONTENT_TYPES.items() if marker in content_types}
    return kinds.pop() if len(kinds) == 1 else None


def _kind_from_part_names(names: list[str]) -> str | None:
    for name in names:
        if name in _MAIN_PARTS:
            return _MAIN_PARTS[name]
    kinds = {
        kind
        for name in names
        for folder, kind in _PART_FOLDERS.items()
        if name.startswith(folder) and name.endswith((".xml", ".rels"))
    }
    looks_packaged = any(name.startswith(_PACKAGE_MARKERS) for name in names)
    return kinds.pop() if len(kinds) == 1 and looks_packaged else None
