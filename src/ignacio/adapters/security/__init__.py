"""Cryptography adapters: keyed hashes, phone number encryption and access tokens."""

from ignacio.adapters.security.hashing import HmacSecretHasher
from ignacio.adapters.security.keys import KeyRing, derive_key
from ignacio.adapters.security.phone_cipher import AesGcmPhoneCipher
from ignacio.adapters.security.tokens import JwtAccessTokens

__all__ = ["AesGcmPhoneCipher", "HmacSecretHasher", "JwtAccessTokens", "KeyRing", "derive_key"]
