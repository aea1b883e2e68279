"""FileTypeDetector port: what a file is, decided from its bytes."""

from __future__ import annotations

from typing import Protocol


class FileTypeDetector(Protocol):
    def detect(self, head: bytes, file_name: str | None = None) -> str | None:
        """The canonical media type of content starting with `head` (at least its first 64 KiB,
        or all of it when shorter), or None when it is not a type Ignacio recognises.

        The content decides: a name's extension may only choose between types the bytes leave
        open (plain text, CSV and Markdown look alike), never make a program a PDF.
        """
        ...
