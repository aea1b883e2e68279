"""TwilioMediaFetcher against the fake Twilio: basic auth, the redirect, size and failures."""

from __future__ import annotations

import httpx
import pytest

from ignacio.adapters.twilio import TwilioMediaFetcher
from ignacio.application.ports import FetchedMedia, MediaFetcher, SendFailure
from ignacio.domain import MediaRef
from tests.support.fake_twilio import FAKE_MEDIA_HOST, FakeTwilio, MediaRequest

PHOTO = b"\xff\xd8\xff\xe0 pretend this is a JPEG " * 100


def test_it_is_a_media_fetcher(fetcher: TwilioMediaFetcher) -> None:
    port: MediaFetcher = fetcher
    assert port is fetcher


async def test_media_is_fetched_with_basic_auth_and_the_redirect_gets_no_credentials(
    fetcher: TwilioMediaFetcher, twilio: FakeTwilio
) -> None:
    url = twilio.add_media(PHOTO, mime_type="image/jpeg")
    media_sid = url.rsplit("/", 1)[-1]

    fetched = await fetcher.fetch(MediaRef(url=url, mime_type="image/jpeg"))

    assert fetched == FetchedMedia(content=PHOTO, mime_type="image/jpeg")
    assert twilio.media_requests == [
        MediaRequest("api", media_sid, authorization=True),
        MediaRequest("cdn", media_sid, authorization=False),
    ]


async def test_without_credentials_the_fake_refuses_media(
    twilio: FakeTwilio, client: httpx.AsyncClient
) -> None:
    url = twilio.add_media(PHOTO)

    assert (await client.get(url)).status_code == 401
    response = await client.get(
        url, auth=(twilio.account_sid, twilio.auth_token), follow_redirects=True
    )
    assert response.content == PHOTO


async def test_the_content_type_comes_from_the_download_when_the_webhook_gave_none(
    fetcher: TwilioMediaFetcher, twilio: FakeTwilio
) -> None:
    url = twilio.add_media(b"%PDF-1.7", mime_type="application/pdf")

    fetched = await fetcher.fetch(MediaRef(url=url))

    assert fetched.mime_type == "application/pdf"


async def test_credentials_are_never_sent_outside_twilio_s_api_host(
    fetcher: TwilioMediaFetcher, twilio: FakeTwilio
) -> None:
    url = twilio.add_media(PHOTO)
    media_sid = url.rsplit("/", 1)[-1]

    fetched = await fetcher.fetch(MediaRef(url=f"{FAKE_MEDIA_HOST}/cdn/media/{media_sid}"))

    assert fetched.content == PHOTO
    assert twilio.media_requests == [MediaRequest("cdn", media_sid, authorization=False)]


async def test_media_over_the_limit_is_refused_for_good(
    fetcher: TwilioMediaFetcher, twilio: FakeTwilio
) -> None:
    url = twilio.add_media(b"x" * (1024 * 1024 + 1))

    with pytest.raises(SendFailure) as refused:
        await fetcher.fetch(MediaRef(url=url))

    assert not refused.value.retriable


async def test_deleted_media_is_a_permanent_failure(
    fetcher: TwilioMediaFetcher, twilio: FakeTwilio
) -> None:
    url = twilio.add_media(PHOTO)

    with pytest.raises(SendFailure) as refused:
        await fetcher.fetch(MediaRef(url=url[:-4] + "0000"))

    assert not refused.value.retriable


@pytest.mark.parametrize("endpoint", ["media", "download"])
async def test_server_errors_are_retriable(
    fetcher: TwilioMediaFetcher, twilio: FakeTwilio, endpoint: str
) -> None:
    url = twilio.add_media(PHOTO)
    twilio.fail_next(status=503, endpoint=endpoint)  # type: ignore[arg-type]

    with pytest.raises(SendFailure) as refused:
        await fetcher.fetch(MediaRef(url=url))

    assert refused.value.retriable
    assert (await fetcher.fetch(MediaRef(url=url))).content == PHOTO


async def test_media_without_a_url_cannot_be_fetched(fetcher: TwilioMediaFetcher) -> None:
    with pytest.raises(SendFailure) as refused:
        await fetcher.fetch(MediaRef(provider_media_id="ME1"))

    assert not refused.value.retriable
