"""Cryptography adapters: keyed hashes, phone number encryption, sealed bytes, access tokens and
signed links to files."""

from ignacio.adapters.security.file_links import SignedFileLinks
from ignacio.adapters.security.hashing import HmacSecretHasher
from ignacio.adapters.security.keys import KeyRing, derive_key
from ignacio.adapters.security.phone_cipher import AesGcmPhoneCipher
from ignacio.adapters.security.sealer import AesGcmSealer
from ignacio.adapters.security.tokens import JwtAccessTokens

__all__ = [
    "AesGcmPhoneCipher",
    "AesGcmSealer",
    "HmacSecretHasher",
    "JwtAccessTokens",
    "KeyRing",
    "SignedFileLinks",
    "derive_key",
]
