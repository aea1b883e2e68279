"""SecretHasher port: one-way digests of codes and tokens, so a stolen database reveals neither."""

from __future__ import annotations

from typing import Protocol


class SecretHasher(Protocol):
    def digest(self, secret: str) -> str:
        """A keyed, deterministic digest of the secret (the same input gives the same digest)."""
        ...

    def matches(self, secret: str, digest: str) -> bool:
        """Whether the secret has this digest, compared in constant time."""
        ...
