"""A fake OpenAI Files and Vector Stores API per test, and the index pointed at it in-process."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from uuid import UUID, uuid4

import openai
import pytest

from ignacio.adapters.openai_vector_store import OpenAIVectorStoreIndex
from ignacio.domain.knowledge import Chunk
from tests.support.documents import MemberFile
from tests.support.fake_openai_files import FAKE_API_KEY, FAKE_BASE_URL, FakeOpenAIFiles

ClientFactory = Callable[..., openai.AsyncOpenAI]
IndexFactory = Callable[..., OpenAIVectorStoreIndex]


@pytest.fixture
def fake() -> FakeOpenAIFiles:
    return FakeOpenAIFiles()


@pytest.fixture
async def make_client(fake: FakeOpenAIFiles) -> AsyncIterator[ClientFactory]:
    """Clients reaching the fake in-process; each a separate process's client, as it were."""
    clients: list[openai.AsyncOpenAI] = []

    def make(*, api_key: str = FAKE_API_KEY, max_retries: int = 2) -> openai.AsyncOpenAI:
        client = openai.AsyncOpenAI(
            api_key=api_key,
            base_url=FAKE_BASE_URL,
            max_retries=max_retries,
            timeout=10.0,
            http_client=fake.http_client(),
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


@pytest.fixture
def make_index(make_client: ClientFactory) -> IndexFactory:
    def make(
        *,
        api_key: str = FAKE_API_KEY,
        max_retries: int = 2,
        poll_interval: float = 0.01,
        max_processing_wait: float = 60.0,
        store_prefix: str = "ignacio",
        min_score: float | None = None,
    ) -> OpenAIVectorStoreIndex:
        return OpenAIVectorStoreIndex(
            make_client(api_key=api_key, max_retries=max_retries),
            store_prefix=store_prefix,
            poll_interval=poll_interval,
            max_processing_wait=max_processing_wait,
            min_score=min_score,
        )

    return make


@pytest.fixture
def index(make_index: IndexFactory) -> OpenAIVectorStoreIndex:
    return make_index()


WORKSPACE = UUID("7e57a000-0000-4000-8000-00000000000a")
"""The workspace the files of these tests are in, unless one says otherwise."""


def a_file(
    *texts: str,
    workspace_id: UUID = WORKSPACE,
    user_id: UUID | None = None,
    file_id: UUID | None = None,
    file_name: str = "notes.pdf",
    location: str | None = None,
) -> MemberFile:
    return MemberFile(
        workspace_id=workspace_id,
        user_id=user_id or uuid4(),
        file_id=file_id or uuid4(),
        file_name=file_name,
        media_type="application/pdf",
        chunks=[Chunk(ordinal=i, text=text, location=location) for i, text in enumerate(texts)],
    )
