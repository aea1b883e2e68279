"""Sealer port: bytes kept at rest that must not be readable without the key."""

from __future__ import annotations

from typing import Protocol


class Sealer(Protocol):
    def seal(self, plain: bytes) -> bytes:
        """Authenticated encryption of the bytes (a fresh nonce each time)."""
        ...

    def open(self, sealed: bytes) -> bytes:
        """The bytes back; raises ValueError if they were altered or sealed with another key."""
        ...
