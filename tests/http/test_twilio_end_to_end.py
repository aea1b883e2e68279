"""The whole Twilio path with the real adapter: a signed form in, the answer out through a local
fake of Twilio's Messages API (in-process), on SQLite and PostgreSQL; faults injected at the fake.
Only the configuration differs from the Cloud API path: the pipeline is the same."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode
from uuid import uuid4

import httpx
import pytest

from ignacio.application.use_cases.create_user import CreateUserCommand
from ignacio.application.workspaces import default_workspace
from ignacio.domain import Author, Channel, Message, PageRequest, PhoneNumber, RetryPolicy
from ignacio.domain.workspaces import first_workspace
from tests.http.conftest import database_url_for, serve
from tests.support.fake_twilio import (
    DEFAULT_ACCOUNT_SID,
    DEFAULT_AUTH_TOKEN,
    DEFAULT_NUMBER,
    FAKE_BASE_URL,
    Callback,
    FakeTwilio,
    inbound_form,
    signature,
)
from tests.support.samples import png
from tests.support.system import System, build_system, settings_for_tests

REFUSAL_NOTICE = first_workspace(uuid4(), datetime.now(UTC)).refusal_notice()

MEMBER = "+34612345678"
ADMIN = "+34600000001"
PUBLIC_URL = "https://ignacio.example.org"
LOGIN_CONTENT_SID = "HX" + "5a" * 16


@dataclass
class Deployment:
    client: httpx.AsyncClient
    system: System
    twilio: FakeTwilio

    async def deliver(self, params: list[tuple[str, str]], path: str = "/webhooks/twilio") -> None:
        response = await self.client.post(
            path,
            content=urlencode(params).encode(),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": signature(PUBLIC_URL + path, params),
            },
        )
        assert response.status_code == 200, response.text

    async def call_back(self, callback: Callback) -> None:
        assert callback.url.startswith(PUBLIC_URL)
        await self.deliver(callback.params, callback.url.removeprefix(PUBLIC_URL))
        await self.settle()

    async def settle(self) -> None:
        await self.system.settle()

    async def login(self, phone: str) -> dict[str, str]:
        await self.client.post("/auth/request-otp", json={"phoneNumber": phone})
        await self.settle()
        code = self.twilio.messages[-1].content_variables["1"]
        tokens = (
            await self.client.post("/auth/verify-otp", json={"phoneNumber": phone, "code": code})
        ).json()
        return {"Authorization": f"Bearer {tokens['accessToken']}"}

    async def messages_of(self, phone: str) -> list[Message]:
        async with self.system.container.uow()() as uow:
            user = await uow.users.get_by_phone(PhoneNumber.parse(phone))
            assert user is not None
            conversation = await uow.conversations.latest_for(
                (await default_workspace(uow)).id, user.id, Channel.WHATSAPP
            )
            assert conversation is not None
            return list(reversed(await uow.messages.recent(conversation.id, 100)))


@asynccontextmanager
async def deployment(
    request: pytest.FixtureRequest, **settings: object
) -> AsyncIterator[Deployment]:
    tmp_path = request.getfixturevalue("tmp_path")
    database_url = database_url_for(request)
    values: dict[str, object] = {
        "IGNACIO_DATABASE_URL": database_url,
        "IGNACIO_CHANNEL": "twilio",
        "TWILIO_ACCOUNT_SID": DEFAULT_ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": DEFAULT_AUTH_TOKEN,
        "TWILIO_WHATSAPP_NUMBER": "whatsapp:" + DEFAULT_NUMBER,
        "TWILIO_PUBLIC_URL": PUBLIC_URL,
        "TWILIO_API_BASE_URL": FAKE_BASE_URL,
        "TWILIO_MESSAGING_BASE_URL": FAKE_BASE_URL,
        "TWILIO_LOGIN_CONTENT_SID": LOGIN_CONTENT_SID,
        "IGNACIO_STORAGE_DIR": tmp_path / "files",
        **settings,
    }
    twilio = FakeTwilio()
    twilio.register_content(LOGIN_CONTENT_SID)
    system = build_system(settings_for_tests(**values), fake_clock=False, real_channel=True)
    system.container.http_client.override(twilio.client())
    # Backoff in milliseconds, but never sooner than the fake's Retry-After.
    system.container.retry_policy.override(
        RetryPolicy(max_attempts=8, base_seconds=0.005, max_seconds=0.05)
    )
    async with serve(system) as client:
        yield Deployment(client=client, system=system, twilio=twilio)


@pytest.fixture(params=["sqlite", "postgres"])
async def twilio_app(request: pytest.FixtureRequest) -> AsyncIterator[Deployment]:
    async with deployment(request) as app:
        yield app


@pytest.fixture(params=["sqlite"])
async def whitelisted_app(request: pytest.FixtureRequest) -> AsyncIterator[Deployment]:
    async with deployment(
        request, IGNACIO_WHATSAPP_ACCESS="whitelist", WHITELISTED_USERS=[ADMIN]
    ) as app:
        yield app


async def test_a_message_is_answered_through_the_rest_api_and_its_status_tracked(
    twilio_app: Deployment,
) -> None:
    inbound_sid = "SM" + "1" * 32
    await twilio_app.deliver(inbound_form(MEMBER, "Hola", sid=inbound_sid))
    await twilio_app.settle()

    (answer,) = twilio_app.twilio.messages
    assert answer.body == "echo: Hola (history 0)"
    assert answer.form["From"] == "whatsapp:" + DEFAULT_NUMBER
    assert answer.status_callback == PUBLIC_URL + "/webhooks/twilio/status"
    assert twilio_app.twilio.typing_indicators == [inbound_sid]

    for status in ("sent", "delivered", "read"):
        await twilio_app.call_back(twilio_app.twilio.status_callback(answer.sid, status))

    headers = await twilio_app.login(MEMBER)
    conversation = (await twilio_app.client.get("/conversations", headers=headers)).json()["items"][
        0
    ]
    messages = (
        await twilio_app.client.get(
            f"/conversations/{conversation['id']}/messages", headers=headers
        )
    ).json()
    assert [(m["author"], m["deliveryStatus"]) for m in messages["items"]] == [
        ("assistant", "read"),
        ("member", "received"),
    ]


async def test_a_long_answer_is_split_at_1600_characters(twilio_app: Deployment) -> None:
    twilio_app.system.assistant.reply_text = ("A sentence of some length. " * 70 + "\n\n") * 3

    await twilio_app.deliver(inbound_form(MEMBER, "Tell me everything"))
    await twilio_app.settle()

    parts = twilio_app.twilio.texts_to(MEMBER)
    # 5,670 characters: the fewest texts of 1,600 (paragraphs are not kept whole at the cost
    # of a fifth).
    assert len(parts) == 4
    assert all(len(part) <= 1600 for part in parts)
    assert "".join("".join(parts).split()) == "".join(
        twilio_app.system.assistant.reply_text.split()
    )


async def test_media_is_fetched_with_the_account_s_credentials_and_kept(
    twilio_app: Deployment,
) -> None:
    url = twilio_app.twilio.add_media(b"%PDF-1.7 fake", mime_type="application/pdf")

    await twilio_app.deliver(inbound_form(MEMBER, "my plan", media=[(url, "application/pdf")]))
    await twilio_app.settle()

    inbound = next(m for m in await twilio_app.messages_of(MEMBER) if m.author is Author.MEMBER)
    assert inbound.file_path is not None and inbound.file_path.endswith("/document.pdf")
    storage = twilio_app.system.container.blob_storage()
    assert await storage.get(inbound.file_path) == b"%PDF-1.7 fake"
    assert [(r.step, r.authorization) for r in twilio_app.twilio.media_requests] == [
        ("api", True),
        ("cdn", False),
    ]
    assert len(twilio_app.twilio.texts_to(MEMBER)) == 1


async def test_outside_the_window_the_failure_arrives_by_callback_and_is_not_retried(
    twilio_app: Deployment,
) -> None:
    twilio_app.twilio.always_fail_for(MEMBER, code=63016)
    await twilio_app.system.container.create_user()(
        None, CreateUserCommand(phone=ADMIN, is_admin=True)
    )

    await twilio_app.deliver(inbound_form(MEMBER, "late reply"))
    await twilio_app.settle()
    (callback,) = twilio_app.twilio.pending_callbacks()
    await twilio_app.call_back(callback)

    assert len([a for a in twilio_app.twilio.attempts if a.to == MEMBER]) == 1
    headers = await twilio_app.login(ADMIN)
    failed = (await twilio_app.client.get("/admin/deliveries/failed", headers=headers)).json()[
        "items"
    ]
    assert [d["errorCode"] for d in failed] == [63016]
    assert "24-hour window" in failed[0]["errorTitle"]


async def test_throttling_and_server_errors_still_deliver_every_answer_once(
    twilio_app: Deployment,
) -> None:
    twilio_app.twilio.set_failure_rate(0.3, seed=11, retry_after=0.05)
    senders = [f"+346123456{n:02d}" for n in range(10)]

    for n, sender in enumerate(senders):
        await twilio_app.deliver(inbound_form(sender, f"question {n}"))
    await twilio_app.settle()

    for n, sender in enumerate(senders):
        assert twilio_app.twilio.texts_to(sender) == [f"echo: question {n} (history 0)"]
    assert any(not a.accepted for a in twilio_app.twilio.attempts)
    assert twilio_app.twilio.retry_after_violations() == []


async def test_the_login_code_goes_through_the_content_template(twilio_app: Deployment) -> None:
    response = await twilio_app.client.post("/auth/request-otp", json={"phoneNumber": MEMBER})

    assert response.status_code == 200
    await twilio_app.settle()
    (record,) = twilio_app.twilio.messages
    assert record.content_sid == LOGIN_CONTENT_SID
    code = record.content_variables["1"]
    verified = await twilio_app.client.post(
        "/auth/verify-otp", json={"phoneNumber": MEMBER, "code": code}
    )
    assert verified.status_code == 200


async def test_a_stranger_on_a_whitelisted_deployment_hears_once_and_nothing_is_kept(
    whitelisted_app: Deployment,
) -> None:
    for text in ("Hola", "¿Hola?"):
        await whitelisted_app.deliver(inbound_form(MEMBER, text))
    await whitelisted_app.deliver(inbound_form(ADMIN, "Soy admin"))
    await whitelisted_app.settle()

    assert whitelisted_app.twilio.texts_to(MEMBER) == [REFUSAL_NOTICE]
    assert whitelisted_app.twilio.texts_to(ADMIN) == ["echo: Soy admin (history 0)"]
    async with whitelisted_app.system.container.uow()() as uow:
        assert await uow.users.get_by_phone(PhoneNumber.parse(MEMBER)) is None


async def test_the_team_takes_a_twilio_conversation_and_replies_by_hand_and_by_template(
    twilio_app: Deployment,
) -> None:
    await twilio_app.deliver(inbound_form(MEMBER, "Hola", sid="SM" + "2" * 32))
    await twilio_app.settle()
    await twilio_app.system.container.create_user()(
        None, CreateUserCommand(phone=ADMIN, name="Ana", is_admin=True)
    )
    admin = await twilio_app.login(ADMIN)
    inbox = "/workspaces/default/inbox"
    (line,) = (await twilio_app.client.get(inbox, headers=admin)).json()["items"]
    conversation = line["id"]

    taken = await twilio_app.client.post(f"{inbox}/{conversation}/take", headers=admin)
    assert taken.json()["conversation"]["state"] == "human"
    reply = await twilio_app.client.post(
        f"{inbox}/{conversation}/replies", json={"content": "Hola, soy Ana."}, headers=admin
    )
    assert reply.status_code == 201, reply.text
    await twilio_app.settle()
    assert twilio_app.twilio.texts_to(MEMBER)[-1] == "Hola, soy Ana."

    content_sid = "HX" + "7c" * 16
    twilio_app.twilio.register_content(content_sid)
    await twilio_app.client.patch(
        "/workspaces/default",
        json={"replyTemplate": {"name": content_sid, "variables": ["first name"]}},
        headers=admin,
    )
    sent = await twilio_app.client.post(
        f"{inbox}/{conversation}/template", json={"parameters": ["Lucía"]}, headers=admin
    )
    assert sent.status_code == 201, sent.text
    await twilio_app.settle()
    last = twilio_app.twilio.messages[-1]
    assert (last.content_sid, last.content_variables) == (content_sid, {"1": "Lucía"})
    # The assistant stays silent while Ana has the conversation.
    await twilio_app.deliver(inbound_form(MEMBER, "Gracias", sid="SM" + "3" * 32))
    await twilio_app.settle()
    assert not any("echo: Gracias" in text for text in twilio_app.twilio.texts_to(MEMBER))


async def test_a_file_from_the_team_goes_to_twilio_as_a_short_lived_link(
    twilio_app: Deployment,
) -> None:
    await twilio_app.deliver(inbound_form(MEMBER, "¿Me mandas el mapa?", sid="SM" + "4" * 32))
    await twilio_app.settle()
    await twilio_app.system.container.create_user()(
        None, CreateUserCommand(phone=ADMIN, name="Ana", is_admin=True)
    )
    admin = await twilio_app.login(ADMIN)
    inbox = "/workspaces/default/inbox"
    (line,) = (await twilio_app.client.get(inbox, headers=admin)).json()["items"]
    picture = png(6, 6)

    sent = await twilio_app.client.post(
        f"{inbox}/{line['id']}/files",
        files=[("file", ("mapa.png", picture, "image/png")), ("caption", (None, "El mapa"))],
        headers=admin,
    )
    assert sent.status_code == 201, sent.text
    await twilio_app.settle()

    last = twilio_app.twilio.messages[-1]
    assert last.form["Body"] == "El mapa"
    link = last.form["MediaUrl"]
    assert link.startswith(f"{PUBLIC_URL}/media/")
    # What Twilio fetches: the file, without any login, at the link alone.
    fetched = await twilio_app.client.get(link.removeprefix(PUBLIC_URL))
    assert (fetched.status_code, fetched.content) == (200, picture)
    assert fetched.headers["content-type"] == "image/png"
    forged = await twilio_app.client.get(link.removeprefix(PUBLIC_URL)[:-4] + "AAAA")
    assert forged.status_code == 404


async def test_a_sender_known_only_by_external_user_id_is_kept_and_the_answer_fails_clearly(
    twilio_app: Deployment,
) -> None:
    bsuid = "US.13491208655302741918"
    hidden = [
        (name, "" if name == "From" else value)
        for name, value in inbound_form(MEMBER, "Hola", extra={"ExternalUserId": bsuid})
        if name != "WaId"
    ]
    await twilio_app.deliver(hidden)
    await twilio_app.settle()

    async with twilio_app.system.container.uow()() as uow:
        (member,) = (await uow.users.list(PageRequest(limit=10))).items
        kept = await uow.identities.of_users([member.id])
        conversation = await uow.conversations.latest_for(
            (await default_workspace(uow)).id, member.id, Channel.WHATSAPP
        )
        assert conversation is not None
        messages = list(reversed(await uow.messages.recent(conversation.id, 10)))
    assert member.phone is None
    assert [(i.account, i.provider_user_id) for i in kept[member.id]] == [
        (DEFAULT_ACCOUNT_SID, bsuid)
    ]
    # Twilio sends to numbers only: nothing goes out, and the answer says why.
    assert twilio_app.twilio.messages == []
    (said,) = [m.content for m in messages if m.author is Author.MEMBER]
    (answer,) = [m for m in messages if m.author is Author.ASSISTANT]
    assert said == "Hola"
    async with twilio_app.system.container.uow()() as uow:
        (part,) = await uow.deliveries.for_message(answer.id)
    assert part.error_title is not None and "phone numbers only" in part.error_title

    # The same person writing with their number shows: one member, answered there.
    await twilio_app.deliver(inbound_form(MEMBER, "Again", extra={"ExternalUserId": bsuid}))
    await twilio_app.settle()
    assert [m.body for m in twilio_app.twilio.messages] == ["echo: Again (history 2)"]
