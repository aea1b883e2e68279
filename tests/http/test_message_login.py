"""Logging in by sending a code from WhatsApp, end to end through the real app: the browser
starts it, the member sends `VERIFY <code>` as a signed Cloud API webhook, the question and the
answers go out through the real adapter to a local fake of the Graph API, YES, and the poll's
session works; expired, reused and misdirected codes, another browser, a NO, the limits, links;
on memory, SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from ignacio.application.use_cases.create_user import CreateUserCommand
from ignacio.domain import Channel, Order, PageRequest, PhoneNumber, Provider
from ignacio.domain.workspaces import DEFAULT_SLUG, WorkspaceRole
from tests.http.conftest import database_url_for, serve
from tests.http.desk import log_in
from tests.http.test_workspace_numbers import SOL_NUMBER_ID, SOL_TOKEN, ByToken
from tests.support.fake_graph import (
    DEFAULT_PHONE_NUMBER_ID,
    DEFAULT_TOKEN,
    FAKE_BASE_URL,
    FakeGraph,
    inbound_text,
    post_signed,
)
from tests.support.system import System, build_system, settings_for_tests

MEMBER = "+34612345678"
OTHER = "+34699111222"
ADMIN = "+34600000001"
NUMBER = "+15550100199"
SOL_DISPLAY = "+34910123456"
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:135.0) Gecko/20100101 Firefox/135.0"
SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_2 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.2 Mobile/15E148 Safari/604.1"
)
START = "/auth/message-login"
HIDDEN_ID = "US.13491208655302741918"


@dataclass
class Line:
    """The app with the deployment's Meta number (and Clínica Sol's, on its own fake)."""

    client: httpx.AsyncClient
    system: System
    graph: FakeGraph
    sol: FakeGraph

    async def start(self, headers: dict[str, str] | None = None, **body: Any) -> dict[str, Any]:
        response = await self.client.post(
            START, json=body or None, headers={"User-Agent": FIREFOX} | (headers or {})
        )
        assert response.status_code == 201, response.text
        started: dict[str, Any] = response.json()
        return started

    async def whatsapp(
        self, text: str, phone: str = MEMBER, number_id: str = DEFAULT_PHONE_NUMBER_ID
    ) -> None:
        # The clock stands still unless moved: each message a second later, as in life.
        self.system.clock.advance(seconds=1)
        await post_signed(self.client, inbound_text(phone, text, phone_number_id=number_id))
        await self.system.settle()

    async def poll(self, login: dict[str, Any], token: str | None = None) -> httpx.Response:
        return await self.client.post(
            f"{START}/{login['id']}/poll",
            json={"browserToken": token or login["browserToken"]},
            headers={"User-Agent": FIREFOX},
        )

    async def state(self, login: dict[str, Any]) -> str:
        response = await self.poll(login)
        assert response.status_code == 200, response.text
        state: str = response.json()["state"]
        return state

    async def from_username(self, text: str) -> None:
        """A message from someone whose number Meta hides behind their username."""
        self.system.clock.advance(seconds=1)
        body = inbound_text(None, text, user_id=HIDDEN_ID, username="lucia.g")
        await post_signed(self.client, body)
        await self.system.settle()

    def said_to(self, phone: str = MEMBER) -> str:
        return self.graph.texts_to(phone)[-1]

    def said_to_username(self) -> str:
        return [m.text for m in self.graph.messages if m.to == HIDDEN_ID and m.text][-1]

    async def audit(self, workspace: str = DEFAULT_SLUG) -> list[str]:
        async with self.system.container.uow()(read_only=True) as uow:
            found = await uow.workspaces.get_by_slug(workspace)
            assert found is not None
            page = await uow.audit_log.list(
                found.id, PageRequest(limit=100, order=Order.OLDEST_FIRST)
            )
        return [entry.action for entry in page.items if entry.target_type == "message_login"]

    async def conversation_texts(self, phone: str = MEMBER) -> list[str]:
        """What the member's WhatsApp conversation keeps, oldest first."""
        async with self.system.container.uow()(read_only=True) as uow:
            user = await uow.users.get_by_phone(PhoneNumber.parse(phone))
            assert user is not None
            home = await uow.workspaces.get_by_slug(DEFAULT_SLUG)
            assert home is not None
            chat = await uow.conversations.latest_for(home.id, user.id, Channel.WHATSAPP)
            assert chat is not None
            messages = await uow.messages.recent(chat.id, 100)
        return [message.content for message in messages]


async def open_line(request: pytest.FixtureRequest, **variables: Any) -> AsyncIterator[Line]:
    settings = settings_for_tests(
        **{
            "IGNACIO_DATABASE_URL": database_url_for(request),
            "IGNACIO_CHANNEL": "whatsapp_cloud",
            "WHATSAPP_ACCESS_TOKEN": DEFAULT_TOKEN,
            "WHATSAPP_PHONE_NUMBER_ID": DEFAULT_PHONE_NUMBER_ID,
            "WHATSAPP_API_BASE_URL": FAKE_BASE_URL,
            "WHATSAPP_DISPLAY_NUMBER": NUMBER,
            "IGNACIO_STORAGE_DIR": request.getfixturevalue("tmp_path") / "files",
        }
        | variables
    )
    graph = FakeGraph()
    sol = FakeGraph(
        access_token=SOL_TOKEN,
        phone_number_id=SOL_NUMBER_ID,
        display_phone_number=SOL_DISPLAY,
        first_message_number=500_000,
    )
    system = build_system(settings, fake_clock=True, real_channel=True)
    system.container.http_client.override(
        httpx.AsyncClient(transport=ByToken([graph, sol]), base_url=FAKE_BASE_URL)
    )
    async with serve(system) as client:
        yield Line(client=client, system=system, graph=graph, sol=sol)


@pytest.fixture(params=["memory", "sqlite", "postgres"])
async def line(request: pytest.FixtureRequest) -> AsyncIterator[Line]:
    async for opened in open_line(request):
        yield opened


@pytest.fixture
async def memory_line(request: pytest.FixtureRequest) -> AsyncIterator[Line]:
    request.param = "memory"
    async for opened in open_line(request, IGNACIO_MESSAGE_LOGINS_PER_CLIENT="2"):
        yield opened


async def test_a_member_logs_in_by_sending_the_code_and_answering_yes(line: Line) -> None:
    login = await line.start()
    code = login["code"]
    assert login["text"] == f"VERIFY {code}"
    assert login["number"] == NUMBER
    assert login["link"] == f"https://wa.me/{NUMBER[1:]}?text=VERIFY%20{code}"
    assert login["device"] == "Firefox on Windows"
    assert (login["purpose"], login["workspace"]) == ("login", "default")
    assert await line.state(login) == "waiting"

    await line.whatsapp(f"VERIFY {code}")
    question = line.said_to()
    assert question.startswith("Log in to Action Lab's Ignacio on Firefox on Windows? Reply YES")
    assert "someone may be trying to get into your account" in question
    assert await line.state(login) == "claimed"
    # The code is never kept in clear, nor shown to the assistant.
    texts = await line.conversation_texts()
    assert "VERIFY ••••••" in texts
    assert not any(code in text for text in texts)
    assert line.system.assistant.turns == []

    await line.whatsapp("Sí")
    assert line.said_to().startswith("✅ Confirmed: you are logged in to Action Lab's Ignacio")
    polled = await line.poll(login)
    assert polled.status_code == 200, polled.text
    body = polled.json()
    assert body["state"] == "confirmed"
    assert "ignacio_refresh" in polled.cookies
    me = await line.client.get(
        "/users/me", headers={"Authorization": f"Bearer {body['login']['accessToken']}"}
    )
    assert me.status_code == 200, me.text
    assert me.json()["phoneNumber"] == MEMBER

    # Once: the next poll hears that it was used, and gets nothing.
    again = await line.poll(login)
    assert again.json() == again.json() | {"state": "used", "login": None}
    assert "ignacio_refresh" not in again.cookies
    assert await line.audit() == ["message_login.claim", "message_login.confirm"]
    sessions = await line.client.get(
        "/auth/sessions", headers={"Authorization": f"Bearer {body['login']['accessToken']}"}
    )
    assert [item["device"] for item in sessions.json()["items"]] == ["Firefox on Windows"]


async def test_a_used_or_expired_code_logs_nobody_in(line: Line) -> None:
    used = await line.start()
    await line.whatsapp(used["text"])
    await line.whatsapp("yes")
    assert (await line.poll(used)).json()["state"] == "confirmed"
    await line.whatsapp(used["text"], phone=OTHER)
    assert line.said_to(OTHER).startswith("That code is not valid here")

    expired = await line.start()
    line.system.clock.advance(minutes=10)
    await line.whatsapp(expired["text"])
    assert line.said_to().startswith("That code is not valid here")
    assert await line.state(expired) == "expired"


async def test_a_claim_not_answered_in_time_expires(line: Line) -> None:
    login = await line.start()
    await line.whatsapp(login["text"])
    line.system.clock.advance(minutes=10)
    await line.whatsapp("YES")
    assert await line.state(login) == "expired"
    # No login was waiting for it any more: the assistant reads the YES like any message.
    assert line.said_to().startswith("echo: YES")


async def test_only_the_browser_that_started_it_learns_anything(line: Line) -> None:
    login = await line.start()
    await line.whatsapp(login["text"])
    await line.whatsapp("OK")
    other_browser = await line.poll(login, token="another-browsers-guess")
    assert other_browser.status_code == 404
    assert other_browser.json()["error"] == "not_found"
    unknown = await line.client.post(
        f"{START}/00000000-0000-4000-8000-000000000000/poll", json={"browserToken": "x"}
    )
    assert unknown.status_code == 404
    assert (await line.poll(login)).json()["state"] == "confirmed"


async def test_no_refuses_and_tells_the_member_why(line: Line) -> None:
    login = await line.start()
    await line.whatsapp(login["text"])
    await line.whatsapp("não")
    assert line.said_to().startswith("Refused: nobody was logged in.")
    polled = await line.poll(login)
    assert polled.json()["state"] == "refused"
    assert polled.json()["login"] is None
    await line.whatsapp("YES")
    assert line.said_to().startswith("echo: YES")
    assert await line.audit() == ["message_login.claim", "message_login.refuse"]


async def test_the_team_holding_the_conversation_does_not_swallow_the_code(line: Line) -> None:
    await line.system.container.create_user()(
        None, CreateUserCommand(phone=ADMIN, name="Admin", is_admin=True)
    )
    admin = await log_in(line.client, line.system, line.graph, ADMIN)
    await line.whatsapp("Hello, I need a person")
    inbox = await line.client.get("/workspaces/default/inbox", headers=admin)
    (chat,) = inbox.json()["items"]
    taken = await line.client.post(f"/workspaces/default/inbox/{chat['id']}/take", headers=admin)
    assert taken.status_code == 200, taken.text
    turns = len(line.system.assistant.turns)

    login = await line.start()
    await line.whatsapp(login["text"])
    assert line.said_to().startswith("Log in to Action Lab's Ignacio")
    await line.whatsapp("YES")
    assert (await line.poll(login)).json()["state"] == "confirmed"
    # And the assistant stayed silent: the team has the conversation.
    await line.whatsapp("Thanks")
    assert len(line.system.assistant.turns) == turns


async def test_a_code_sent_to_another_workspaces_number_is_not_found(line: Line) -> None:
    await line.system.container.create_user()(
        None, CreateUserCommand(phone=ADMIN, name="Admin", is_admin=True)
    )
    admin = await log_in(line.client, line.system, line.graph, ADMIN)
    created = await line.client.post(
        "/workspaces", json={"name": "Clínica Sol", "slug": "sol"}, headers=admin
    )
    assert created.status_code == 201, created.text
    connected = await line.client.post(
        "/workspaces/sol/channels",
        json={
            "provider": "whatsapp_cloud",
            "phoneNumberId": SOL_NUMBER_ID,
            "accessToken": SOL_TOKEN,
            "displayNumber": SOL_DISPLAY,
        },
        headers=admin,
    )
    assert connected.status_code == 201, connected.text

    home_login = await line.start()
    await line.whatsapp(home_login["text"], number_id=SOL_NUMBER_ID)
    assert line.sol.texts_to(MEMBER)[-1].startswith("That code is not valid here")
    assert await line.state(home_login) == "waiting"

    # Clínica Sol's own login names its own number and its own name.
    sol_login = await line.start(workspace="sol")
    assert sol_login["number"] == SOL_DISPLAY
    await line.whatsapp(sol_login["text"], number_id=SOL_NUMBER_ID)
    assert line.sol.texts_to(MEMBER)[-1].startswith("Log in to Clínica Sol's Ignacio")
    assert await line.audit("sol") == ["message_login.claim"]


async def test_a_member_sending_too_many_codes_is_told_to_wait(line: Line) -> None:
    login = await line.start()
    for _ in range(5):
        await line.whatsapp("VERIFY 000000" if login["code"] != "000000" else "VERIFY 111111")
        assert line.said_to().startswith("That code is not valid here")
    await line.whatsapp(login["text"])
    assert line.said_to().startswith("You have sent too many codes in a short time. Wait 10")
    # Nothing was compared: the login still waits, for anyone else.
    assert await line.state(login) == "waiting"
    await line.whatsapp(login["text"], phone=OTHER)
    assert line.said_to(OTHER).startswith("Log in to Action Lab's Ignacio")


async def test_a_newer_claim_answers_the_question_last_asked(line: Line) -> None:
    first = await line.start()
    second = await line.client.post(START, headers={"User-Agent": SAFARI})
    assert second.status_code == 201
    await line.whatsapp(first["text"])
    await line.whatsapp(second.json()["text"])
    assert line.said_to().startswith("Log in to Action Lab's Ignacio on Safari on iPhone?")
    await line.whatsapp("yes")
    assert await line.state(first) == "refused"
    assert await line.state(second.json()) == "confirmed"


async def test_logins_started_are_limited_per_address(memory_line: Line) -> None:
    await memory_line.start()
    await memory_line.start()
    limited = await memory_line.client.post(START)
    assert limited.status_code == 429
    assert "Too many logins started from here" in limited.json()["message"]
    assert int(limited.headers["Retry-After"]) > 0


async def test_without_a_known_number_nobody_can_be_told_where_to_write(
    request: pytest.FixtureRequest,
) -> None:
    request.param = "memory"
    async for line in open_line(request, WHATSAPP_DISPLAY_NUMBER=""):
        answered = await line.client.post(START)
        assert answered.status_code == 409
        assert "WHATSAPP_DISPLAY_NUMBER" in answered.json()["message"]
        missing = await line.client.post(START, json={"workspace": "nowhere"})
        assert missing.status_code == 404


async def test_a_logged_in_member_links_their_own_whatsapp_and_no_one_elses(line: Line) -> None:
    await line.client.post("/auth/request-otp", json={"phoneNumber": MEMBER})
    await line.system.settle()
    headers = await log_in(line.client, line.system, line.graph, MEMBER)

    anonymous = await line.client.post(START, json={"purpose": "link"})
    assert anonymous.status_code == 401

    link = await line.start(headers, purpose="link")
    assert link["purpose"] == "link"
    await line.whatsapp(link["text"])
    assert line.said_to() == "✅ WhatsApp is linked to your Ignacio account."
    polled = (await line.poll(link)).json()
    assert (polled["state"], polled["login"]) == ("confirmed", None)

    stolen = await line.start(headers, purpose="link")
    await line.whatsapp(stolen["text"], phone=OTHER)
    # Another number's member: one account would have two numbers.
    assert line.said_to(OTHER).startswith(
        "This WhatsApp was not linked to the account that asked: the account has another "
        "WhatsApp number."
    )
    assert await line.state(stolen) == "refused"
    assert await line.audit() == ["whatsapp.link", "whatsapp.link_refuse"]


async def members_and_ids(line: Line) -> list[tuple[str, list[str]]]:
    """Every member's number and WhatsApp ids, the admin's and the deployment's aside."""
    async with line.system.container.uow()(read_only=True) as uow:
        people = (await uow.users.list(PageRequest(limit=100))).items
        ids = await uow.identities.of_users(p.id for p in people)
    return sorted(
        (str(p.phone) if p.phone else "", [i.provider_user_id for i in ids.get(p.id, [])])
        for p in people
        if not p.is_admin
    )


async def whatsapp_said(line: Line, phone: str) -> list[str]:
    """What every WhatsApp conversation of the member with this number holds."""
    async with line.system.container.uow()(read_only=True) as uow:
        user = await uow.users.get_by_phone(PhoneNumber.parse(phone))
        home = await uow.workspaces.get_by_slug(DEFAULT_SLUG)
        assert user is not None and home is not None
        chats = await uow.conversations.list(
            home.id, PageRequest(limit=10), user_id=user.id, channel=Channel.WHATSAPP
        )
        said: list[str] = []
        for chat in chats.items:
            said.extend(m.content for m in await uow.messages.recent(chat.id, 100))
    return said


async def test_a_username_only_whatsapp_joins_the_account_once_its_sender_says_yes(
    line: Line,
) -> None:
    await line.client.post("/auth/request-otp", json={"phoneNumber": MEMBER})
    await line.system.settle()
    headers = await log_in(line.client, line.system, line.graph, MEMBER)
    # The same person writes on WhatsApp behind a username: a member of its own, for now.
    await line.from_username("Hola, ¿abrís el sábado?")
    assert await members_and_ids(line) == [("", [HIDDEN_ID]), (MEMBER, [])]

    link = await line.start(headers, purpose="link")
    await line.from_username(link["text"])
    question = line.said_to_username()
    assert question.startswith("Link this WhatsApp to the account +34*****5678 at Action Lab")
    assert "on Firefox on Windows?" in question and "will move to that account" in question
    assert await line.state(link) == "claimed"
    assert await members_and_ids(line) == [("", [HIDDEN_ID]), (MEMBER, [])]

    await line.from_username("YES")
    assert line.said_to_username() == "✅ WhatsApp is linked to your Ignacio account."
    assert await line.state(link) == "confirmed"
    # One member: the account, known by the id too, with what the username wrote.
    assert await members_and_ids(line) == [(MEMBER, [HIDDEN_ID])]
    said = await whatsapp_said(line, MEMBER)
    assert "Hola, ¿abrís el sábado?" in said and "VERIFY ••••••" in said
    assert await line.audit() == ["message_login.claim", "whatsapp.link"]
    async with line.system.container.uow()(read_only=True) as uow:
        platform = await uow.audit_log.list(None, PageRequest(limit=50), action="user.merge")
    assert [e.details["reason"] for e in platform.items] == ["linked by a code sent from WhatsApp"]

    # What the username writes next is the account's, and answered at the account's number.
    await line.from_username("¿Y el domingo?")
    assert "¿Y el domingo?" in await whatsapp_said(line, MEMBER)
    me = await line.client.get("/auth/sessions", headers=headers)
    assert me.status_code == 200  # the browser that asked is still the account's


async def test_a_no_or_a_team_members_whatsapp_joins_nothing(line: Line) -> None:
    await line.client.post("/auth/request-otp", json={"phoneNumber": MEMBER})
    await line.system.settle()
    headers = await log_in(line.client, line.system, line.graph, MEMBER)
    await line.from_username("Hola")

    declined = await line.start(headers, purpose="link")
    await line.from_username(declined["text"])
    await line.from_username("no")
    assert await line.state(declined) == "refused"
    assert await members_and_ids(line) == [("", [HIDDEN_ID]), (MEMBER, [])]

    # The username's member is made an agent of the team: their WhatsApp joins no account.
    async with line.system.container.uow()() as uow:
        found = await uow.identities.find(Provider.WHATSAPP_CLOUD, "100000000000001", HIDDEN_ID)
        home = await uow.workspaces.get_by_slug(DEFAULT_SLUG)
        assert found is not None and home is not None
        mine = await uow.memberships.get(home.id, found.user_id)
        assert mine is not None
        await uow.memberships.update(mine.as_role(WorkspaceRole.AGENT, line.system.clock.now()))
        await uow.commit()
    agent = await line.start(headers, purpose="link")
    await line.from_username(agent["text"])
    assert "a member of a team or an admin" in line.said_to_username()
    assert await line.state(agent) == "refused"
    assert await members_and_ids(line) == [("", [HIDDEN_ID]), (MEMBER, [])]


async def test_a_member_deactivated_before_the_poll_gets_no_session(line: Line) -> None:
    login = await line.start()
    await line.whatsapp(login["text"])
    await line.whatsapp("YES")
    async with line.system.container.uow()() as uow:
        member = await uow.users.get_by_phone(PhoneNumber.parse(MEMBER))
        assert member is not None
        await uow.users.update(member.changed(line.system.clock.now(), is_active=False)[0])
        await uow.commit()
    refused = await line.poll(login)
    assert refused.status_code == 401
    assert "deactivated" in refused.json()["message"]


async def test_a_deactivated_member_cannot_log_in_and_their_code_is_kept_hidden(
    line: Line,
) -> None:
    await line.whatsapp("Hello")
    async with line.system.container.uow()() as uow:
        member = await uow.users.get_by_phone(PhoneNumber.parse(MEMBER))
        assert member is not None
        await uow.users.update(member.changed(line.system.clock.now(), is_active=False)[0])
        await uow.commit()
    sent = len(line.graph.texts_to(MEMBER))
    login = await line.start()
    await line.whatsapp(login["text"])
    assert await line.state(login) == "waiting"
    assert len(line.graph.texts_to(MEMBER)) == sent  # not answered at all, as before
    texts = await line.conversation_texts()
    assert texts[-1] == "VERIFY ••••••"
    assert not any(login["code"] in text for text in texts)
