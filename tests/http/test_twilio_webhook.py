"""/webhooks/twilio through the real app: signatures made by Twilio's own validator (good,
tampered, wrong URL, missing), the public URL behind a proxy, retried deliveries, status
callbacks, and arbitrary forms."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ignacio.domain import PhoneNumber
from tests.http.conftest import Api, serve
from tests.support.databases import migrated_sqlite_file
from tests.support.fake_twilio import (
    DEFAULT_ACCOUNT_SID,
    DEFAULT_AUTH_TOKEN,
    DEFAULT_NUMBER,
    inbound_form,
    signature,
    status_form,
)
from tests.support.system import build_system, settings_for_tests

MEMBER = "+34612345678"
OWN_URL = "http://testserver/webhooks/twilio"
PUBLIC_URL = "https://ignacio.example.org/base"
TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'


def twilio_settings(**overrides: Any) -> dict[str, Any]:
    return {
        "IGNACIO_CHANNEL": "twilio",
        "TWILIO_ACCOUNT_SID": DEFAULT_ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": DEFAULT_AUTH_TOKEN,
        "TWILIO_WHATSAPP_NUMBER": "whatsapp:" + DEFAULT_NUMBER,
        **overrides,
    }


@pytest.fixture(params=["memory", "sqlite"])
async def api(request: pytest.FixtureRequest) -> AsyncIterator[Api]:
    """The app on the Twilio channel (recorded, not sent), in memory and on SQLite."""
    database_url = "memory://"
    if request.param == "sqlite":
        database_url = migrated_sqlite_file(request.getfixturevalue("tmp_path"))
    system = build_system(
        settings_for_tests(IGNACIO_DATABASE_URL=database_url, **twilio_settings()), fake_clock=False
    )
    async with serve(system) as client:
        yield Api(client=client, system=system)


@pytest.fixture
async def behind_proxy() -> AsyncIterator[Api]:
    system = build_system(
        settings_for_tests(**twilio_settings(TWILIO_PUBLIC_URL=PUBLIC_URL)), fake_clock=False
    )
    async with serve(system) as client:
        yield Api(client=client, system=system)


async def post(
    api: Api,
    params: list[tuple[str, str]],
    *,
    signed_url: str | None = OWN_URL,
    path: str = "/webhooks/twilio",
    body: bytes | None = None,
    token: str = DEFAULT_AUTH_TOKEN,
) -> httpx.Response:
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if signed_url is not None:
        headers["X-Twilio-Signature"] = signature(signed_url, params, token)
    response = await api.client.post(
        path, content=body if body is not None else urlencode(params).encode(), headers=headers
    )
    await api.system.settle()
    return response


async def test_a_signed_message_is_acknowledged_with_empty_twiml_and_answered(api: Api) -> None:
    response = await post(api, inbound_form(MEMBER, "Hola"))

    assert response.status_code == 200
    assert response.text == TWIML
    assert response.headers["content-type"].startswith("application/xml")
    assert api.system.channel.texts_to(MEMBER) == ["echo: Hola (history 0)"]


@pytest.mark.parametrize(
    "case",
    ["tampered", "wrong-url", "wrong-token", "missing"],
)
async def test_forms_not_signed_by_twilio_for_this_url_are_refused(api: Api, case: str) -> None:
    params = inbound_form(MEMBER, "Hola")
    signed_url: str | None = OWN_URL
    body = None
    token = DEFAULT_AUTH_TOKEN
    if case == "tampered":
        tampered = [(n, "Transfer everything" if n == "Body" else v) for n, v in params]
        body = urlencode(tampered).encode()
    elif case == "wrong-url":
        signed_url = "https://attacker.example.org/webhooks/twilio"
    elif case == "wrong-token":
        token = "someone-else's-token"
    else:
        signed_url = None

    response = await post(api, params, signed_url=signed_url, body=body, token=token)

    assert response.status_code == 403
    assert response.json()["error"] == "invalid_signature"
    assert api.system.channel.texts == []
    async with api.system.container.uow()() as uow:
        assert await uow.users.get_by_phone(PhoneNumber.parse(MEMBER)) is None


async def test_behind_a_proxy_the_public_url_is_what_counts(behind_proxy: Api) -> None:
    params = inbound_form(MEMBER, "Hola")

    own = await post(behind_proxy, params, signed_url=OWN_URL)
    public = await post(behind_proxy, params, signed_url=PUBLIC_URL + "/webhooks/twilio")

    assert (own.status_code, public.status_code) == (403, 200)
    assert behind_proxy.system.channel.texts_to(MEMBER) == ["echo: Hola (history 0)"]


async def test_the_query_string_is_part_of_the_signed_url(behind_proxy: Api) -> None:
    params = inbound_form(MEMBER, "Hola")
    signed = PUBLIC_URL + "/webhooks/twilio?source=console"
    response = await behind_proxy.client.post(
        "/webhooks/twilio?source=console",
        content=urlencode(params).encode(),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": signature(signed, params),
        },
    )
    assert response.status_code == 200


async def test_the_same_message_sid_three_times_is_one_message_and_one_answer(api: Api) -> None:
    params = inbound_form(MEMBER, "Hola", sid="SM" + "7" * 32)

    responses = [await post(api, params) for _ in range(3)]

    assert [r.status_code for r in responses] == [200, 200, 200]
    assert len(api.system.channel.texts) == 1


async def test_a_status_callback_moves_the_answer_forward(api: Api) -> None:
    await post(api, inbound_form(MEMBER, "Hola"))
    sent = "wamid.sent.1"  # the recording channel's id for the first text it sent

    for status in ("delivered", "read"):
        callback = status_form(sent, status, to=MEMBER)
        response = await post(
            api, callback, path="/webhooks/twilio/status", signed_url=OWN_URL + "/status"
        )
        assert response.status_code == 200

    headers = await api.headers_for(MEMBER)
    conversation = (await api.client.get("/conversations", headers=headers)).json()["items"][0]
    messages = (
        await api.client.get(f"/conversations/{conversation['id']}/messages", headers=headers)
    ).json()["items"]
    assert [(m["author"], m["deliveryStatus"]) for m in messages] == [
        ("assistant", "read"),
        ("member", "received"),
    ]


async def test_a_body_that_is_not_a_form_is_400(api: Api) -> None:
    response = await post(api, [], body=b"\xff\xfe\xfd", signed_url=None)
    assert response.status_code == 400


async def test_sms_and_unknown_forms_are_acknowledged_and_ignored(api: Api) -> None:
    sms = [(n, MEMBER if n == "From" else v) for n, v in inbound_form(MEMBER, "Hola")]
    response = await post(api, sms)

    assert response.status_code == 200
    assert api.system.channel.texts == []


forms = st.lists(
    st.tuples(
        st.sampled_from(["MessageSid", "From", "Body", "NumMedia", "MediaUrl0", "MessageStatus"]),
        st.text(max_size=20),
    ),
    max_size=8,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(params=forms)
async def test_arbitrary_signed_forms_never_cause_a_5xx(
    memory_twilio_api: Api, params: list[tuple[str, str]]
) -> None:
    response = await post(memory_twilio_api, params)
    assert response.status_code < 500, response.text


@pytest.fixture
async def memory_twilio_api() -> AsyncIterator[Api]:
    system = build_system(settings_for_tests(**twilio_settings()), fake_clock=False)
    async with serve(system) as client:
        yield Api(client=client, system=system)


async def test_a_status_callback_url_of_its_own_is_accepted_on_the_status_path_only() -> None:
    configured = "https://hooks.example.org/twilio-status?tenant=1"
    system = build_system(
        settings_for_tests(
            **twilio_settings(TWILIO_PUBLIC_URL=PUBLIC_URL, TWILIO_STATUS_CALLBACK_URL=configured)
        ),
        fake_clock=False,
    )
    async with serve(system) as client:
        api = Api(client=client, system=system)
        params = status_form("SM" + "4" * 32, "delivered", to=MEMBER)

        status = await post(api, params, path="/webhooks/twilio/status", signed_url=configured)
        inbound = await post(api, params, path="/webhooks/twilio", signed_url=configured)

    assert (status.status_code, inbound.status_code) == (200, 403)
