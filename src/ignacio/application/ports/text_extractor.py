"""TextExtractor port: the text of a document, in structural sections."""

from __future__ import annotations

from typing import Protocol

from ignacio.domain.knowledge import Extraction


class TextExtractor(Protocol):
    async def extract(self, content: bytes, media_type: str) -> Extraction:
        """The sections of the document, in reading order.

        Never raises for bad content: a damaged or unreadable file is `FAILED` with a note, a
        readable one without text (a scanned PDF) is `NO_TEXT`, media without text (images,
        audio, video) is `NOT_APPLICABLE`.
        """
        ...
