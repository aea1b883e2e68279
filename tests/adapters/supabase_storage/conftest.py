"""One fake Supabase Storage served on 127.0.0.1 for the module, emptied before each test, and
the adapter pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from ignacio.adapters.supabase_storage import SupabaseBlobStorage
from tests.support.fake_supabase_storage import FakeSupabaseStorage

BUCKET = "ignacio-files"


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[FakeSupabaseStorage, str]]:
    fake = FakeSupabaseStorage()
    with fake.serve() as base_url:
        yield fake, base_url


@pytest.fixture
def fake(served: tuple[FakeSupabaseStorage, str]) -> FakeSupabaseStorage:
    served[0].reset()
    return served[0]


@pytest.fixture
def base_url(served: tuple[FakeSupabaseStorage, str]) -> str:
    return served[1]


@pytest.fixture
async def storage(fake: FakeSupabaseStorage, base_url: str) -> AsyncIterator[SupabaseBlobStorage]:
    """The adapter, on a bucket that exists."""
    fake.add_bucket(BUCKET)
    storage = SupabaseBlobStorage(base_url, fake.service_key, BUCKET)
    yield storage
    await storage.aclose()
