"""The fake Supabase Storage speaks like the real one: checked over raw HTTP, and through storage3
(the library the adapter uses), whose error parsing must find what it expects."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from storage3 import AsyncStorageClient
from storage3.exceptions import StorageApiError

from tests.support.fake_supabase_storage import FAKE_BASE_URL, FakeSupabaseStorage

KEY = "the-service-key"
HEADERS = {"apikey": KEY, "Authorization": f"Bearer {KEY}"}


@pytest.fixture
def fake() -> FakeSupabaseStorage:
    fake = FakeSupabaseStorage(service_key=KEY)
    fake.add_bucket("private")
    return fake


@pytest.fixture
async def client(fake: FakeSupabaseStorage) -> AsyncIterator[httpx.AsyncClient]:
    async with fake.client() as client:
        yield client


@pytest.fixture
def storage(client: httpx.AsyncClient) -> AsyncStorageClient:
    return AsyncStorageClient(f"{FAKE_BASE_URL}/storage/v1/", HEADERS, http_client=client)


def _upload(name: str, content: bytes = b"x") -> dict[str, tuple[str, bytes, str]]:
    return {"file": (name.rsplit("/", 1)[-1], content, "text/plain")}


async def test_the_gateway_wants_a_key_of_the_project(client: httpx.AsyncClient) -> None:
    missing = await client.get("/storage/v1/bucket/private")
    wrong = await client.get("/storage/v1/bucket/private", headers={"apikey": "nope"})

    assert missing.status_code == wrong.status_code == 401
    assert missing.json()["message"] == "No API key found in request"
    assert wrong.json()["message"] == "Invalid API key"


async def test_a_refused_token_is_access_denied_with_http_400(client: httpx.AsyncClient) -> None:
    answer = await client.post(
        "/storage/v1/object/private/a.txt",
        headers={"apikey": KEY, "Authorization": "Bearer forged"},
        files=_upload("a.txt"),
    )

    assert answer.status_code == 400
    assert answer.json() == {
        "statusCode": "403",
        "code": "AccessDenied",
        "error": "Unauthorized",
        "message": "invalid signature",
    }


async def test_a_download_with_a_refused_token_finds_no_private_bucket(
    client: httpx.AsyncClient, storage: AsyncStorageClient
) -> None:
    await storage.from_("private").upload("a.txt", b"x")

    anonymous = await client.get(
        "/storage/v1/object/private/a.txt", headers={"apikey": KEY, "Authorization": "Bearer no"}
    )
    authenticated = await client.get(
        "/storage/v1/object/authenticated/private/a.txt",
        headers={"apikey": KEY, "Authorization": "Bearer no"},
    )

    assert anonymous.status_code == 400
    assert anonymous.json()["statusCode"] == "404"
    assert anonymous.json()["error"] == "Bucket not found"
    assert authenticated.json()["statusCode"] == "403"


async def test_storage3_reads_a_missing_object_as_statuscode_404_not_found(
    storage: AsyncStorageClient,
) -> None:
    with pytest.raises(StorageApiError) as error:
        await storage.from_("private").download("nothing.txt")

    assert (error.value.status, error.value.code, error.value.message) == (
        "404",
        "not_found",
        "Object not found",
    )


async def test_an_upload_replaces_only_when_asked(storage: AsyncStorageClient) -> None:
    bucket = storage.from_("private")
    await bucket.upload("a/b.txt", b"one")

    with pytest.raises(StorageApiError) as error:
        await bucket.upload("a/b.txt", b"two")
    await bucket.upload("a/b.txt", b"three", {"upsert": "true", "content-type": "text/csv"})

    assert (error.value.status, error.value.code) == ("409", "Duplicate")
    assert await bucket.download("a/b.txt") == b"three"


async def test_a_key_outside_supabase_s_characters_is_invalid(
    storage: AsyncStorageClient, fake: FakeSupabaseStorage
) -> None:
    for name in ("vacío.txt", "50%25.txt", "a~b", "tab\tname"):
        with pytest.raises(StorageApiError) as error:
            await storage.from_("private").upload(name, b"x")
        assert (error.value.status, error.value.code) == ("400", "InvalidKey")
    assert fake.objects("private") == {}


async def test_remove_takes_exact_names_and_answers_with_what_went(
    storage: AsyncStorageClient, fake: FakeSupabaseStorage
) -> None:
    bucket = storage.from_("private")
    await bucket.upload("a/b", b"x")
    await bucket.upload("a/b/c", b"y")

    removed = await bucket.remove(["a/b", "never"])

    assert [entry["name"] for entry in removed] == ["a/b"]
    assert list(fake.objects("private")) == ["a/b/c"]


async def test_buckets_are_created_private_unless_asked_and_only_once(
    storage: AsyncStorageClient,
) -> None:
    await storage.create_bucket("made")
    with pytest.raises(StorageApiError) as error:
        await storage.create_bucket("made")

    assert not (await storage.get_bucket("made")).public
    assert (error.value.status, error.value.code) == ("409", "Duplicate")
    with pytest.raises(StorageApiError) as missing:
        await storage.get_bucket("nothing")
    assert (missing.value.status, missing.value.code) == ("404", "Bucket not found")


async def test_injected_faults_come_first_then_pass(
    client: httpx.AsyncClient, fake: FakeSupabaseStorage
) -> None:
    fake.fail_next(2, status=503, retry_after=3)

    first = await client.get("/storage/v1/bucket/private", headers=HEADERS)
    second = await client.get("/storage/v1/bucket/private")
    third = await client.get("/storage/v1/bucket/private", headers=HEADERS)

    assert (first.status_code, second.status_code, third.status_code) == (503, 503, 200)
    assert first.headers["retry-after"] == "3"
    assert first.headers["content-type"].startswith("text/plain")
    assert [request.authorised for request in fake.requests] == [True, False, True]
