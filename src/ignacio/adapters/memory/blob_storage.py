"""Blob storage in a dict, for tests: the same paths refused, the same errors as on disk."""

from __future__ import annotations

from ignacio.domain import Conflict, NotFound
from ignacio.domain.files import check_storage_path


class InMemoryBlobStorage:
    """`contents` and `content_types` by path let tests look at what was stored."""

    def __init__(self) -> None:
        self.contents: dict[str, bytes] = {}
        self.content_types: dict[str, str] = {}

    async def put(self, path: str, content: bytes, content_type: str) -> None:
        check_storage_path(path)
        # A file and a folder cannot share a path on disk; neither can they here.
        folder = path + "/"
        parents = {path[:index] for index, char in enumerate(path) if char == "/"}
        if any(key.startswith(folder) for key in self.contents) or parents & self.contents.keys():
            raise Conflict("Something else is stored at this path or above it.")
        self.contents[path] = bytes(content)
        self.content_types[path] = content_type

    async def get(self, path: str) -> bytes:
        check_storage_path(path)
        try:
            return self.contents[path]
        except KeyError:
            raise NotFound("There is no file at this path.") from None

    async def delete(self, path: str) -> None:
        check_storage_path(path)
        self.contents.pop(path, None)
        self.content_types.pop(path, None)
