"""CloudApiMediaFetcher against the fake Graph API: lookup, download, expiry, size and checksum."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import AsyncIterator

import httpx
import pytest

from ignacio.adapters.whatsapp_cloud import CloudApiMediaFetcher
from ignacio.application.ports import FetchedMedia, MediaFetcher, SendFailure
from ignacio.domain import MediaRef
from tests.adapters.whatsapp_cloud.conftest import ManualClock
from tests.support.fake_graph import FAKE_BASE_URL, FakeGraph

PHOTO = b"\xff\xd8\xff\xe0 pretend this is a JPEG " * 100


def test_it_is_a_media_fetcher(fetcher: CloudApiMediaFetcher) -> None:
    port: MediaFetcher = fetcher
    assert port is fetcher


async def test_media_is_looked_up_then_downloaded_with_the_token(
    fetcher: CloudApiMediaFetcher, graph: FakeGraph
) -> None:
    media_id = graph.add_media(PHOTO, mime_type="image/jpeg")

    fetched = await fetcher.fetch(MediaRef(provider_media_id=media_id, mime_type="image/png"))

    assert fetched == FetchedMedia(content=PHOTO, mime_type="image/jpeg")
    assert graph.lookups == [media_id]
    assert graph.downloads == [media_id]


async def test_the_fake_s_download_url_requires_the_token(
    graph: FakeGraph, client: httpx.AsyncClient
) -> None:
    media_id = graph.add_media(PHOTO)
    auth = {"Authorization": f"Bearer {graph.access_token}"}
    url = (await client.get(f"/v23.0/{media_id}", headers=auth)).json()["url"]

    assert (await client.get(url)).status_code == 401
    assert (await client.get(url, headers=auth)).content == PHOTO


async def test_an_expired_url_is_looked_up_again_once(
    fetcher: CloudApiMediaFetcher, graph: FakeGraph
) -> None:
    media_id = graph.add_media(PHOTO)
    graph.fail_next(status=404, endpoint="download")

    fetched = await fetcher.fetch(MediaRef(provider_media_id=media_id))

    assert fetched.content == PHOTO
    assert graph.lookups == [media_id, media_id]


async def test_a_url_that_expires_twice_in_a_row_is_retriable(
    fetcher: CloudApiMediaFetcher, graph: FakeGraph
) -> None:
    media_id = graph.add_media(PHOTO)
    graph.fail_next(2, status=404, endpoint="download")

    with pytest.raises(SendFailure) as failed:
        await fetcher.fetch(MediaRef(provider_media_id=media_id))

    assert failed.value.retriable
    assert graph.lookups == [media_id, media_id]


async def test_the_webhook_url_is_tried_first(
    fetcher: CloudApiMediaFetcher, graph: FakeGraph, client: httpx.AsyncClient
) -> None:
    media_id = graph.add_media(PHOTO, mime_type="image/jpeg")
    url = await a_download_url(graph, client, media_id)

    fetched = await fetcher.fetch(
        MediaRef(provider_media_id=media_id, url=url, mime_type="image/jpeg")
    )

    assert fetched.content == PHOTO
    assert graph.lookups == [media_id]  # the one that made the URL; the fetcher needed none


async def test_an_expired_webhook_url_falls_back_to_a_lookup(
    fetcher: CloudApiMediaFetcher, graph: FakeGraph, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    media_id = graph.add_media(PHOTO)
    url = await a_download_url(graph, client, media_id)
    clock.now += graph.media_url_ttl + 1

    fetched = await fetcher.fetch(MediaRef(provider_media_id=media_id, url=url))

    assert fetched.content == PHOTO
    assert graph.lookups == [media_id, media_id]


async def test_an_expired_url_without_a_media_id_cannot_be_fetched(
    fetcher: CloudApiMediaFetcher, graph: FakeGraph, client: httpx.AsyncClient
) -> None:
    url = await a_download_url(graph, client, graph.add_media(PHOTO))
    graph.expire_media_urls()

    with pytest.raises(SendFailure) as failed:
        await fetcher.fetch(MediaRef(url=url))

    assert not failed.value.retriable


async def test_media_with_neither_id_nor_url_cannot_be_fetched(
    fetcher: CloudApiMediaFetcher,
) -> None:
    with pytest.raises(SendFailure) as failed:
        await fetcher.fetch(MediaRef())

    assert not failed.value.retriable


async def test_unknown_media_is_not_retriable(fetcher: CloudApiMediaFetcher) -> None:
    with pytest.raises(SendFailure) as failed:
        await fetcher.fetch(MediaRef(provider_media_id="404404"))

    assert (failed.value.retriable, failed.value.code) == (False, 100)


@pytest.mark.parametrize(("status", "retriable"), [(500, True), (503, True), (401, False)])
async def test_a_failed_lookup_is_classified(
    fetcher: CloudApiMediaFetcher, graph: FakeGraph, status: int, retriable: bool
) -> None:
    media_id = graph.add_media(PHOTO)
    graph.fail_next(status=status, endpoint="media")

    with pytest.raises(SendFailure) as failed:
        await fetcher.fetch(MediaRef(provider_media_id=media_id))

    assert failed.value.retriable is retriable


async def test_a_server_error_on_download_is_retriable(
    fetcher: CloudApiMediaFetcher, graph: FakeGraph
) -> None:
    media_id = graph.add_media(PHOTO)
    graph.fail_next(status=500, endpoint="download")

    with pytest.raises(SendFailure) as failed:
        await fetcher.fetch(MediaRef(provider_media_id=media_id))

    assert failed.value.retriable


# Size.


async def test_media_at_the_size_limit_is_fetched(
    graph: FakeGraph, client: httpx.AsyncClient
) -> None:
    media_id = graph.add_media(b"x" * 100)

    fetched = await a_fetcher(client, graph, max_bytes=100).fetch(
        MediaRef(provider_media_id=media_id)
    )

    assert len(fetched.content) == 100


async def test_media_over_the_size_limit_is_refused_before_downloading(
    graph: FakeGraph, client: httpx.AsyncClient
) -> None:
    media_id = graph.add_media(b"x" * 101)

    with pytest.raises(SendFailure) as failed:
        await a_fetcher(client, graph, max_bytes=100).fetch(MediaRef(provider_media_id=media_id))

    assert not failed.value.retriable
    assert graph.downloads == []


async def test_the_size_limit_holds_while_streaming_a_body_of_unknown_length() -> None:
    chunks_sent: list[int] = []

    async def endless() -> AsyncIterator[bytes]:
        for _ in range(1000):
            chunks_sent.append(1)
            yield b"y" * 1024

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/m1"):
            return httpx.Response(200, json={"url": f"{FAKE_BASE_URL}/file", "id": "m1"})
        return httpx.Response(200, content=endless())

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as client:
        fetcher = CloudApiMediaFetcher(
            client, base_url=FAKE_BASE_URL, access_token="token", max_bytes=10 * 1024
        )
        with pytest.raises(SendFailure) as failed:
            await fetcher.fetch(MediaRef(provider_media_id="m1"))

    assert not failed.value.retriable
    assert len(chunks_sent) < 20


async def test_a_declared_length_over_the_limit_is_refused_without_reading() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Length": str(10**9)}, content=b"")

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as client:
        fetcher = CloudApiMediaFetcher(client, access_token="token", max_bytes=1024)
        with pytest.raises(SendFailure) as failed:
            await fetcher.fetch(MediaRef(url="https://lookaside.example/file"))

    assert not failed.value.retriable


# Checksum.


async def test_a_checksum_mismatch_is_retriable(
    fetcher: CloudApiMediaFetcher, graph: FakeGraph
) -> None:
    wrong = base64.b64encode(hashlib.sha256(b"something else").digest()).decode()
    media_id = graph.add_media(PHOTO, sha256=wrong)

    with pytest.raises(SendFailure) as failed:
        await fetcher.fetch(MediaRef(provider_media_id=media_id))

    assert failed.value.retriable


async def test_a_hex_checksum_is_checked_too(
    fetcher: CloudApiMediaFetcher, graph: FakeGraph
) -> None:
    good = graph.add_media(PHOTO, sha256=hashlib.sha256(PHOTO).hexdigest())
    bad = graph.add_media(PHOTO, sha256=hashlib.sha256(b"other").hexdigest())

    assert (await fetcher.fetch(MediaRef(provider_media_id=good))).content == PHOTO
    with pytest.raises(SendFailure):
        await fetcher.fetch(MediaRef(provider_media_id=bad))


async def test_the_webhook_s_checksum_is_checked_on_its_url(
    fetcher: CloudApiMediaFetcher, graph: FakeGraph, client: httpx.AsyncClient
) -> None:
    url = await a_download_url(graph, client, graph.add_media(PHOTO))
    wrong = base64.b64encode(hashlib.sha256(b"other").digest()).decode()

    with pytest.raises(SendFailure) as failed:
        await fetcher.fetch(MediaRef(url=url, sha256=wrong))

    assert failed.value.retriable


async def test_an_unreadable_checksum_cannot_be_checked_and_is_let_through(
    fetcher: CloudApiMediaFetcher, graph: FakeGraph
) -> None:
    media_id = graph.add_media(PHOTO, sha256="4654+8g=")

    assert (await fetcher.fetch(MediaRef(provider_media_id=media_id))).content == PHOTO


async def test_the_token_is_not_in_the_fetcher_s_repr(fetcher: CloudApiMediaFetcher) -> None:
    assert "fake-graph-access-token" not in repr(fetcher)


async def a_download_url(graph: FakeGraph, client: httpx.AsyncClient, media_id: str) -> str:
    """A URL as the webhook would carry it (made by a lookup of our own)."""
    response = await client.get(
        f"/v23.0/{media_id}", headers={"Authorization": f"Bearer {graph.access_token}"}
    )
    url: str = response.json()["url"]
    return url


def a_fetcher(
    client: httpx.AsyncClient, graph: FakeGraph, *, max_bytes: int
) -> CloudApiMediaFetcher:
    return CloudApiMediaFetcher(
        client, base_url=FAKE_BASE_URL, access_token=graph.access_token, max_bytes=max_bytes
    )
