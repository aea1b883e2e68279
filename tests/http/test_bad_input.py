"""A client's mistakes through the real app: malformed bodies get a 400 a person can act on,
never a 5xx, and leave no traceback in the log; NUL characters are dropped from text from
outside, so they cannot break the database (PostgreSQL stores no NUL in text)."""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from typing import Any

import pytest
import structlog
from sqlalchemy import select

from ignacio.adapters.memory import InMemoryWebhookInbox
from ignacio.adapters.sql.tables import webhook_inbox
from ignacio.domain import InboxDelivery, Provider, WebhookBatch
from tests.http.conftest import Api
from tests.http.test_whatsapp_webhook import member_messages, post, signed, text_delivery

DEEPLY_NESTED = b"[" * 100_000 + b"]" * 100_000
DEEPLY_NESTED_OBJECT = b'{"a":' * 50_000 + b"1" + b"}" * 50_000
NOT_UTF8 = b'{"phoneNumber": "+34612345678\xff\xfe"}'
JSON = {"Content-Type": "application/json"}


@pytest.fixture
def logs() -> Iterator[list[MutableMapping[str, Any]]]:
    with structlog.testing.capture_logs() as captured:
        yield captured


def assert_no_traceback(
    logs: list[MutableMapping[str, Any]], caplog: pytest.LogCaptureFixture
) -> None:
    assert [entry for entry in logs if entry.get("exc_info") or entry["log_level"] == "error"] == []
    assert [record for record in caplog.records if record.exc_info] == []


@pytest.mark.parametrize("body", [DEEPLY_NESTED, DEEPLY_NESTED_OBJECT], ids=["array", "object"])
async def test_deeply_nested_json_is_a_400_without_a_traceback(
    memory_api: Api,
    body: bytes,
    logs: list[MutableMapping[str, Any]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    response = await memory_api.client.post("/auth/request-otp", content=body, headers=JSON)

    assert response.status_code == 400, response.text
    assert response.json()["error"] == "bad_request"
    assert "nested too deeply" in response.json()["message"]
    assert_no_traceback(logs, caplog)


async def test_invalid_utf8_is_a_400_without_a_traceback(
    memory_api: Api, logs: list[MutableMapping[str, Any]], caplog: pytest.LogCaptureFixture
) -> None:
    response = await memory_api.client.post("/auth/request-otp", content=NOT_UTF8, headers=JSON)

    assert response.status_code == 400, response.text
    assert response.json()["error"] == "bad_request"
    assert "UTF-8" in response.json()["message"]
    assert_no_traceback(logs, caplog)


async def test_bad_bodies_are_refused_on_authenticated_routes_too(memory_api: Api) -> None:
    headers = await memory_api.headers_for("+34612345678") | JSON
    for body in (DEEPLY_NESTED, NOT_UTF8):
        for method, path in [("POST", "/conversations"), ("PUT", "/users/me")]:
            response = await memory_api.client.request(method, path, content=body, headers=headers)
            assert response.status_code == 400, (method, path, response.text)


# NUL: PostgreSQL refuses it in text and jsonb, so it is dropped wherever outside text comes in.


async def test_nul_is_dropped_from_titles_messages_names_and_searches(api: Api) -> None:
    admin = await api.admin_headers()
    member = await api.headers_for("+34612345678")

    created = await api.client.post("/conversations", json={"title": "Pl\x00an"}, headers=member)
    assert (created.status_code, created.json()["title"]) == (201, "Plan"), created.text
    conversation = created.json()["id"]
    sent = await api.client.post(
        f"/conversations/{conversation}/messages", json={"content": "Ho\x00la"}, headers=member
    )
    assert sent.status_code in (200, 201), sent.text
    listed = await api.client.get(f"/conversations/{conversation}/messages", headers=member)
    assert "Hola" in [message["content"] for message in listed.json()["items"]]
    attached = await api.client.post(
        f"/conversations/{conversation}/files",
        files={"file": ("notes.txt", b"Some notes.", "text/plain")},
        data={"caption": "Wh\x00at?"},
        headers=member,
    )
    assert attached.status_code == 201, attached.text
    assert attached.json()["message"]["content"] == "What?"
    named = await api.client.put("/users/me", json={"name": "A\x00na"}, headers=member)
    assert (named.status_code, named.json()["name"]) == (200, "Ana"), named.text

    found = await api.client.get("/users", params={"search": "a\x00na"}, headers=admin)
    assert found.status_code == 200, found.text
    assert [user["name"] for user in found.json()["items"]] == ["Ana"]
    titles = await api.client.get(
        "/admin/conversations", params={"search": "pl\x00"}, headers=admin
    )
    assert titles.status_code == 200, titles.text
    assert [item["title"] for item in titles.json()["items"]] == ["Plan"]
    created_user = await api.client.post(
        "/users", json={"phoneNumber": "+34\x00612345670", "name": "B\x00ea"}, headers=admin
    )
    assert created_user.status_code == 201, created_user.text
    assert created_user.json()["phoneNumber"] == "+34612345670"
    assert created_user.json()["name"] == "Bea"


async def test_a_whatsapp_message_with_nul_is_stored_and_answered(api: Api) -> None:
    body = text_delivery("Ho\x00la")
    assert b"\\u0000" in body

    response = await post(api, body, signed(body))

    assert response.status_code == 200, response.text
    assert await member_messages(api, "+34612345678") == [("member", "Hola")]
    assert api.system.channel.texts_to("+34612345678") == ["echo: Hola (history 0)"]
    assert await api.system.container.webhook_inbox().waiting() == 0


@pytest.mark.parametrize(
    "body", [b'{"object": "whatsapp_business_account\xff"}', DEEPLY_NESTED], ids=["utf8", "nested"]
)
async def test_a_signed_webhook_body_that_is_not_json_is_a_400(
    memory_api: Api, body: bytes
) -> None:
    response = await post(memory_api, body, signed(body))

    assert response.status_code == 400, response.text
    assert await memory_api.system.container.webhook_inbox().waiting() == 0


# A delivery that cannot be stored: set aside after its retries, sealed, and shown to admins.


class BrokenStorage:
    """ReceiveWebhook failing the way a database does: its message's second line repeats the
    statement and its parameters, which may hold what the person wrote."""

    async def __call__(self, batch: WebhookBatch) -> None:
        raise RuntimeError("storage broke\n[SQL: INSERT INTO messages ...] [parameters: 'Hola']")


async def stored_body(api: Api, delivery_id: Any) -> bytes:
    inbox = api.system.container.webhook_inbox()
    if isinstance(inbox, InMemoryWebhookInbox):
        body = inbox.body_of(delivery_id)
        assert body is not None
        return body
    async with api.system.container.engine().connect() as connection:
        query = select(webhook_inbox.c.body).where(webhook_inbox.c.id == delivery_id)
        return bytes((await connection.execute(query)).scalar_one())


async def test_a_delivery_set_aside_keeps_no_plaintext_number_and_admins_see_it(api: Api) -> None:
    admin = await api.admin_headers()
    container = api.system.container
    body = text_delivery("Hola")
    kept = InboxDelivery(
        id=container.ids().new_id(),
        provider=Provider.WHATSAPP_CLOUD,
        body=body,
        received_at=container.clock().now(),
    )
    await container.webhook_inbox().add(kept)
    container.receive_webhook.override(BrokenStorage())

    for _ in range(5):
        await container.drain_webhook_inbox()()

    assert b"34612345678" not in await stored_body(api, kept.id)
    assert container.sealer().open(await stored_body(api, kept.id)) == body
    listed = await api.client.get("/admin/webhooks/set-aside", headers=admin)
    assert listed.status_code == 200, listed.text
    (aside,) = listed.json()["items"]
    assert aside["id"] == str(kept.id)
    assert (aside["provider"], aside["sender"], aside["attempts"]) == (
        "whatsapp_cloud",
        "+34*****5678",
        5,
    )
    assert aside["lastError"] == "RuntimeError: storage broke"
    assert "34612345678" not in listed.text and "Hola" not in listed.text
    member = await api.headers_for("+34699999999")
    assert (await api.client.get("/admin/webhooks/set-aside", headers=member)).status_code == 403
