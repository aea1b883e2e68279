"""Object keys: a storage path written in the only characters Supabase Storage accepts in a key.

Supabase Storage refuses a key unless each of its characters is an ASCII letter or digit or one
of `_ / ! - . * ' ( ) & $ @ = ; : + , ?` and space (`isValidKey` in supabase/storage): a member's
`informe año 2024.pdf` would be refused with `InvalidKey`. So each part of a checked path keeps
its ASCII letters, digits, `- _ . =` and spaces, and every other character is written as its
UTF-8 bytes, each as `!` and two hexadecimal digits (`ñ` is `!C3!B1`, `!` itself `!21`). The
mapping is one to one, so two paths never share a key; and `%` never reaches storage3, which
percent-decodes a path before sending it.
"""

from __future__ import annotations

import string

from ignacio.domain import InvalidInput
from ignacio.domain.files import check_storage_path

# Supabase keeps an object in S3 as `{project}/{bucket}/{key}/{version}`, and S3 keys stop at
# 1,024 bytes; 900 leaves room for the rest with any bucket name Supabase allows (63 at most).
MAX_KEY_LENGTH = 900

_KEPT = frozenset(string.ascii_letters + string.digits + "-_.= ")
_ESCAPE = "!"


def object_key(path: str) -> str:
    """The key a storage path is kept under; InvalidInput for a path no adapter accepts, or one
    too long once written as a key."""
    check_storage_path(path)
    key = "/".join(_escaped(part) for part in path.split("/"))
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidInput("A storage path is too long for Supabase Storage.")
    return key


def path_of(key: str) -> str:
    """The storage path a key was made from (its inverse, for reading the bucket's contents)."""
    parts = []
    for part in key.split("/"):
        decoded = bytearray()
        index = 0
        while index < len(part):
            if part[index] == _ESCAPE:
                decoded.append(int(part[index + 1 : index + 3], 16))
                index += 3
            else:
                decoded.extend(part[index].encode("ascii"))
                index += 1
        parts.append(decoded.decode("utf-8"))
    return "/".join(parts)


def _escaped(part: str) -> str:
    return "".join(
        char if char in _KEPT else "".join(f"{_ESCAPE}{byte:02X}" for byte in char.encode("utf-8"))
        for char in part
    )
