"""The server's keys, and the sub-keys derived from them for each purpose."""

from __future__ import annotations

import msgspec
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


class KeyRing(msgspec.Struct, frozen=True, kw_only=True):
    """`jwt_secret` signs tokens and keys the hashes of codes; `phone_key` encrypts numbers."""

    jwt_secret: bytes
    phone_key: bytes

    def __post_init__(self) -> None:
        if len(self.jwt_secret) < 32:
            raise ValueError("JWT_SECRET_KEY must have at least 32 characters.")
        if len(self.phone_key) != 32:
            raise ValueError("IGNACIO_PHONE_KEY must be 32 bytes, base64-encoded.")


def derive_key(master: bytes, purpose: str) -> bytes:
    """A 32-byte key for one purpose; keys for different purposes cannot be related to each other."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode()).derive(
        master
    )
