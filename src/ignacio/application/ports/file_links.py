"""FileLinks port: short-lived public addresses of stored files, for providers that fetch a file
themselves (Twilio takes a `MediaUrl`, not an upload)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

import msgspec

NO_SUCH_LINK = "This link does not exist or has expired."


class LinkedFile(msgspec.Struct, frozen=True, kw_only=True):
    """What a valid link points to."""

    path: str
    media_type: str
    file_name: str


class FileLinks(Protocol):
    def link(self, file: LinkedFile, now: datetime) -> str | None:
        """A public address of the file that works for a short while; None where this server
        has no public address configured."""
        ...

    def read(self, token: str, now: datetime) -> LinkedFile:
        """The file a link's token points to; raises NotFound when the token is not genuine or
        has expired (a guessed or stale link looks like no file at all)."""
        ...
