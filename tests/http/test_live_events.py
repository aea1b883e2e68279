"""Live updates over HTTP: the team's stream of a workspace and a person's stream of their own
conversations, read as Server-Sent Events while a member writes on WhatsApp (signed webhooks,
the real Cloud adapter to a fake Graph API) and the team works the inbox."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.http.desk import INBOX, MEMBER, Desk, log_in, open_desk
from tests.support.fake_graph import delivery_status, post_signed
from tests.support.streaming import Sse, SseReader, events

TEAM = "/workspaces/default/events"
MINE = "/conversations/events"
OTHER_MEMBER = "+34612345699"


@pytest.fixture(params=["memory", "sqlite", "postgres"])
async def desk(request: pytest.FixtureRequest) -> AsyncIterator[Desk]:
    async with open_desk(request, streaming=True) as opened:
        yield opened


async def ready(reader: SseReader) -> int:
    """The stream's first event, `ready`: the cursor it starts from."""
    first = await reader.next()
    assert first.event == "ready", first
    assert first.id is not None
    return first.id


def kinds(received: list[Sse]) -> list[tuple[str, Any]]:
    """What each event says, without ids (which depend on everything stored before)."""
    described: list[tuple[str, Any]] = []
    for event in received:
        data = event.data
        detail = data.get("author") or data.get("status") or data.get("state")
        described.append((event.event, detail))
    return described


async def conversation_of(desk: Desk) -> str:
    return str((await desk.only_conversation())["id"])


async def test_the_team_sees_the_member_write_the_answer_go_out_and_who_answers(
    desk: Desk,
) -> None:
    async with events(desk.client, TEAM, desk.agent) as stream:
        start = await ready(stream)
        await desk.member_writes("Hola")
        received = [await stream.next() for _ in range(3)]
        conversation = await conversation_of(desk)
        assert kinds(received) == [
            ("message", "member"),
            ("message", "assistant"),
            ("delivery", "sent"),
        ]
        assert {event.data["conversationId"] for event in received} == {conversation}
        ids = [event.id or 0 for event in received]
        assert ids == sorted(ids) and all(i > start for i in ids)
        answer = received[1].data["messageId"]
        assert received[2].data["messageId"] == answer
        # Ids and states, never what was written or who wrote from which number.
        assert all(
            set(event.data) <= {"conversationId", "messageId", "author", "status"}
            for event in received
        )

        await post_signed(
            desk.client, delivery_status(desk.graph.messages[-1].id, "delivered", MEMBER)
        )
        await desk.system.settle()
        delivered = await stream.next()
        assert (delivered.event, delivered.data) == (
            "delivery",
            {"conversationId": conversation, "messageId": answer, "status": "delivered"},
        )

        assert (await desk.post(f"{conversation}/take")).status_code == 200
        taken = await stream.next()
        agent_id = (await desk.only_conversation())["assignee"]["id"]
        assert (taken.event, taken.data) == (
            "conversation",
            {"conversationId": conversation, "state": "human", "assigneeId": agent_id},
        )
        assert (await desk.post(f"{conversation}/hand-back")).status_code == 200
        handed_back = await stream.next()
        assert handed_back.data == {
            "conversationId": conversation,
            "state": "assistant",
            "assigneeId": None,
        }


async def test_a_reply_by_hand_reaches_the_team_and_the_member_on_the_web(desk: Desk) -> None:
    await desk.member_writes("Hola")
    conversation = await conversation_of(desk)
    member = await log_in(desk.client, desk.system, desk.graph, MEMBER)
    async with (
        events(desk.client, TEAM, desk.other_agent) as team,
        events(desk.client, MINE, member) as mine,
    ):
        await ready(team)
        await ready(mine)
        reply = await desk.post(f"{conversation}/replies", content="Agent 2 here.")
        assert reply.status_code == 201, reply.text
        await desk.system.settle()
        seen = {}
        for name, stream in (("team", team), ("member", mine)):
            received = [await stream.next() for _ in range(3)]
            assert kinds(received) == [
                ("conversation", "human"),
                ("message", "staff"),
                ("delivery", "sent"),
            ]
            assert received[1].data["messageId"] == reply.json()["id"]
            seen[name] = received[0].data
        # The member is never shown who of the team has it by id (their API names the person).
        assert "assigneeId" in seen["team"]
        assert "assigneeId" not in seen["member"]


async def test_a_member_s_stream_shows_only_their_own_conversations(desk: Desk) -> None:
    member = await log_in(desk.client, desk.system, desk.graph, MEMBER)
    async with events(desk.client, MINE, member) as mine:
        await ready(mine)
        await desk.member_writes("Someone else's question", phone=OTHER_MEMBER)
        await desk.member_writes("Hola")
        received = [await mine.next() for _ in range(3)]
        assert kinds(received) == [
            ("message", "member"),
            ("message", "assistant"),
            ("delivery", "sent"),
        ]
        lines = await desk.inbox()
        own = next(line["id"] for line in lines if line["member"]["phoneNumber"] == MEMBER)
        assert {event.data["conversationId"] for event in received} == {own}

        # Read markers are the team's; the assignee is named to the member, never by id.
        read = await desk.client.post(f"{INBOX}/{own}/read", headers=desk.agent)
        assert read.status_code == 204
        assert (await desk.post(f"{own}/take")).status_code == 200
        taken = await mine.next()
        assert (taken.event, taken.data) == (
            "conversation",
            {"conversationId": own, "state": "human"},
        )


async def test_a_read_marker_reaches_the_reader_s_own_streams_only(desk: Desk) -> None:
    await desk.member_writes("Hola")
    conversation = await conversation_of(desk)
    async with (
        events(desk.client, TEAM, desk.agent) as reader_tab,
        events(desk.client, TEAM, desk.other_agent) as teammate,
    ):
        await ready(reader_tab)
        await ready(teammate)
        assert (
            await desk.client.post(f"{INBOX}/{conversation}/read", headers=desk.agent)
        ).status_code == 204
        marked = await reader_tab.next()
        agent_id = (await desk.client.get("/users/me", headers=desk.agent)).json()["id"]
        assert (marked.event, marked.data["readBy"]) == ("conversation", agent_id)
        # The teammate's next event is the take that follows, not the read marker.
        assert (await desk.post(f"{conversation}/take")).status_code == 200
        assert (await teammate.next()).data.get("readBy") is None


async def test_another_workspace_s_stream_hears_nothing_of_this_one(desk: Desk) -> None:
    created = await desk.client.post(
        "/workspaces", json={"name": "Clínica Sol"}, headers=desk.admin
    )
    assert created.status_code == 201, created.text
    clinic = created.json()["slug"]
    patient = "+34622000001"
    added = await desk.client.post(
        f"/workspaces/{clinic}/members",
        json={"phoneNumber": patient, "role": "member"},
        headers=desk.admin,
    )
    assert added.status_code == 201, added.text
    theirs = await log_in(desk.client, desk.system, desk.graph, patient)
    async with events(desk.client, f"/workspaces/{clinic}/events", desk.admin) as stream:
        await ready(stream)
        await desk.member_writes("Hola")
        conversation = await conversation_of(desk)
        await desk.post(f"{conversation}/take")
        # Everything of the default workspace is stored by now; the clinic's own message is the
        # first thing its stream says.
        chat = (await desk.client.post("/conversations", json={}, headers=theirs)).json()["id"]
        sent = await desk.client.post(
            f"/conversations/{chat}/messages", json={"content": "Hello"}, headers=theirs
        )
        assert sent.status_code == 201, sent.text
        first = await stream.next()
        assert (first.event, first.data["conversationId"], first.data["author"]) == (
            "message",
            chat,
            "member",
        )


@pytest.mark.parametrize("by", ["header", "query"])
async def test_reconnecting_with_the_last_event_id_catches_up_exactly_what_was_missed(
    desk: Desk, by: str
) -> None:
    async with events(desk.client, TEAM, desk.agent) as stayed:
        await ready(stayed)
        async with events(desk.client, TEAM, desk.other_agent) as left:
            cursor = await ready(left)
        await desk.member_writes("Hola")
        conversation = await conversation_of(desk)
        await desk.post(f"{conversation}/take")
        await desk.member_writes("Are you there?")
        missed = [await stayed.next() for _ in range(5)]
        assert kinds(missed) == [
            ("message", "member"),
            ("message", "assistant"),
            ("delivery", "sent"),
            ("conversation", "human"),
            ("message", "member"),
        ]
        resume: dict[str, Any] = (
            {"headers": desk.other_agent | {"Last-Event-ID": str(cursor)}}
            if by == "header"
            else {"headers": desk.other_agent, "lastEventId": cursor}
        )
        async with events(desk.client, TEAM, **resume) as again:
            caught_up = [await again.next() for _ in range(5)]
            assert [(e.id, e.event, e.data) for e in caught_up] == [
                (e.id, e.event, e.data) for e in missed
            ]
            assert await ready(again) == missed[-1].id
            # And then live, as any stream.
            await desk.post(f"{conversation}/hand-back")
            assert (await again.next()).data["state"] == "assistant"


async def test_only_the_team_opens_the_workspace_s_stream(desk: Desk) -> None:
    member = await log_in(desk.client, desk.system, desk.graph, MEMBER)
    refused = await desk.client.get(TEAM, headers=member)
    assert refused.status_code == 403, refused.text
    assert (await desk.client.get(TEAM)).status_code == 401
    assert (
        await desk.client.get("/workspaces/nowhere/events", headers=desk.agent)
    ).status_code == 404
    bad = await desk.client.get(TEAM, headers=desk.agent | {"Last-Event-ID": "yesterday"})
    assert bad.status_code == 400


async def test_a_process_holds_a_bounded_number_of_streams(
    request: pytest.FixtureRequest,
) -> None:
    settings = {"IGNACIO_DATABASE_URL": "memory://", "IGNACIO_EVENT_STREAMS": 1}
    async with open_desk(request, streaming=True, **settings) as desk:
        async with events(desk.client, TEAM, desk.agent) as first:
            await ready(first)
            refused = await desk.client.get(TEAM, headers=desk.other_agent)
            assert refused.status_code == 503, refused.text
            assert refused.headers["Retry-After"] == "5"
        # Closed, its place is free again.
        async with events(desk.client, TEAM, desk.other_agent) as second:
            await ready(second)
        assert desk.system.container.live_feed().open_streams == 0


async def test_the_stream_ends_when_the_process_stops(desk: Desk) -> None:
    async with events(desk.client, TEAM, desk.agent) as stream:
        await ready(stream)
        desk.system.container.live_feed().stop_streams()
        ended = await stream.next()
        assert (ended.event, ended.data) == ("end", {"reason": "stopping"})
        refused = await desk.client.get(TEAM, headers=desk.agent)
        assert refused.status_code == 503


async def test_a_summary_reaches_the_team_and_never_the_member(desk: Desk) -> None:
    await desk.member_writes("Hola, ¿puedo cambiar mi cita?")
    conversation = await conversation_of(desk)
    member = await log_in(desk.client, desk.system, desk.graph, MEMBER)
    async with (
        events(desk.client, TEAM, desk.agent) as team,
        events(desk.client, MINE, member) as mine,
    ):
        await ready(team)
        await ready(mine)
        asked = await desk.post(f"{conversation}/summary")
        assert asked.status_code == 201, asked.text
        written = await team.next()
        assert (written.event, written.data) == (
            "summary",
            {"conversationId": conversation, "summaryId": asked.json()["id"]},
        )
        # The member's next event is their own next message, not the team's summary.
        await desk.member_writes("¿Hola?")
        assert (await mine.next()).event == "message"
