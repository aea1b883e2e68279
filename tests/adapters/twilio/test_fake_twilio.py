"""The fake Twilio itself: served on 127.0.0.1 for end-to-end runs, speaking Twilio's shapes."""

from __future__ import annotations

import httpx

from ignacio.adapters.twilio import TwilioChannel, TwilioMediaFetcher
from ignacio.domain import MediaRef, PhoneNumber
from tests.support.fake_twilio import FakeTwilio


async def test_served_on_localhost_it_takes_messages_and_serves_media() -> None:
    twilio = FakeTwilio(media_host=None)
    with twilio.serve() as base_url:
        async with httpx.AsyncClient(timeout=5) as client:
            channel = TwilioChannel(
                client,
                account_sid=twilio.account_sid,
                auth_token=twilio.auth_token,
                from_number=PhoneNumber.from_provider(twilio.number),
                api_base_url=base_url,
                messaging_base_url=base_url,
            )
            fetcher = TwilioMediaFetcher(
                client,
                account_sid=twilio.account_sid,
                auth_token=twilio.auth_token,
                api_base_url=base_url,
            )
            sent = await channel.send_text(PhoneNumber.parse("+34612345678"), "hola")
            url = twilio.add_media(b"voice", mime_type="audio/ogg", base_url=base_url)
            fetched = await fetcher.fetch(MediaRef(url=url))

    assert sent.external_id == twilio.messages[0].sid
    assert fetched.content == b"voice"


async def test_errors_have_twilio_s_shape(twilio: FakeTwilio, client: httpx.AsyncClient) -> None:
    response = await client.post(
        f"/2010-04-01/Accounts/{twilio.account_sid}/Messages.json",
        auth=(twilio.account_sid, "wrong"),
        data={"Body": "x"},
    )

    assert response.status_code == 401
    assert response.json() == {
        "code": 20003,
        "message": "Authenticate",
        "more_info": "https://www.twilio.com/docs/errors/20003",
        "status": 401,
    }


async def test_a_blocked_number_is_accepted_then_reported_failed(
    twilio: FakeTwilio, client: httpx.AsyncClient
) -> None:
    twilio.always_fail_for("+34612345678", code=63016)
    response = await client.post(
        f"/2010-04-01/Accounts/{twilio.account_sid}/Messages.json",
        auth=(twilio.account_sid, twilio.auth_token),
        data={
            "From": "whatsapp:" + twilio.number,
            "To": "whatsapp:+34612345678",
            "Body": "late",
            "StatusCallback": "https://ignacio.example.org/webhooks/twilio/status",
        },
    )

    assert (response.status_code, response.json()["status"]) == (201, "queued")
    (callback,) = twilio.pending_callbacks()
    assert dict(callback.params)["ErrorCode"] == "63016"
    assert dict(callback.params)["MessageStatus"] == "failed"
    assert twilio.pending_callbacks() == []
