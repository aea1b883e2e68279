"""SupabaseBlobStorage against a fake Supabase Storage: the bucket, the keys it writes, and what
each failure becomes (the common behaviour is in tests/contract/test_blob_storage.py)."""

from __future__ import annotations

import logging
import socket
from collections.abc import Awaitable, Callable, Iterator

import pytest

from ignacio.adapters.supabase_storage import SupabaseBlobStorage, path_of
from ignacio.application.ports import BlobStorage
from ignacio.domain import Conflict, InvalidInput, NotFound, UpstreamUnavailable
from tests.adapters.supabase_storage.conftest import BUCKET
from tests.support.fake_supabase_storage import FakeSupabaseStorage

Call = Callable[[SupabaseBlobStorage], Awaitable[object]]
CALLS: dict[str, Call] = {
    "put": lambda storage: storage.put("users/1/files/a.txt", b"x", "text/plain"),
    "get": lambda storage: storage.get("users/1/files/a.txt"),
    "delete": lambda storage: storage.delete("users/1/files/a.txt"),
    "ensure_bucket": lambda storage: storage.ensure_bucket(),
}
BAD_KEY = "eyJhbGciOiJIUzI1NiJ9.not-this-project-s-key.c2lnbmF0dXJl"


def _messages(error: BaseException) -> Iterator[str]:
    """The text of an error and of every error behind it."""
    seen: BaseException | None = error
    while seen is not None:
        yield str(seen)
        seen = seen.__cause__ or seen.__context__


def test_it_is_a_blob_storage(storage: SupabaseBlobStorage) -> None:
    port: BlobStorage = storage
    assert port is storage


async def test_ensure_bucket_creates_a_private_bucket_once(
    fake: FakeSupabaseStorage, base_url: str
) -> None:
    storage = SupabaseBlobStorage(base_url, fake.service_key, "new-bucket")
    try:
        await storage.ensure_bucket()
        await storage.ensure_bucket()
        await storage.put("a.txt", b"x", "text/plain")
    finally:
        await storage.aclose()

    bucket = fake.bucket("new-bucket")
    assert bucket is not None
    assert not bucket.public
    assert [(r.method, r.path) for r in fake.requests][:3] == [
        ("GET", "/storage/v1/bucket/new-bucket"),
        ("POST", "/storage/v1/bucket"),
        ("GET", "/storage/v1/bucket/new-bucket"),
    ]


async def test_ensure_bucket_refuses_a_public_bucket(
    fake: FakeSupabaseStorage, base_url: str
) -> None:
    fake.add_bucket("shown", public=True)
    storage = SupabaseBlobStorage(base_url, fake.service_key, "shown")
    try:
        with pytest.raises(Conflict, match="IGNACIO_SUPABASE_BUCKET") as error:
            await storage.ensure_bucket()
    finally:
        await storage.aclose()
    assert "public" in error.value.message


async def test_put_upserts_with_the_content_type(
    storage: SupabaseBlobStorage, fake: FakeSupabaseStorage
) -> None:
    await storage.put("users/1/files/informe.pdf", b"%PDF-1.7 old", "application/pdf")
    await storage.put("users/1/files/informe.pdf", b"%PDF-1.7 new", "application/pdf")

    stored = fake.objects(BUCKET)["users/1/files/informe.pdf"]
    assert stored.content == b"%PDF-1.7 new"
    assert stored.content_type == "application/pdf"
    assert stored.cache_control == "max-age=0"


async def test_names_supabase_refuses_are_kept_under_keys_it_accepts(
    storage: SupabaseBlobStorage, fake: FakeSupabaseStorage
) -> None:
    paths = [
        "users/1/files/informe año 2024.pdf",
        "users/1/files/%41",
        "users/1/files/A",
        "users/1/files/!C3!B1",
        "users/1/files/ñ",
        "users/1/files/~#?&.txt",
        "users/1/files/语音.ogg",
    ]
    for number, path in enumerate(paths):
        await storage.put(path, bytes([number]), "application/octet-stream")

    for number, path in enumerate(paths):
        assert await storage.get(path) == bytes([number])
    keys = fake.objects(BUCKET)
    assert sorted(path_of(key) for key in keys) == sorted(paths)
    assert all(key.isascii() for key in keys)


async def test_a_missing_file_is_not_found_and_deleting_it_is_fine(
    storage: SupabaseBlobStorage,
) -> None:
    with pytest.raises(NotFound):
        await storage.get("users/1/files/never.txt")
    await storage.delete("users/1/files/never.txt")


async def test_delete_removes_only_that_object(
    storage: SupabaseBlobStorage, fake: FakeSupabaseStorage
) -> None:
    await storage.put("a/b", b"file", "text/plain")
    await storage.put("a/b/c", b"under it", "text/plain")

    await storage.delete("a/b")

    assert list(fake.objects(BUCKET)) == ["a/b/c"]


@pytest.mark.parametrize("call", CALLS.values(), ids=CALLS.keys())
async def test_a_key_supabase_refuses_names_the_variable_and_never_shows_the_key(
    fake: FakeSupabaseStorage,
    base_url: str,
    call: Call,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake.add_bucket(BUCKET)
    storage = SupabaseBlobStorage(base_url, BAD_KEY, BUCKET)
    caplog.set_level(logging.DEBUG)
    try:
        with pytest.raises(UpstreamUnavailable, match="SUPABASE_SERVICE_KEY") as error:
            await call(storage)
    finally:
        await storage.aclose()

    assert "Invalid API key" in error.value.message
    assert all(BAD_KEY not in text for text in _messages(error.value))
    assert BAD_KEY not in repr(storage)
    assert BAD_KEY not in caplog.text
    assert fake.objects(BUCKET) == {}


async def test_a_missing_bucket_names_the_bucket_and_the_key(
    fake: FakeSupabaseStorage, base_url: str
) -> None:
    """Storage takes a token it refuses on a download as anonymous, to whom a private bucket is
    "not found" (see test_fake_supabase_storage.py): either may be wrong."""
    fake.add_bucket(BUCKET)
    storage = SupabaseBlobStorage(base_url, fake.service_key, "no-such-bucket")
    try:
        with pytest.raises(UpstreamUnavailable) as error:
            await storage.get("a.txt")
    finally:
        await storage.aclose()
    assert "IGNACIO_SUPABASE_BUCKET" in error.value.message
    assert "SUPABASE_SERVICE_KEY" in error.value.message


@pytest.mark.parametrize("status", [503, 502, 500, 544, 429])
@pytest.mark.parametrize("call", CALLS.values(), ids=CALLS.keys())
async def test_an_unavailable_service_is_upstream_unavailable(
    storage: SupabaseBlobStorage, fake: FakeSupabaseStorage, status: int, call: Call
) -> None:
    fake.fail_next(1, status=status, retry_after=2)

    with pytest.raises(UpstreamUnavailable, match=f"HTTP {status}"):
        await call(storage)


async def test_a_failed_put_leaves_the_old_content(
    storage: SupabaseBlobStorage, fake: FakeSupabaseStorage
) -> None:
    await storage.put("a/b.bin", b"old", "application/octet-stream")
    fake.fail_next(1, status=503)

    with pytest.raises(UpstreamUnavailable):
        await storage.put("a/b.bin", b"new", "application/octet-stream")

    assert await storage.get("a/b.bin") == b"old"


async def test_an_unreachable_server_names_the_url(fake: FakeSupabaseStorage) -> None:
    # Bound and never listening: a connection is refused at once, and no one else can take it.
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}"
        storage = SupabaseBlobStorage(url, fake.service_key, BUCKET, timeout=5)
        try:
            with pytest.raises(UpstreamUnavailable, match="SUPABASE_URL"):
                await storage.get("a.txt")
        finally:
            await storage.aclose()


@pytest.mark.parametrize(
    "path",
    [
        "../outside",
        "users/1/../../2/files/a",
        "/etc/passwd",
        "a/./b",
        "a//b",
        "a\\..\\b",
        "a\x00b",
        "a/" + "ü" * 127 + "/" + "ü" * 127,  # each part fits, the key would not
    ],
)
async def test_a_path_is_refused_before_any_request(
    storage: SupabaseBlobStorage, fake: FakeSupabaseStorage, path: str
) -> None:
    for call in (
        storage.put(path, b"x", "text/plain"),
        storage.get(path),
        storage.delete(path),
    ):
        with pytest.raises(InvalidInput):
            await call
    assert fake.requests == []


async def test_percent_escapes_are_names_not_a_way_up(
    storage: SupabaseBlobStorage, fake: FakeSupabaseStorage
) -> None:
    """storage3 percent-decodes a path before sending it; the adapter's keys never hold a '%'."""
    await storage.put("%2e%2e/%2e%2e", b"x", "text/plain")
    await storage.put("a%2Fb", b"y", "text/plain")

    assert sorted(fake.objects(BUCKET)) == ["!252e!252e/!252e!252e", "a!252Fb"]
    assert await storage.get("%2e%2e/%2e%2e") == b"x"


async def test_too_large_a_file_is_invalid_input(
    storage: SupabaseBlobStorage, fake: FakeSupabaseStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fake, "file_size_limit", 1024)

    with pytest.raises(InvalidInput, match="larger"):
        await storage.put("big.bin", b"x" * 2048, "application/octet-stream")

    assert fake.objects(BUCKET) == {}


async def test_a_25_mb_file_goes_and_comes_back_whole(storage: SupabaseBlobStorage) -> None:
    content = bytes(range(256)) * (25 * 1024 * 1024 // 256)

    await storage.put("users/1/files/big.bin", content, "application/octet-stream")

    assert await storage.get("users/1/files/big.bin") == content


async def test_closing_is_safe_before_use_and_the_client_comes_back_after(
    fake: FakeSupabaseStorage, base_url: str
) -> None:
    fake.add_bucket(BUCKET)
    storage = SupabaseBlobStorage(base_url, fake.service_key, BUCKET)
    await storage.aclose()
    await storage.put("a.txt", b"x", "text/plain")
    await storage.aclose()

    assert await storage.get("a.txt") == b"x"
    await storage.aclose()
