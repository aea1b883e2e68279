"""BlobStorage port: files kept by path, privately."""

from __future__ import annotations

from typing import Protocol


class BlobStorage(Protocol):
    async def put(self, path: str, content: bytes, content_type: str) -> None:
        """Store the content at the path, replacing what was there, all or nothing."""
        ...

    async def get(self, path: str) -> bytes:
        """The content at the path; raises NotFound if there is none."""
        ...

    async def delete(self, path: str) -> None:
        """Remove the content at the path; nothing happens if there is none."""
        ...
