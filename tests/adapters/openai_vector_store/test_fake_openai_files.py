"""The fake OpenAI Files and Vector Stores API speaks OpenAI's protocol, as the SDK expects it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx2
import openai
import pytest

from tests.adapters.openai_vector_store.conftest import ClientFactory
from tests.support.fake_openai_files import FAKE_API_KEY, FAKE_BASE_URL, FakeOpenAIFiles

AUTH = {"Authorization": f"Bearer {FAKE_API_KEY}"}


@pytest.fixture
async def http(fake: FakeOpenAIFiles) -> AsyncIterator[httpx2.AsyncClient]:
    async with fake.http_client(base_url=FAKE_BASE_URL) as client:
        yield client


async def test_a_wrong_or_missing_key_is_refused_in_openais_shape(
    http: httpx2.AsyncClient,
) -> None:
    wrong = await http.get("/vector_stores", headers={"Authorization": "Bearer sk-nope-12345678"})
    missing = await http.get("/vector_stores")

    assert wrong.status_code == 401
    error = wrong.json()["error"]
    assert error["code"] == "invalid_api_key"
    assert error["type"] == "invalid_request_error"
    assert "sk-nope-12345678" not in error["message"]
    assert missing.status_code == 401
    assert "didn't provide an API key" in missing.json()["error"]["message"]
    assert wrong.headers["x-request-id"].startswith("req_")


async def test_unknown_urls_and_objects_answer_404_in_openais_shape(
    http: httpx2.AsyncClient,
) -> None:
    route = await http.get("/nothing/here", headers=AUTH)
    file = await http.get("/files/file-missing", headers=AUTH)
    store = await http.get("/vector_stores/vs_missing/files", headers=AUTH)

    assert route.status_code == 404
    assert route.json()["error"]["message"] == "Invalid URL (GET /v1/nothing/here)"
    assert file.status_code == 404
    assert file.json()["error"]["message"] == "No such File object: file-missing"
    assert store.status_code == 404


async def test_uploads_are_multipart_with_a_known_purpose(http: httpx2.AsyncClient) -> None:
    no_purpose = await http.post("/files", headers=AUTH, files={"file": ("a.md", b"text")})
    bad_purpose = await http.post(
        "/files", headers=AUTH, files={"file": ("a.md", b"text")}, data={"purpose": "fun"}
    )
    empty = await http.post(
        "/files", headers=AUTH, files={"file": ("a.md", b"")}, data={"purpose": "assistants"}
    )
    json_body = await http.post("/files", headers=AUTH, json={"purpose": "assistants"})

    assert [r.status_code for r in (no_purpose, bad_purpose, empty, json_body)] == [400] * 4
    assert no_purpose.json()["error"]["param"] == "purpose"


async def test_vector_store_files_are_processed_on_the_first_poll(
    make_client: ClientFactory,
) -> None:
    client = make_client()
    store = await client.vector_stores.create(name="s", metadata={"k": "v"})
    uploaded = await client.files.create(file=("a.md", b"hello world"), purpose="assistants")

    attached = await client.vector_stores.files.create(
        store.id, file_id=uploaded.id, attributes={"n": 1, "flag": True}
    )
    polled = await client.vector_stores.files.retrieve(uploaded.id, vector_store_id=store.id)

    assert attached.status == "in_progress"
    assert polled.status == "completed"
    assert polled.attributes == {"n": 1, "flag": True}
    assert (await client.vector_stores.retrieve(store.id)).file_counts.completed == 1


async def test_attributes_and_metadata_are_limited_as_at_openai(
    make_client: ClientFactory,
) -> None:
    client = make_client()
    store = await client.vector_stores.create(name="s")
    uploaded = await client.files.create(file=("a.md", b"hello"), purpose="assistants")

    with pytest.raises(openai.BadRequestError, match="too many properties"):
        await client.vector_stores.files.create(
            store.id, file_id=uploaded.id, attributes={f"k{i}": i for i in range(17)}
        )
    with pytest.raises(openai.BadRequestError, match="string too long"):
        await client.vector_stores.create(metadata={"k": "x" * 513})


async def test_lists_are_cursor_pages_newest_first(make_client: ClientFactory) -> None:
    client = make_client()
    created = [(await client.vector_stores.create(name=f"s{i}")).id for i in range(5)]

    first = await client.vector_stores.list(limit=2)
    every = [store.id async for store in client.vector_stores.list(limit=2)]
    oldest_first = [store.id async for store in client.vector_stores.list(order="asc")]

    assert [s.id for s in first.data] == created[:-3:-1]
    assert first.has_more is True
    assert every == created[::-1]
    assert oldest_first == created


async def test_search_ranks_by_shared_words_within_one_store_and_honours_filters(
    make_client: ClientFactory,
) -> None:
    client = make_client()
    mine = await client.vector_stores.create(name="mine")
    other = await client.vector_stores.create(name="other")
    for store, name, text, kind in [
        (mine, "a.md", "Café opening hours and prices", "menu"),
        (mine, "b.md", "Opening ceremony", "event"),
        (other, "c.md", "Cafe opening hours elsewhere", "menu"),
    ]:
        uploaded = await client.files.create(file=(name, text.encode()), purpose="assistants")
        await client.vector_stores.files.create_and_poll(
            uploaded.id, vector_store_id=store.id, attributes={"kind": kind}, poll_interval_ms=1
        )

    ranked = await client.vector_stores.search(mine.id, query="cafe opening hours")
    filtered = await client.vector_stores.search(
        mine.id, query="opening", filters={"type": "eq", "key": "kind", "value": "event"}
    )

    assert [hit.filename for hit in ranked.data] == ["a.md", "b.md"]
    assert ranked.data[0].score > ranked.data[1].score
    assert ranked.data[0].content[0].text == "Café opening hours and prices"
    assert [hit.filename for hit in filtered.data] == ["b.md"]


async def test_deleting_a_file_detaches_it_everywhere(
    make_client: ClientFactory, fake: FakeOpenAIFiles
) -> None:
    client = make_client()
    store = await client.vector_stores.create(name="s")
    uploaded = await client.files.create(file=("a.md", b"hello"), purpose="assistants")
    await client.vector_stores.files.create(store.id, file_id=uploaded.id)

    deleted = await client.files.delete(uploaded.id)

    assert deleted.deleted is True
    assert fake.store_files(store.id) == {}
    assert fake.deleted_file_ids == [uploaded.id]


async def test_injected_faults_carry_retry_after(
    http: httpx2.AsyncClient, fake: FakeOpenAIFiles
) -> None:
    fake.fail_next(1, status=429, retry_after=3, endpoint="search")
    fake.fail_next(1, status=503)

    listed = await http.get("/vector_stores", headers=AUTH)
    searched = await http.post("/vector_stores/vs_x/search", headers=AUTH, json={"query": "q"})
    after = await http.get("/vector_stores", headers=AUTH)

    assert listed.status_code == 503
    assert listed.json()["error"]["type"] == "server_error"
    assert searched.status_code == 429
    assert searched.headers["retry-after"] == "3"
    assert searched.json()["error"]["code"] == "rate_limit_exceeded"
    assert after.status_code == 200


async def test_attributes_belong_to_each_stores_copy_and_eq_filters_on_them(
    make_client: ClientFactory,
) -> None:
    """One upload attached to two stores carries each store's attributes; `eq` keeps to the
    files whose attribute has that very value (not a number for its string, not a missing key)."""
    client = make_client()
    first = await client.vector_stores.create(name="first")
    second = await client.vector_stores.create(name="second")
    shared = await client.files.create(file=("a.md", b"budget for the fair"), purpose="assistants")
    plain = await client.files.create(file=("b.md", b"budget, no attributes"), purpose="assistants")
    numeric = await client.files.create(file=("c.md", b"budget as a number"), purpose="assistants")
    attaching: list[tuple[Any, Any, dict[str, str | float | bool] | None]] = [
        (first, shared, {"workspace_id": "w-a"}),
        (second, shared, {"workspace_id": "w-b"}),
        (first, plain, None),
        (first, numeric, {"workspace_id": 7}),
    ]
    for store, upload, attributes in attaching:
        await client.vector_stores.files.create_and_poll(
            upload.id, vector_store_id=store.id, attributes=attributes, poll_interval_ms=1
        )

    async def found(store_id: str, value: str | float) -> list[str]:
        page = await client.vector_stores.search(
            store_id,
            query="budget",
            filters={"type": "eq", "key": "workspace_id", "value": value},
        )
        return [hit.filename for hit in page.data]

    assert await found(first.id, "w-a") == ["a.md"]
    assert await found(first.id, "w-b") == []
    assert await found(second.id, "w-b") == ["a.md"]
    assert await found(first.id, "7") == []
    assert await found(first.id, 7) == ["c.md"]
    listed = {f.id: f.attributes async for f in client.vector_stores.files.list(first.id)}
    assert listed[shared.id] == {"workspace_id": "w-a"}


@pytest.mark.parametrize(
    ("filters", "param"),
    [
        ("workspace_id = 'w-a'", "filters"),
        ({"key": "workspace_id", "value": "w-a"}, "filters.type"),
        ({"type": "like", "key": "workspace_id", "value": "w-a"}, "filters.type"),
        ({"type": "eq", "value": "w-a"}, "filters.key"),
        ({"type": "eq", "key": "workspace_id"}, "filters.value"),
        ({"type": "eq", "key": 1, "value": "w-a"}, "filters.key"),
        ({"type": "eq", "key": "workspace_id", "value": {"$ne": ""}}, "filters.value"),
        ({"type": "eq", "key": "workspace_id", "value": None}, "filters.value"),
        ({"type": "in", "key": "workspace_id", "value": "w-a"}, "filters.value"),
        ({"type": "eq", "key": "k", "value": "v", "op": "or"}, "filters.op"),
        ({"type": "and"}, "filters.filters"),
        ({"type": "or", "filters": [{"type": "eq", "key": "k"}]}, "filters.filters[0].value"),
    ],
)
async def test_malformed_filters_are_refused_even_on_an_empty_store(
    http: httpx2.AsyncClient, filters: object, param: str
) -> None:
    store = await http.post("/vector_stores", headers=AUTH, json={"name": "empty"})
    searched = await http.post(
        f"/vector_stores/{store.json()['id']}/search",
        headers=AUTH,
        json={"query": "budget", "filters": filters},
    )

    assert searched.status_code == 400
    assert searched.json()["error"]["param"] == param
