"""/webhooks/whatsapp through the real app: verification, signatures, the conformance corpus,
retried deliveries, and arbitrary bodies."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ignacio.adapters.sql import engine as engine_module
from ignacio.adapters.whatsapp_cloud import sign
from ignacio.application.workspaces import default_workspace
from ignacio.domain import Author, Channel, PageRequest, PhoneNumber
from tests.http.conftest import Api, serve
from tests.support.databases import migrated_sqlite_file
from tests.support.fakes import TEST_APP_SECRET, TEST_VERIFY_TOKEN
from tests.support.system import build_system, settings_for_tests

CONFORMANCE = Path(__file__).resolve().parents[3] / "shared" / "conformance" / "whatsapp-cloud"
CASES = [
    (file.stem, name, body)
    for file in sorted(CONFORMANCE.glob("*.json"))
    for name, body in json.loads(file.read_text()).items()
]


def signed(body: bytes, secret: str = TEST_APP_SECRET) -> dict[str, str]:
    return {"Content-Type": "application/json", "X-Hub-Signature-256": sign(body, secret)}


def text_delivery(text: str = "Hola", message_id: str = "wamid.test.1") -> bytes:
    return msgspec.json.encode(
        {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": "1",
                    "changes": [
                        {
                            "field": "messages",
                            "value": {
                                "messaging_product": "whatsapp",
                                "metadata": {
                                    "display_phone_number": "15550000000",
                                    "phone_number_id": "123",
                                },
                                "contacts": [
                                    {"profile": {"name": "Lucía"}, "wa_id": "34612345678"}
                                ],
                                "messages": [
                                    {
                                        "from": "34612345678",
                                        "id": message_id,
                                        "timestamp": "1763800000",
                                        "type": "text",
                                        "text": {"body": text},
                                    }
                                ],
                            },
                        }
                    ],
                }
            ],
        }
    )


async def member_messages(api: Api, phone: str) -> list[tuple[str, str]]:
    """The member's own messages in their WhatsApp conversation, oldest first."""
    async with api.system.container.uow()() as uow:
        user = await uow.users.get_by_phone(PhoneNumber.parse(phone))
        assert user is not None
        conversation = await uow.conversations.latest_for(
            (await default_workspace(uow)).id, user.id, Channel.WHATSAPP
        )
        assert conversation is not None
        page = await uow.messages.list(
            conversation.workspace_id, conversation.id, PageRequest(limit=100)
        )
    return [
        (message.author.value, message.content)
        for message in sorted(page.items, key=lambda message: message.created_at)
        if message.author is Author.MEMBER
    ]


async def post(api: Api, body: bytes, headers: dict[str, str]) -> Any:
    response = await api.client.post("/webhooks/whatsapp", content=body, headers=headers)
    await api.system.settle()
    return response


async def test_meta_verification_echoes_the_challenge(api: Api) -> None:
    ok = await api.client.get(
        "/webhooks/whatsapp",
        params={
            "hub.mode": "subscribe",
            "hub.verify_token": TEST_VERIFY_TOKEN,
            "hub.challenge": "1158201444",
        },
    )
    wrong = await api.client.get(
        "/webhooks/whatsapp",
        params={"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"},
    )
    assert (ok.status_code, ok.text) == (200, "1158201444")
    assert wrong.status_code == 403


async def test_a_signed_message_is_stored_and_answered(api: Api) -> None:
    response = await post(api, text_delivery(), signed(text_delivery()))

    assert response.status_code == 200
    assert response.json() == {"messages": 1, "updates": 0}
    assert await member_messages(api, "+34612345678") == [("member", "Hola")]
    assert api.system.channel.texts_to("+34612345678") == ["echo: Hola (history 0)"]
    assert await api.system.container.webhook_inbox().waiting() == 0


@pytest.mark.parametrize(
    "headers",
    [
        {"Content-Type": "application/json"},
        signed(text_delivery(), "another-secret"),
        {"Content-Type": "application/json", "X-Hub-Signature-256": "sha256=zz"},
        {"Content-Type": "application/json", "X-Hub-Signature-256": "md5=abc"},
    ],
    ids=["missing", "wrong-secret", "malformed", "wrong-scheme"],
)
async def test_unsigned_or_badly_signed_deliveries_are_refused(
    api: Api, headers: dict[str, str]
) -> None:
    response = await post(api, text_delivery(), headers)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_signature"
    assert api.system.channel.texts == []


async def test_a_reserialised_body_does_not_match_its_signature(api: Api) -> None:
    original = text_delivery()
    reserialised = json.dumps(json.loads(original), indent=1).encode()
    response = await post(api, reserialised, signed(original))
    assert response.status_code == 401


async def test_the_same_delivery_three_times_gives_one_message_and_one_answer(api: Api) -> None:
    body = text_delivery()
    receipts = [(await post(api, body, signed(body))).json() for _ in range(3)]

    assert [r["messages"] for r in receipts] == [1, 1, 1]
    assert await member_messages(api, "+34612345678") == [("member", "Hola")]
    assert len(api.system.channel.texts) == 1


async def test_a_body_that_is_not_json_is_refused_and_nothing_is_kept(api: Api) -> None:
    body = b"{not json"
    response = await post(api, body, signed(body))

    assert response.status_code == 400
    assert await api.system.container.webhook_inbox().waiting() == 0


@pytest.mark.parametrize(("file", "case", "body"), CASES, ids=[f"{f}-{c}" for f, c, _ in CASES])
async def test_every_conformance_case_is_accepted(
    api: Api, file: str, case: str, body: Any
) -> None:
    raw = json.dumps(body).encode()
    response = await post(api, raw, signed(raw))
    assert response.status_code == 200, response.text
    assert set(response.json()) == {"messages", "updates"}
    assert await api.system.container.webhook_inbox().waiting() == 0, "not all stored"
    if file in ("edited_message", "deleted_message"):
        # About a message this server never had: ignored, and nothing is said (never "can't
        # read"); tests/http/test_whatsapp_edits.py delivers them after their message.
        assert api.system.channel.texts == []


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=30,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=json_values)
async def test_arbitrary_signed_json_never_causes_a_5xx(memory_api: Api, value: Any) -> None:
    raw = json.dumps(value).encode()
    response = await memory_api.client.post("/webhooks/whatsapp", content=raw, headers=signed(raw))
    assert response.status_code < 500, response.text


async def test_a_delivery_meeting_a_busy_database_gets_503_with_retry_after_and_later_200(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process (the CLI) holding SQLite's write lock past the server's patience: the
    webhook is refused with a 503 and Retry-After, so the provider sends it again; never a
    500. Once the lock is free the same delivery is kept and answered."""
    monkeypatch.setattr(engine_module, "SQLITE_BUSY_PATIENCE_SECONDS", 0.2)
    database_url = migrated_sqlite_file(tmp_path)
    system = build_system(
        settings_for_tests(IGNACIO_DATABASE_URL=database_url, IGNACIO_DATA_DIR=tmp_path),
        fake_clock=False,
    )
    async with serve(system) as client:
        api = Api(client=client, system=system)
        other = sqlite3.connect(tmp_path / "ignacio.db", isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            refused = await api.client.post(
                "/webhooks/whatsapp", content=text_delivery(), headers=signed(text_delivery())
            )
            code = await api.client.post("/auth/request-otp", json={"phoneNumber": "+34600000009"})
        finally:
            other.execute("ROLLBACK")
            other.close()
        kept = await post(api, text_delivery(), signed(text_delivery()))

    assert refused.status_code == 503, refused.text
    assert refused.headers["Retry-After"] == "5"
    assert refused.json()["error"] == "busy"
    # Any other write meeting the busy database says so too, rather than "internal error".
    assert code.status_code == 503, code.text
    assert code.headers["Retry-After"] == "5"
    assert kept.status_code == 200
    assert await member_messages(api, "+34612345678") == [("member", "Hola")]
