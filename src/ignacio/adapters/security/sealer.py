"""Bytes sealed with AES-256-GCM under a key derived from the phone key: whatever may carry a
phone number at rest (a set-aside webhook body) is as safe as the numbers themselves."""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ignacio.adapters.security.keys import derive_key

_NONCE_BYTES = 12
_ASSOCIATED_DATA = b"ignacio:sealed:v1"


class AesGcmSealer:
    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(derive_key(key, "ignacio sealed bytes v1"))

    def seal(self, plain: bytes) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, plain, _ASSOCIATED_DATA)

    def open(self, sealed: bytes) -> bytes:
        nonce, box = sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:]
        try:
            return self._aead.decrypt(nonce, box, _ASSOCIATED_DATA)
        except InvalidTag as error:
            raise ValueError(
                "The sealed bytes could not be opened: wrong key or altered."
            ) from error
