"""Reading a file through its public link (what Twilio fetches to send it)."""

from __future__ import annotations

import msgspec

from ignacio.application.ports import BlobStorage, Clock, FileLinks, LinkedFile
from ignacio.application.ports.file_links import NO_SUCH_LINK
from ignacio.domain import NotFound


class LinkedContent(msgspec.Struct, frozen=True, kw_only=True):
    file: LinkedFile
    content: bytes


class ReadLinkedFile:
    """The file a public link points to, while the link lasts; a link to a file deleted since
    looks like any other dead link."""

    def __init__(self, links: FileLinks, storage: BlobStorage, clock: Clock) -> None:
        self._links = links
        self._storage = storage
        self._clock = clock

    async def __call__(self, token: str) -> LinkedContent:
        file = self._links.read(token, self._clock.now())
        try:
            content = await self._storage.get(file.path)
        except NotFound as error:
            raise NotFound(NO_SUCH_LINK) from error
        return LinkedContent(file=file, content=content)
