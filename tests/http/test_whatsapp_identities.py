"""WhatsApp identities through the real webhook, the real Cloud API adapter and a fake Graph API,
on SQLite and PostgreSQL: a username-only sender is kept and answered at their business-scoped
user id; the same person showing their number later stays one member; a changed number keeps
one member with their history; admins see who they are without a number."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from ignacio.application.use_cases.create_user import CreateUserCommand
from ignacio.application.workspaces import default_workspace
from ignacio.domain import Channel, PageRequest, PhoneNumber, Provider, User
from tests.http.test_whatsapp_cloud_end_to_end import Cloud, open_cloud
from tests.support.fake_graph import inbound_text, webhook_body

BSUID = "US.13491208655302741918"
PHONE = "+34612345678"
NEW_PHONE = "+34699111222"
ADMIN = "+34600000001"


@pytest.fixture(params=["sqlite", "postgres"])
async def cloud(request: pytest.FixtureRequest) -> AsyncIterator[Cloud]:
    async with open_cloud(request) as opened:
        yield opened


async def admin_headers(cloud: Cloud) -> dict[str, str]:
    await cloud.system.container.create_user()(
        None, CreateUserCommand(phone=ADMIN, name="Admin", is_admin=True)
    )
    response = await cloud.client.post("/auth/request-otp", json={"phoneNumber": ADMIN})
    assert response.status_code == 200, response.text
    await cloud.settle()
    code = cloud.graph.messages[-1].parameters[0]
    verified = await cloud.client.post(
        "/auth/verify-otp", json={"phoneNumber": ADMIN, "code": code}
    )
    assert verified.status_code == 200, verified.text
    return {"Authorization": f"Bearer {verified.json()['accessToken']}"}


async def people(cloud: Cloud) -> list[User]:
    async with cloud.system.container.uow()(read_only=True) as uow:
        listed = await uow.users.list(PageRequest(limit=50))
    return [user for user in listed.items if user.phone != PhoneNumber.parse(ADMIN)]


async def history(cloud: Cloud, user: User) -> list[str]:
    async with cloud.system.container.uow()(read_only=True) as uow:
        conversation = await uow.conversations.latest_for(
            (await default_workspace(uow)).id, user.id, Channel.WHATSAPP
        )
        assert conversation is not None
        page = await uow.messages.list(
            conversation.workspace_id, conversation.id, PageRequest(limit=50)
        )
    return [m.content for m in sorted(page.items, key=lambda m: m.created_at)]


async def test_a_username_only_sender_is_kept_answered_at_their_id_and_shown_to_admins(
    cloud: Cloud,
) -> None:
    headers = await admin_headers(cloud)
    await cloud.deliver(
        inbound_text(None, "Hola", user_id=BSUID, username="lucia.g", profile_name="Lucía")
    )
    await cloud.settle()

    (member,) = await people(cloud)
    assert (member.phone, member.name) == (None, "Lucía")
    assert await history(cloud, member) == ["Hola", "echo: Hola (history 0)"]
    (answer,) = [m for m in cloud.graph.messages if m.type == "text"]
    # Sent by the Cloud API's `recipient` field, to the id: there is no number to send to.
    assert answer.by_user_id and answer.payload["recipient"] == BSUID
    assert "to" not in answer.payload

    users = (await cloud.client.get("/users", headers=headers)).json()["items"]
    shown = next(u for u in users if u["id"] == str(member.id))
    assert {k: shown[k] for k in ("name", "phoneNumber", "username", "whatsappId")} == {
        "name": "Lucía",
        "phoneNumber": None,
        "username": "lucia.g",
        "whatsappId": "US.****1918",
    }
    members = (await cloud.client.get("/workspaces/default/members", headers=headers)).json()
    (listed,) = [m["user"] for m in members["items"] if m["user"]["id"] == str(member.id)]
    assert (listed["username"], listed["whatsappId"]) == ("lucia.g", "US.****1918")
    inbox = (await cloud.client.get("/workspaces/default/inbox", headers=headers)).json()
    (line,) = inbox["items"]
    assert (line["member"]["username"], line["member"]["whatsappId"]) == ("lucia.g", "US.****1918")
    thread = await cloud.client.get(f"/workspaces/default/inbox/{line['id']}", headers=headers)
    assert thread.json()["conversation"]["member"]["username"] == "lucia.g"

    # Within 30 days Meta shows the number again: the same member gains it, and is answered there.
    await cloud.deliver(inbound_text(PHONE, "Again", user_id=BSUID, username="lucia.g"))
    await cloud.settle()
    (same,) = await people(cloud)
    assert (same.id, same.phone) == (member.id, PhoneNumber.parse(PHONE))
    assert cloud.graph.texts_to(PHONE) == ["echo: Again (history 2)"]


def number_changed(old: str, new: str) -> bytes:
    """Meta's `user_changed_number` notice (shared/conformance/whatsapp-cloud/system.json)."""
    return webhook_body(
        messages=[
            {
                "from": old.removeprefix("+"),
                "id": f"wamid.SYS{time.time_ns()}",
                "timestamp": str(int(time.time())),
                "system": {
                    "body": f"User A changed from {old} to {new}",
                    "wa_id": new.removeprefix("+"),
                    "type": "user_changed_number",
                },
                "type": "system",
            }
        ]
    )


async def test_a_changed_number_keeps_one_member_with_their_history(cloud: Cloud) -> None:
    headers = await admin_headers(cloud)
    await cloud.deliver(inbound_text(PHONE, "Before", user_id=BSUID))
    await cloud.settle()

    await cloud.deliver(number_changed(PHONE, NEW_PHONE))
    await cloud.settle()
    # Meta issues a new id with the new number.
    await cloud.deliver(inbound_text(NEW_PHONE, "After", user_id="US.7"))
    await cloud.settle()

    (member,) = await people(cloud)
    assert member.phone == PhoneNumber.parse(NEW_PHONE)
    assert await history(cloud, member) == [
        "Before",
        "echo: Before (history 0)",
        "After",
        "echo: After (history 2)",
    ]
    assert cloud.graph.texts_to(NEW_PHONE) == ["echo: After (history 2)"]
    async with cloud.system.container.uow()(read_only=True) as uow:
        ids = await uow.identities.of_users([member.id])
    assert [(i.provider, i.provider_user_id) for i in ids[member.id]] == [
        (Provider.WHATSAPP_CLOUD, BSUID),
        (Provider.WHATSAPP_CLOUD, "US.7"),
    ]
    log: Any = (
        await cloud.client.get(
            "/admin/audit-log",
            params={"platform": "true", "action": "user.whatsapp_number_changed"},
            headers=headers,
        )
    ).json()
    (entry,) = log["items"]
    assert (entry["targetId"], entry["actorId"]) == (str(member.id), None)
    assert entry["details"] == {"by": "whatsapp", "previous": "+34*****5678", "to": "+34*****1222"}
