"""MediaFetcher port: download what a person sent from the provider."""

from __future__ import annotations

from typing import Protocol

import msgspec

from ignacio.domain import MediaRef


class FetchedMedia(msgspec.Struct, frozen=True, kw_only=True):
    content: bytes
    mime_type: str


class MediaFetcher(Protocol):
    async def fetch(self, media: MediaRef) -> FetchedMedia:
        """The media's bytes; raises SendFailure (retriable or not) when the provider fails."""
        ...
