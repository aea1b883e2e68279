"""The contract suites run every test against every persistence adapter: memory, SQLite, PostgreSQL."""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy.ext.asyncio import AsyncEngine

from ignacio.adapters.memory import InMemoryStore, InMemoryUnitOfWorkFactory
from ignacio.adapters.sql import SqlUnitOfWorkFactory, create_engine
from ignacio.application.ports import UnitOfWorkFactory
from ignacio.domain import PhoneNumber
from tests.contract.builders import home_of
from tests.support.databases import migrated_sqlite

_NONCE_BYTES = 12


class FixedKeyPhoneCipher:
    """An honest PhoneCipher with fixed test keys: AES-GCM to encrypt, HMAC-SHA256 to look up."""

    def __init__(self) -> None:
        self._aead = AESGCM(bytes(range(32)))
        self._lookup_key = bytes(range(32, 64))

    def encrypt(self, phone: PhoneNumber) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, phone.e164.encode(), None)

    def decrypt(self, ciphertext: bytes) -> PhoneNumber:
        try:
            plain = self._aead.decrypt(ciphertext[:_NONCE_BYTES], ciphertext[_NONCE_BYTES:], None)
        except InvalidTag as error:
            raise ValueError("The phone number was tampered with.") from error
        return PhoneNumber(e164=plain.decode())

    def lookup_key(self, phone: PhoneNumber) -> str:
        return hmac.new(self._lookup_key, phone.e164.encode(), hashlib.sha256).hexdigest()


@dataclass
class Backend:
    """One adapter under test; `engine` and `url` are None for the memory adapter."""

    name: str
    uow: UnitOfWorkFactory
    engine: AsyncEngine | None = None
    url: str | None = None


@pytest.fixture
def cipher() -> FixedKeyPhoneCipher:
    return FixedKeyPhoneCipher()


_POSTGRES = pytest.param("postgres", marks=pytest.mark.postgres)


async def _open(
    kind: str, request: pytest.FixtureRequest, tmp_path: Path, cipher: FixedKeyPhoneCipher
) -> AsyncIterator[Backend]:
    if kind == "memory":
        yield Backend("memory", InMemoryUnitOfWorkFactory(InMemoryStore()))
        return
    if kind == "sqlite":
        url = await migrated_sqlite(tmp_path)
    else:
        url = request.getfixturevalue("postgres_url")
    engine = create_engine(url)
    try:
        yield Backend(kind, SqlUnitOfWorkFactory(engine, cipher), engine, url)
    finally:
        await engine.dispose()


@pytest.fixture(params=["memory", "sqlite", _POSTGRES])
async def backend(
    request: pytest.FixtureRequest, tmp_path: Path, cipher: FixedKeyPhoneCipher
) -> AsyncIterator[Backend]:
    """Each adapter in turn."""
    async for opened in _open(request.param, request, tmp_path, cipher):
        yield opened


@pytest.fixture(params=["sqlite", _POSTGRES])
async def sql_backend(
    request: pytest.FixtureRequest, tmp_path: Path, cipher: FixedKeyPhoneCipher
) -> AsyncIterator[Backend]:
    """Each database adapter, for tests that look at the stored rows themselves."""
    async for opened in _open(request.param, request, tmp_path, cipher):
        yield opened


@pytest.fixture
def uow_factory(backend: Backend) -> UnitOfWorkFactory:
    return backend.uow


@pytest.fixture
async def home(uow_factory: UnitOfWorkFactory) -> UUID:
    """The id of the backend's default workspace, where a test's data is unless it says."""
    return await home_of(uow_factory)
