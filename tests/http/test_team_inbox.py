"""The team inbox over HTTP: a member on WhatsApp (signed webhooks in, the real Cloud adapter
out to a local fake of the Graph API), an agent in the inbox taking over, replying and handing
back; the member on the web; who may do what."""

from __future__ import annotations

from collections.abc import AsyncIterator
from uuid import uuid4

import httpx
import pytest

from ignacio.application.ports import SummaryDraft, SummarySource
from ignacio.domain import UpstreamUnavailable
from tests.http.desk import ADMIN, AGENT, INBOX, MEMBER, Desk, log_in, open_desk
from tests.support.fake_graph import delivery_status, post_signed
from tests.support.fakes import RecordingQueue
from tests.support.samples import pdf, png


@pytest.fixture(params=["memory", "sqlite", "postgres"])
async def desk(request: pytest.FixtureRequest) -> AsyncIterator[Desk]:
    async with open_desk(request) as opened:
        yield opened


async def test_an_agent_takes_over_replies_by_hand_and_hands_back(desk: Desk) -> None:
    await desk.member_writes("Hola")
    assert desk.graph.texts_to(MEMBER) == ["echo: Hola (history 0)"]
    line = await desk.only_conversation()
    assert (line["state"], line["unread"], line["member"]["phoneNumber"]) == (
        "assistant",
        1,
        MEMBER,
    )
    assert line["lastMessage"]["author"] == "assistant"
    conversation = line["id"]

    taken = await desk.post(f"{conversation}/take")
    assert taken.status_code == 200, taken.text
    assert taken.json()["conversation"]["state"] == "human"
    assert taken.json()["conversation"]["assignee"]["name"] == "Agent 2"

    # The assistant stays silent while a person has the conversation.
    await desk.member_writes("Can a person help me?")
    assert desk.graph.texts_to(MEMBER) == ["echo: Hola (history 0)"]
    assert (await desk.only_conversation())["unread"] == 2

    reply = await desk.post(f"{conversation}/replies", content="Hi, I'm Agent 2. How can I help?")
    assert reply.status_code == 201, reply.text
    assert reply.json()["author"] == "staff"
    assert reply.json()["sentBy"]["name"] == "Agent 2"
    await desk.system.settle()
    assert desk.graph.texts_to(MEMBER)[-1] == "Hi, I'm Agent 2. How can I help?"
    sent = desk.graph.messages[-1].id
    await post_signed(desk.client, delivery_status(sent, "delivered", MEMBER))
    await desk.system.settle()

    messages = (
        await desk.client.get(f"{INBOX}/{conversation}/messages", headers=desk.other_agent)
    ).json()["items"]
    assert [(m["author"], m["deliveryStatus"]) for m in messages][:2] == [
        ("staff", "delivered"),
        ("member", "received"),
    ]

    back = await desk.post(f"{conversation}/hand-back")
    assert back.status_code == 200, back.text
    assert back.json()["conversation"]["state"] == "assistant"
    await desk.member_writes("Thanks!")
    assert desk.graph.texts_to(MEMBER)[-1].startswith("echo: Thanks!")

    thread = (await desk.client.get(f"{INBOX}/{conversation}", headers=desk.admin)).json()
    assert [(c["transition"], c["toState"]) for c in thread["changes"]] == [
        ("take", "human"),
        ("hand_back", "assistant"),
    ]
    assert thread["changes"][0]["actorPerson"]["name"] == "Agent 2"
    audit = (await desk.client.get("/admin/audit-log", headers=desk.admin)).json()["items"]
    actions = {entry["action"] for entry in audit}
    assert {"conversation.take", "conversation.reply", "conversation.hand_back"} <= actions


async def test_asking_for_a_person_waits_for_the_team_and_tells_the_member_once(
    desk: Desk,
) -> None:
    await desk.member_writes("/human")
    await desk.member_writes("/human")
    await desk.member_writes("Is anyone there?")
    notices = desk.graph.texts_to(MEMBER)
    assert len(notices) == 1 and "team of" in notices[0]
    waiting = await desk.inbox(state="waiting")
    assert [line["state"] for line in waiting] == ["waiting"]
    assert await desk.inbox(state="assistant") == []
    assert await desk.inbox(mine="true") == []
    await desk.post(f"{waiting[0]['id']}/take")
    assert [line["id"] for line in await desk.inbox(mine="true")] == [waiting[0]["id"]]
    assert await desk.inbox(desk.other_agent, mine="true") == []


async def test_outside_the_24_hour_window_free_text_is_refused_before_sending(desk: Desk) -> None:
    await desk.member_writes("Hola")
    conversation = (await desk.only_conversation())["id"]
    desk.system.clock.advance(hours=24, seconds=1)
    desk.agent = await log_in(desk.client, desk.system, desk.graph, AGENT)
    reply = await desk.post(f"{conversation}/replies", content="Still there?")
    assert reply.status_code == 409, reply.text
    assert "24 hours" in reply.json()["message"] and "131047" in reply.json()["message"]
    await desk.system.settle()
    assert desk.graph.texts_to(MEMBER) == ["echo: Hola (history 0)"]
    messages = (
        await desk.client.get(f"{INBOX}/{conversation}/messages", headers=desk.agent)
    ).json()
    assert [m["author"] for m in messages["items"]] == ["assistant", "member"]


async def test_read_and_unread_are_per_person(desk: Desk) -> None:
    await desk.member_writes("Hola")
    conversation = (await desk.only_conversation())["id"]
    assert (
        await desk.client.post(f"{INBOX}/{conversation}/read", headers=desk.agent)
    ).status_code == 204
    assert (await desk.only_conversation())["unread"] == 0
    assert (await desk.inbox(desk.other_agent))[0]["unread"] == 1
    assert await desk.inbox(unread="true") == []
    unread = await desk.client.delete(f"{INBOX}/{conversation}/read", headers=desk.agent)
    assert unread.status_code == 204
    assert (await desk.only_conversation())["unread"] == 1


async def test_only_the_team_reaches_the_inbox_and_only_teammates_are_assigned(
    desk: Desk,
) -> None:
    await desk.member_writes("Hola")
    conversation = (await desk.only_conversation())["id"]
    member = await log_in(desk.client, desk.system, desk.graph, MEMBER)

    assert (await desk.client.get(INBOX, headers=member)).status_code == 403
    assert (await desk.post(f"{conversation}/take", member)).status_code == 403
    member_id = (await desk.only_conversation())["member"]["id"]
    assign = await desk.post(f"{conversation}/take", assigneeId=member_id)
    assert assign.status_code == 400, assign.text
    missing = await desk.post("00000000-0000-0000-0000-000000000000/take")
    assert missing.status_code == 404


async def test_an_agent_who_leaves_the_team_gives_their_conversations_back_to_the_line(
    desk: Desk,
) -> None:
    await desk.member_writes("Hola")
    conversation = (await desk.only_conversation())["id"]
    await desk.post(f"{conversation}/take")
    agent_id = (await desk.only_conversation())["assignee"]["id"]
    removed = await desk.client.delete(
        f"/workspaces/default/members/{agent_id}", headers=desk.admin
    )
    assert removed.status_code == 204, removed.text
    line = (await desk.inbox(desk.other_agent))[0]
    assert (line["state"], line["assignee"]) == ("waiting", None)


async def test_closing_a_conversation_and_the_member_writing_again_opens_it_for_the_assistant(
    desk: Desk,
) -> None:
    await desk.member_writes("Hola")
    conversation = (await desk.only_conversation())["id"]
    closed = await desk.post(f"{conversation}/close")
    assert closed.json()["conversation"]["state"] == "closed"
    await desk.member_writes("One more thing")
    assert desk.graph.texts_to(MEMBER)[-1].startswith("echo: One more thing")
    thread = (await desk.client.get(f"{INBOX}/{conversation}", headers=desk.agent)).json()
    assert [c["transition"] for c in thread["changes"]] == ["close", "reopen"]
    assert thread["conversation"]["state"] == "assistant"


async def test_a_member_on_the_web_sees_who_answers_and_asks_for_a_person(desk: Desk) -> None:
    member = await log_in(desk.client, desk.system, desk.graph, MEMBER)
    chat = (await desk.client.post("/conversations", json={}, headers=member)).json()["id"]
    mine = f"/conversations/{chat}"
    view = (await desk.client.get(mine, headers=member)).json()
    assert (view["state"], view["answeredBy"]) == ("assistant", None)

    asked = await desk.client.post(f"{mine}/handoff", headers=member)
    assert asked.status_code == 200, asked.text
    assert asked.json()["conversation"]["state"] == "waiting"
    assert "team of" in asked.json()["notice"]["content"]
    again = (await desk.client.post(f"{mine}/handoff", headers=member)).json()
    assert again["notice"] is None

    await desk.post(f"{chat}/take")
    view = (await desk.client.get(mine, headers=member)).json()
    assert (view["state"], view["answeredBy"]) == ("human", "Agent 2")
    turn = await desk.client.post(f"{mine}/messages", json={"content": "Hello?"}, headers=member)
    assert turn.status_code == 201 and turn.json()["reply"] is None

    reply = await desk.post(f"{chat}/replies", content="Hi! Agent 2 here.")
    assert reply.status_code == 201 and reply.json()["deliveryStatus"] == "delivered"
    messages = (await desk.client.get(f"{mine}/messages", headers=member)).json()["items"]
    assert [(m["author"], m["content"]) for m in messages][:2] == [
        ("staff", "Hi! Agent 2 here."),
        ("member", "Hello?"),
    ]
    # Someone else's conversation looks like none at all.
    assert (await desk.client.get(mine, headers=desk.agent)).status_code == 404
    assert (await desk.client.post(f"{mine}/handoff", headers=desk.agent)).status_code == 404


async def test_outside_the_window_the_team_sends_the_workspaces_approved_template(
    desk: Desk,
) -> None:
    await desk.member_writes("Hola")
    conversation = (await desk.only_conversation())["id"]
    desk.system.clock.advance(hours=30)
    desk.agent = await log_in(desk.client, desk.system, desk.graph, AGENT)
    desk.admin = await log_in(desk.client, desk.system, desk.graph, ADMIN)

    none_yet = await desk.post(f"{conversation}/template", parameters=["Lucía"])
    assert none_yet.status_code == 409 and "no approved template" in none_yet.json()["message"]
    agent_cannot = await desk.client.patch(
        "/workspaces/default",
        json={"replyTemplate": {"name": "follow_up", "language": "es"}},
        headers=desk.agent,
    )
    assert agent_cannot.status_code == 403
    template = {"name": "follow_up", "language": "es", "variables": ["first name", "topic"]}
    configured = await desk.client.patch(
        "/workspaces/default", json={"replyTemplate": template}, headers=desk.admin
    )
    assert configured.status_code == 200, configured.text
    assert configured.json()["replyTemplate"] == template
    desk.graph.register_template("follow_up", language="es", authentication=False)

    wrong = await desk.post(f"{conversation}/template", parameters=["Lucía"])
    assert wrong.status_code == 400 and "takes 2 values" in wrong.json()["message"]
    sent = await desk.post(f"{conversation}/template", parameters=["Lucía", "your visa"])
    assert sent.status_code == 201, sent.text
    assert sent.json()["content"] == "[template follow_up] Lucía · your visa"
    await desk.system.settle()
    record = desk.graph.messages[-1]
    assert (record.type, record.template, record.language, record.parameters) == (
        "template",
        "follow_up",
        "es",
        ("Lucía", "your visa"),
    )
    line = await desk.only_conversation()
    assert (line["state"], line["lastMessage"]["deliveryStatus"]) == ("human", "sent")
    # Free text is still refused: the template does not reopen the window; the member does.
    assert (await desk.post(f"{conversation}/replies", content="Hi")).status_code == 409

    await desk.client.patch("/workspaces/default", json={"replyTemplate": None}, headers=desk.admin)
    assert (await desk.client.get("/workspaces/default", headers=desk.admin)).json()[
        "replyTemplate"
    ] is None


async def test_a_reply_that_fails_says_meta_s_code_and_what_it_means(desk: Desk) -> None:
    await desk.member_writes("Hola")
    conversation = (await desk.only_conversation())["id"]
    desk.graph.always_fail_for(MEMBER, code=131026)

    reply = await desk.post(f"{conversation}/replies", content="Are you there?")
    await desk.system.settle()

    messages = (
        await desk.client.get(f"{INBOX}/{conversation}/messages", headers=desk.agent)
    ).json()["items"]
    failed = next(m for m in messages if m["id"] == reply.json()["id"])
    assert failed["deliveryStatus"] == "failed"
    assert failed["failure"]["code"] == 131026
    assert failed["failure"]["providerReason"]
    assert "cannot receive" in failed["failure"]["explanation"]
    assert all(m["failure"] is None for m in messages if m["id"] != failed["id"])


async def test_a_handoff_leaves_a_summary_in_the_thread_and_the_team_asks_for_a_new_one(
    desk: Desk,
) -> None:
    await desk.member_writes("Hola. ¿Puedo cambiar mi cita del martes al jueves?")
    conversation = (await desk.only_conversation())["id"]
    assert (await desk.client.get(INBOX + f"/{conversation}", headers=desk.agent)).json()[
        "summary"
    ] is None
    assert (
        await desk.client.get(f"{INBOX}/{conversation}/summary", headers=desk.agent)
    ).status_code == 404

    await desk.member_writes("/human")

    thread = (await desk.client.get(f"{INBOX}/{conversation}", headers=desk.agent)).json()
    made = thread["summary"]
    assert (made["automatic"], made["requestedBy"], made["stale"]) == (True, None, False)
    assert (made["model"], made["inputTokens"], made["outputTokens"]) == ("offline", 0, 0)
    assert made["text"].startswith("Extractive summary")
    assert "¿Puedo cambiar mi cita del martes al jueves?" in made["text"]
    latest = await desk.client.get(f"{INBOX}/{conversation}/summary", headers=desk.other_agent)
    assert latest.status_code == 200 and latest.json() == made

    # The member writes on: the summary is stale until someone asks for a new one.
    await desk.member_writes("¿Hay alguien?")
    stale = (await desk.client.get(f"{INBOX}/{conversation}/summary", headers=desk.agent)).json()
    assert (stale["id"], stale["stale"]) == (made["id"], True)
    asked = await desk.post(f"{conversation}/summary")
    assert asked.status_code == 201, asked.text
    fresh = asked.json()
    assert (fresh["automatic"], fresh["stale"]) == (False, False)
    assert fresh["requestedBy"]["name"] == "Agent 2"
    assert "“¿Hay alguien?”" in fresh["text"] and fresh["createdAt"]
    assert fresh["messagesRead"] == made["messagesRead"] + 1
    thread = (await desk.client.get(f"{INBOX}/{conversation}", headers=desk.admin)).json()
    assert thread["summary"] == fresh
    audit = (await desk.client.get("/admin/audit-log", headers=desk.admin)).json()["items"]
    assert [entry["action"] for entry in audit].count("conversation.summarize") == 1


async def test_only_the_workspace_s_team_asks_for_or_reads_a_summary(desk: Desk) -> None:
    await desk.member_writes("Hola")
    conversation = (await desk.only_conversation())["id"]
    member = await log_in(desk.client, desk.system, desk.graph, MEMBER)

    for method in ("POST", "GET"):
        path = f"{INBOX}/{conversation}/summary"
        refused = await desk.client.request(method, path, headers=member)
        assert refused.status_code == 403, refused.text
        missing = await desk.client.request(
            method, f"{INBOX}/00000000-0000-0000-0000-000000000000/summary", headers=desk.agent
        )
        assert missing.status_code == 404
    # Another workspace: its inbox is not the agent's, and this conversation is not in it.
    other = await desk.client.post("/workspaces", json={"name": "Clínica Sol"}, headers=desk.admin)
    assert other.status_code == 201, other.text
    elsewhere = f"/workspaces/{other.json()['slug']}/inbox/{conversation}/summary"
    assert (await desk.client.post(elsewhere, headers=desk.agent)).status_code == 404
    assert (await desk.client.post(elsewhere, headers=desk.admin)).status_code == 404
    assert (
        await desk.client.get(f"{INBOX}/{conversation}/summary", headers=desk.agent)
    ).status_code == 404


async def test_the_model_down_is_a_503_and_nothing_is_kept(desk: Desk) -> None:
    await desk.member_writes("Hola")
    conversation = (await desk.only_conversation())["id"]
    desk.system.container.summarizer.override(DownSummarizer())

    refused = await desk.post(f"{conversation}/summary")

    assert refused.status_code == 503, refused.text
    assert "HTTP 500" in refused.json()["message"]
    assert (
        await desk.client.get(f"{INBOX}/{conversation}/summary", headers=desk.agent)
    ).status_code == 404
    assert (await desk.client.get(f"{INBOX}/{conversation}", headers=desk.agent)).json()[
        "summary"
    ] is None
    audit = (await desk.client.get("/admin/audit-log", headers=desk.admin)).json()["items"]
    assert "conversation.summarize" not in [entry["action"] for entry in audit]


class DownSummarizer:
    async def summarize(self, source: SummarySource) -> SummaryDraft:
        raise UpstreamUnavailable("The model server failed while summarising (HTTP 500).")


async def send_file(
    desk: Desk,
    conversation: str,
    *,
    file: tuple[str, bytes] | None = None,
    document: str | None = None,
    caption: str | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """An upload (multipart, as the web app's FormData) or a knowledge document (JSON)."""
    desk.system.clock.advance(seconds=1)
    if document is not None:
        return await desk.client.post(
            f"{INBOX}/{conversation}/documents",
            json={"documentId": document, "caption": caption},
            headers=headers or desk.agent,
        )
    parts: list[tuple[str, tuple[str | None, bytes | str] | tuple[str, bytes, str]]] = []
    if file is not None:
        parts.append(("file", (file[0], file[1], "application/octet-stream")))
    if caption is not None:
        parts.append(("caption", (None, caption)))
    return await desk.client.post(
        f"{INBOX}/{conversation}/files",
        files=parts or [("caption", (None, ""))],
        headers=headers or desk.agent,
    )


async def test_an_agent_sends_a_photo_and_a_knowledge_document_on_whatsapp(desk: Desk) -> None:
    await desk.member_writes("Can you send me the map and the price list?")
    conversation = (await desk.only_conversation())["id"]
    picture = png(8, 8)

    photo = await send_file(desk, conversation, file=("map.png", picture), caption="Our map")
    assert photo.status_code == 201, photo.text
    assert (photo.json()["messageType"], photo.json()["content"]) == ("image", "Our map")
    assert photo.json()["sentBy"]["name"] == "Agent 2" and photo.json()["fileId"]
    document = await desk.client.post(
        "/workspaces/default/knowledge",
        files={"file": ("Prices.pdf", pdf("Consultation: 40 EUR"), "application/octet-stream")},
        headers=desk.admin,
    )
    assert document.status_code == 201, document.text
    prices = await send_file(desk, conversation, document=document.json()["id"])
    assert prices.status_code == 201, prices.text
    assert (prices.json()["messageType"], prices.json()["content"]) == ("document", "Prices.pdf")
    await desk.system.settle()

    # Uploaded to Meta first, then sent by media id: the photo as an image with its caption,
    # the PDF as a document with its name and no caption repeating it.
    sent = [m for m in desk.graph.messages if m.type in ("image", "document")]
    assert [(m.type, m.to) for m in sent] == [("image", MEMBER[1:]), ("document", MEMBER[1:])]
    assert sent[0].payload["image"]["caption"] == "Our map"
    assert desk.graph.uploaded(sent[0].payload["image"]["id"]) == (picture, "image/png")
    assert sent[1].payload["document"]["filename"] == "Prices.pdf"
    assert "caption" not in sent[1].payload["document"]
    assert desk.graph.uploaded(sent[1].payload["document"]["id"])[1] == "application/pdf"
    messages = (
        await desk.client.get(f"{INBOX}/{conversation}/messages", headers=desk.agent)
    ).json()["items"]
    assert [(m["messageType"], m["deliveryStatus"]) for m in messages[:2]] == [
        ("document", "sent"),
        ("image", "sent"),
    ]

    # The files join the member's library; the team reads them in the thread, the member too.
    for headers in (desk.agent, desk.other_agent, desk.admin):
        download = await desk.client.get(
            f"/files/{photo.json()['fileId']}/download", headers=headers
        )
        assert download.status_code == 200 and download.content == picture
    member = await log_in(desk.client, desk.system, desk.graph, MEMBER)
    files = (await desk.client.get("/files", headers=member)).json()["items"]
    assert sorted((f["fileName"], f["source"]) for f in files) == [
        ("Prices.pdf", "team"),
        ("map.png", "team"),
    ]
    audit = (await desk.client.get("/admin/audit-log", headers=desk.admin)).json()["items"]
    assert [e["action"] for e in audit].count("conversation.file") == 2


async def test_a_file_is_refused_outside_the_window_and_when_it_is_not_one(desk: Desk) -> None:
    await desk.member_writes("Hola")
    conversation = (await desk.only_conversation())["id"]

    neither = await send_file(desk, conversation, caption="Nothing attached")
    empty = await send_file(desk, conversation)
    assert (neither.status_code, empty.status_code) == (400, 400)
    unknown = await send_file(desk, conversation, document=str(uuid4()))
    assert unknown.status_code == 404 and "knowledge base" in unknown.json()["message"]
    strange = await send_file(desk, conversation, file=("x.bin", b"\x00\x01\x02 not a file"))
    assert strange.status_code == 415, strange.text
    long_caption = await send_file(desk, conversation, file=("a.png", png()), caption="x" * 1025)
    assert long_caption.status_code == 400 and "1024" in long_caption.json()["message"]
    member = await log_in(desk.client, desk.system, desk.graph, MEMBER)
    not_team = await send_file(desk, conversation, file=("a.png", png()), headers=member)
    assert not_team.status_code == 403

    desk.system.clock.advance(hours=24, seconds=1)
    desk.agent = await log_in(desk.client, desk.system, desk.graph, AGENT)
    late = await send_file(desk, conversation, file=("a.png", png()))
    assert late.status_code == 409 and "131047" in late.json()["message"]
    await desk.system.settle()
    assert [m.type for m in desk.graph.messages if m.type != "template"] == ["text"]
    assert desk.graph.uploads == []
    member = await log_in(desk.client, desk.system, desk.graph, MEMBER)
    assert (await desk.client.get("/files", headers=member)).json()["items"] == []


async def test_a_member_on_the_web_gets_the_teams_file_in_their_chat(desk: Desk) -> None:
    member = await log_in(desk.client, desk.system, desk.graph, MEMBER)
    chat = (await desk.client.post("/conversations", json={}, headers=member)).json()
    await desk.client.post(
        f"/conversations/{chat['id']}/messages",
        json={"content": "Send me the form"},
        headers=member,
    )
    sent = await send_file(desk, chat["id"], file=("form.pdf", pdf("Name:")), caption="Here")
    assert sent.status_code == 201, sent.text
    assert sent.json()["deliveryStatus"] == "delivered"
    messages = (
        await desk.client.get(f"/conversations/{chat['id']}/messages", headers=member)
    ).json()["items"]
    mine = next(m for m in messages if m["author"] == "staff")
    # The member sees who of the team wrote: their name alone.
    assert (mine["sentByName"], mine["content"]) == ("Agent 2", "Here")
    download = await desk.client.get(f"/files/{mine['fileId']}/download", headers=member)
    assert download.status_code == 200 and download.content.startswith(b"%PDF")
    assert desk.graph.uploads == []


async def test_a_file_deleted_before_it_goes_out_fails_visibly_instead_of_vanishing(
    desk: Desk,
) -> None:
    await desk.member_writes("Hola")
    conversation = (await desk.only_conversation())["id"]
    member = await log_in(desk.client, desk.system, desk.graph, MEMBER)
    # The send waits in the queue (as it may behind a busy worker) while the member deletes it.
    waiting = RecordingQueue()
    desk.system.container.job_queue.override(waiting)
    sent = await send_file(desk, conversation, file=("form.pdf", pdf("Name:")))
    assert sent.status_code == 201, sent.text
    deleted = await desk.client.delete(f"/files/{sent.json()['fileId']}", headers=member)
    assert deleted.status_code == 204, deleted.text
    desk.system.container.job_queue.reset_override()
    for message_id, _ in waiting.queued:
        await desk.system.container.job_queue().enqueue_processing(message_id)
    await desk.system.settle()

    assert desk.graph.uploads == []
    assert [m.type for m in desk.graph.messages if m.type != "template"] == ["text"]
    thread = (await desk.client.get(f"{INBOX}/{conversation}/messages", headers=desk.agent)).json()[
        "items"
    ]
    assert thread[0]["deliveryStatus"] == "failed"
    assert "deleted before it could be sent" in thread[0]["failure"]["explanation"]
