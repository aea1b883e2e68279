"""PhoneCipher port: phone numbers are encrypted at rest and found through a keyed hash."""

from __future__ import annotations

from typing import Protocol

from ignacio.domain import PhoneNumber


class PhoneCipher(Protocol):
    def encrypt(self, phone: PhoneNumber) -> bytes:
        """Authenticated encryption of the number (a fresh nonce each time)."""
        ...

    def decrypt(self, ciphertext: bytes) -> PhoneNumber:
        """The number back; raises ValueError if the ciphertext was tampered with."""
        ...

    def lookup_key(self, phone: PhoneNumber) -> str:
        """A keyed hash of the number, the same every time, to find and keep numbers unique."""
        ...
