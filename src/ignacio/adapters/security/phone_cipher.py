"""Phone numbers encrypted with AES-256-GCM, and found through an HMAC of the number."""

from __future__ import annotations

import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ignacio.adapters.security.keys import derive_key
from ignacio.domain import PhoneNumber

_NONCE_BYTES = 12
_ASSOCIATED_DATA = b"ignacio:phone:v1"


class AesGcmPhoneCipher:
    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(derive_key(key, "ignacio phone encryption v1"))
        self._lookup_key = derive_key(key, "ignacio phone lookup v1")

    def encrypt(self, phone: PhoneNumber) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, phone.e164.encode(), _ASSOCIATED_DATA)

    def decrypt(self, ciphertext: bytes) -> PhoneNumber:
        nonce, sealed = ciphertext[:_NONCE_BYTES], ciphertext[_NONCE_BYTES:]
        try:
            plain = self._aead.decrypt(nonce, sealed, _ASSOCIATED_DATA)
        except InvalidTag as error:
            raise ValueError(
                "A phone number could not be decrypted: wrong key or altered data."
            ) from error
        return PhoneNumber(e164=plain.decode())

    def lookup_key(self, phone: PhoneNumber) -> str:
        return hmac.new(self._lookup_key, phone.e164.encode(), hashlib.sha256).hexdigest()
