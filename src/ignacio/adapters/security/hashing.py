"""HMAC-SHA256 digests of login codes and refresh tokens.

Keyed, because a six-digit code has only a million values: a plain hash would fall to a lookup
table if the database leaked.
"""

from __future__ import annotations

import hashlib
import hmac


class HmacSecretHasher:
    def __init__(self, key: bytes) -> None:
        self._key = key

    def digest(self, secret: str) -> str:
        return hmac.new(self._key, secret.encode(), hashlib.sha256).hexdigest()

    def matches(self, secret: str, digest: str) -> bool:
        return hmac.compare_digest(self.digest(secret), digest)
