"""Names of stored files."""

from __future__ import annotations

import re
import unicodedata

from ignacio.domain.errors import InvalidInput

MAX_FILE_NAME_LENGTH = 120
_UNSAFE = re.compile(r"[^\w.\- ]+")


def safe_file_name(name: str | None, fallback: str) -> str:
    """A file name that is safe in a storage path: no directories, no control or shell-special
    characters, no leading dots, at most 120 characters (the extension kept); `fallback` if
    nothing usable is left."""
    candidate = unicodedata.normalize("NFKC", name or "")
    candidate = candidate.replace("\\", "/").rsplit("/", 1)[-1]
    candidate = _UNSAFE.sub("_", candidate).strip(" ._")
    if not candidate:
        candidate = fallback
    if len(candidate) > MAX_FILE_NAME_LENGTH:
        stem, dot, extension = candidate.rpartition(".")
        if dot and 0 < len(extension) <= 10:
            candidate = stem[: MAX_FILE_NAME_LENGTH - len(extension) - 1] + "." + extension
        else:
            candidate = candidate[:MAX_FILE_NAME_LENGTH]
    return candidate


_MAX_PATH_SEGMENT_BYTES = 255


def check_storage_path(path: str) -> str:
    """A blob's path as every storage adapter accepts it: relative, '/'-separated, valid text,
    no backslash or NUL, no empty, '.' or '..' part, no part over 255 bytes (a file name's limit
    on common file systems). Checked as if it came from outside, though it never should."""
    if not path or path.startswith("/") or "\\" in path or "\x00" in path:
        raise InvalidInput("A storage path is relative, with '/' between its parts.")
    try:
        encoded = path.encode("utf-8")
    except UnicodeEncodeError as error:
        raise InvalidInput("A storage path must be valid text.") from error
    for segment in encoded.split(b"/"):
        if segment in (b"", b".", b".."):
            raise InvalidInput("A storage path has no empty, '.' or '..' parts.")
        if len(segment) > _MAX_PATH_SEGMENT_BYTES:
            raise InvalidInput("A part of a storage path is too long.")
    return path
