"""A member edits or deletes a WhatsApp message: Meta's `edit` and `revoke` deliveries (the shapes
of the conformance corpus) through the real webhook, on every adapter set."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import msgspec

from ignacio.application.use_cases.process_inbound import UNSUPPORTED_REPLY
from ignacio.application.workspaces import default_workspace
from ignacio.domain import Channel, Message, PageRequest, PhoneNumber
from ignacio.domain.events import EventKind
from ignacio.domain.history import readable_text
from tests.http.conftest import Api
from tests.http.test_whatsapp_webhook import post, signed, text_delivery

CONFORMANCE = Path(__file__).resolve().parents[3] / "shared" / "conformance" / "whatsapp-cloud"
EDITED = json.loads((CONFORMANCE / "edited_message.json").read_text())["image"]
DELETED = json.loads((CONFORMANCE / "deleted_message.json").read_text())["revoke"]

# The sender of the conformance edit (its `from`), and the message it edits.
EDITOR = "+16505551234"
EDITED_ID = EDITED["entry"][0]["changes"][0]["value"]["messages"][0]["edit"]["original_message_id"]
MEMBER = "+34612345678"


def _value(body: dict[str, Any]) -> dict[str, Any]:
    value: dict[str, Any] = body["entry"][0]["changes"][0]["value"]
    return value


def image_with_caption(caption: str) -> dict[str, Any]:
    """The image the conformance edit edits: sent by its sender, with its id."""
    body: dict[str, Any] = json.loads((CONFORMANCE / "message.json").read_text())["image"]
    message = _value(body)["messages"][0]
    message.update({"from": EDITOR[1:], "id": EDITED_ID, "timestamp": "1749854500"})
    message["image"]["caption"] = caption
    _value(body)["contacts"][0]["wa_id"] = EDITOR[1:]
    return body


def edit(*, caption: str | None = None, edit_id: str | None = None, at: int | None = None) -> Any:
    """The conformance edit, as Meta sent it, or with another caption, id or time."""
    body = copy.deepcopy(EDITED)
    message = _value(body)["messages"][0]
    if caption is not None:
        message["edit"]["message"]["image"]["caption"] = caption
    if edit_id is not None:
        message["id"] = edit_id
    if at is not None:
        message["timestamp"] = str(at)
    return body


def revoke(original_id: str, *, sender: str = MEMBER, revoke_id: str = "wamid.revoke.1") -> Any:
    """The conformance revoke, its placeholders filled in: `sender` deletes `original_id`."""
    body = copy.deepcopy(DELETED)
    value = _value(body)
    value["metadata"]["phone_number_id"] = "123"
    value["contacts"][0]["wa_id"] = sender[1:]
    message = value["messages"][0]
    message.update({"from": sender[1:], "id": revoke_id})
    message["revoke"]["original_message_id"] = original_id
    return body


def together(*bodies: Any) -> Any:
    """One delivery carrying the messages of several (Meta batches what happens close together)."""
    first = copy.deepcopy(bodies[0])
    for other in bodies[1:]:
        _value(first)["messages"].extend(_value(other)["messages"])
    return first


async def deliver(api: Api, body: Any) -> Any:
    raw = body if isinstance(body, bytes) else msgspec.json.encode(body)
    response = await post(api, raw, signed(raw))
    assert response.status_code == 200, response.text
    return response.json()


async def stored(api: Api, phone: str) -> list[Message]:
    """Every message of the member's WhatsApp conversation, oldest first."""
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
    return sorted(page.items, key=lambda message: (message.created_at, message.id))


async def test_an_edit_before_the_answer_is_answered_in_its_new_words_only(api: Api) -> None:
    await deliver(api, together(image_with_caption("Original image caption"), edit()))

    (image, _) = await stored(api, EDITOR)
    assert (image.content, image.original_text) == (
        "Updated image caption",
        "Original image caption",
    )
    assert image.edited_at is not None
    assert api.system.channel.texts_to(EDITOR) == ["echo: Updated image caption (history 0)"]


async def test_an_edit_after_the_answer_that_fixes_a_typo_is_not_answered_again(api: Api) -> None:
    await deliver(api, image_with_caption("Updated imgae caption"))
    await deliver(api, edit())

    (image, _) = await stored(api, EDITOR)
    assert (image.content, image.original_text) == (
        "Updated image caption",
        "Updated imgae caption",
    )
    assert api.system.channel.texts_to(EDITOR) == ["echo: Updated imgae caption (history 0)"]


async def test_an_edit_that_asks_something_else_is_answered_as_a_new_turn_once(api: Api) -> None:
    await deliver(api, image_with_caption("Is this invoice paid?"))
    for _ in range(2):  # Meta delivers it again: it is taken in once
        await deliver(api, edit())

    assert api.system.channel.texts_to(EDITOR) == [
        "echo: Is this invoice paid? (history 0)",
        "echo: Updated image caption (history 2)",
    ]
    (image, first, second) = await stored(api, EDITOR)
    assert (image.content, image.original_text) == (
        "Updated image caption",
        "Is this invoice paid?",
    )
    assert (first.reply_to_id, second.reply_to_id) == (image.id, image.id)


async def test_a_deleted_message_leaves_the_assistant_s_context_and_is_not_answered(
    api: Api,
) -> None:
    await deliver(api, text_delivery("My password is hunter2", message_id="wamid.secret"))
    await deliver(api, revoke("wamid.secret"))
    await deliver(api, text_delivery("What can you do?", message_id="wamid.next"))

    texts = api.system.channel.texts_to(MEMBER)
    assert UNSUPPORTED_REPLY not in texts
    assert texts == [
        "echo: My password is hunter2 (history 0)",
        # The deleted message and the answer to it are gone from what the assistant reads.
        "echo: What can you do? (history 0)",
    ]
    last_turn = api.system.assistant.turns[-1]
    assert all("hunter2" not in readable_text(message) for message in last_turn.history)
    secret = (await stored(api, MEMBER))[0]
    assert secret.revoked_at is not None


async def test_a_message_deleted_before_its_answer_is_never_answered(api: Api) -> None:
    body = together(
        msgspec.json.decode(text_delivery("Oops, wrong chat", message_id="wamid.oops")),
        revoke("wamid.oops"),
    )
    await deliver(api, body)

    # The job answering it may have asked the assistant before the deletion was stored; what
    # it was told is not kept, nor sent.
    assert api.system.channel.texts_to(MEMBER) == []
    (oops,) = await stored(api, MEMBER)
    assert oops.is_revoked


async def test_a_deleted_message_shows_as_deleted_to_everyone_without_its_words(
    api: Api,
) -> None:
    api.system.assistant.reply_text = "Noted."
    await deliver(api, text_delivery("My password is hunter2", message_id="wamid.secret"))
    await deliver(api, revoke("wamid.secret"))
    member = await api.headers_for(MEMBER)
    admin = await api.admin_headers()

    (chat,) = (await api.client.get("/conversations", headers=member)).json()["items"]
    mine = await api.client.get(f"/conversations/{chat['id']}/messages", headers=member)
    team = await api.client.get(f"/workspaces/default/inbox/{chat['id']}/messages", headers=admin)
    inbox = await api.client.get("/workspaces/default/inbox", headers=admin)
    overseen = await api.client.get(f"/admin/conversations/{chat['id']}", headers=admin)
    audit = await api.client.get("/admin/audit-log", params={"order": "asc"}, headers=admin)

    pages = [mine.json()["items"], team.json()["items"], overseen.json()["messages"]["items"]]
    for response in (mine, team, inbox, overseen, audit):
        assert response.status_code == 200, response.text
        assert "hunter2" not in response.text
    for items in pages:
        deleted = next(item for item in items if item["deleted"])
        assert (deleted["content"], deleted["transcript"], deleted["fileId"]) == ("", None, None)
        assert deleted["deletedAt"] is not None and deleted["edited"] is False
        # The answer the member got stays, as it does on their phone.
        assert [item["content"] for item in items if not item["isFromUser"]] == ["Noted."]
    (revoked,) = [e for e in audit.json()["items"] if e["action"] == "message.revoke"]
    assert revoked["targetId"] == next(item["id"] for item in pages[0] if item["deleted"])


async def test_an_edited_message_shows_its_new_words_and_the_team_sees_the_first(
    api: Api,
) -> None:
    await deliver(api, image_with_caption("Updated imgae caption"))
    await deliver(api, edit())
    admin = await api.admin_headers()
    (line,) = (await api.client.get("/workspaces/default/inbox", headers=admin)).json()["items"]

    team = await api.client.get(
        f"/workspaces/default/inbox/{line['id']}/messages", headers=admin, params={"order": "asc"}
    )

    image = team.json()["items"][0]
    assert (image["content"], image["edited"], image["originalText"]) == (
        "Updated image caption",
        True,
        "Updated imgae caption",
    )
    assert image["editedAt"] is not None and image["deleted"] is False


async def test_an_edit_or_deletion_of_someone_else_s_message_changes_nothing(api: Api) -> None:
    await deliver(api, text_delivery("Hola", message_id="wamid.lucia"))
    # Another person names Lucía's message: ignored, never answered.
    await deliver(api, revoke("wamid.lucia", sender="+34699999999"))
    await deliver(api, revoke("wamid.nobody-has-it", revoke_id="wamid.revoke.2"))

    (hola, _) = await stored(api, MEMBER)
    assert not hola.is_revoked
    assert api.system.channel.texts_to(MEMBER) == ["echo: Hola (history 0)"]
    assert api.system.channel.texts_to("+34699999999") == []


async def test_open_inboxes_and_chats_are_told_of_an_edit_and_a_deletion(api: Api) -> None:
    await deliver(api, image_with_caption("Is this invoice paid?"))
    await deliver(api, edit())
    await deliver(api, revoke(EDITED_ID, sender=EDITOR, revoke_id="wamid.revoke.9"))
    await deliver(api, revoke(EDITED_ID, sender=EDITOR, revoke_id="wamid.revoke.9"))

    async with api.system.container.uow()(read_only=True) as uow:
        events = await uow.events.after(None, 0, 100)
    image = (await stored(api, EDITOR))[0]
    changed = [(e.kind, e.data) for e in events if e.kind is EventKind.MESSAGE_CHANGED]
    assert changed == [
        (
            EventKind.MESSAGE_CHANGED,
            {"conversationId": str(image.conversation_id), "messageId": str(image.id), "change": c},
        )
        for c in ("edited", "deleted")
    ]
