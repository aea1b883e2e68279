"""OLE compound files (Office 97-2003): which program wrote one, told by its stream names."""

from __future__ import annotations

import io
import struct

import olefile

from ignacio.adapters.extraction.sections import Unreadable

OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
WORD_STREAM = "WordDocument"
POWERPOINT_STREAM = "PowerPoint Document"
WORKBOOK_STREAMS = ("Workbook", "Book")
ENCRYPTED_PACKAGE_STREAM = "EncryptedPackage"

DOC = "application/msword"
PPT = "application/vnd.ms-powerpoint"
XLS = "application/vnd.ms-excel"

_DIRECTORY_ENTRY_SIZE = 128
_STREAM_ENTRY = 2
_INTERESTING_STREAMS = frozenset(
    {WORD_STREAM, POWERPOINT_STREAM, *WORKBOOK_STREAMS, ENCRYPTED_PACKAGE_STREAM}
)


def ole_media_type(head: bytes) -> str | None:
    """DOC, PPT or XLS when the compound file starting `head` holds that program's main stream.

    An encrypted Office 2007+ file (also a compound file) and any other compound file (an MSI
    installer, an Outlook message) are None.
    """
    names = _root_stream_names(head)
    if names is None:
        names = _directory_stream_names(head)
    if ENCRYPTED_PACKAGE_STREAM in names:
        return None
    # When the head only allows a raw scan, embedded objects' streams are seen too: a Word
    # document may embed a sheet, so the program's own stream takes precedence.
    if POWERPOINT_STREAM in names:
        return PPT
    if WORD_STREAM in names:
        return DOC
    if any(name in names for name in WORKBOOK_STREAMS):
        return XLS
    return None


def read_stream(content: bytes, name: str) -> bytes | None:
    """The whole of root stream `name`, or None when the file has no such stream.

    Raises Unreadable when the compound file itself is damaged.
    """
    try:
        with olefile.OleFileIO(io.BytesIO(content)) as ole:
            if not ole.exists(name):
                return None
            with ole.openstream(name) as stream:
                data: bytes = stream.read()
                return data
    except Exception as error:
        # olefile reports damage with whatever the parse tripped on (OSError, struct.error...).
        raise Unreadable(f"damaged Office 97-2003 file: {error}") from error


def _root_stream_names(head: bytes) -> set[str] | None:
    try:
        with olefile.OleFileIO(io.BytesIO(head)) as ole:
            return {path[0] for path in ole.listdir(streams=True, storages=False) if len(path) == 1}
    except Exception:
        # A head cut before the directory or the allocation table: scan it raw instead.
        return None


def _directory_stream_names(head: bytes) -> set[str]:
    """Stream names found in directory entries anywhere in `head`, at any depth."""
    if len(head) < 32 or not head.startswith(OLE_SIGNATURE):
        return set()
    sector_shift = struct.unpack_from("<H", head, 30)[0]
    if sector_shift not in (9, 12):
        return set()
    names: set[str] = set()
    for offset in range(1 << sector_shift, len(head) - _DIRECTORY_ENTRY_SIZE + 1, 128):
        name_length = struct.unpack_from("<H", head, offset + 64)[0]
        if not 2 <= name_length <= 64 or name_length % 2 or head[offset + 66] != _STREAM_ENTRY:
            continue
        if head[offset + name_length - 2 : offset + name_length] != b"\x00\x00":
            continue
        name = head[offset : offset + name_length - 2].decode("utf-16-le", errors="replace")
        if name in _INTERESTING_STREAMS:
            names.add(name)
    return names
