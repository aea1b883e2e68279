"""Commands through the real webhook: signed Meta deliveries in, the Cloud API adapter out to
the fake Graph API, the team's inbox over HTTP, on SQLite."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.http.desk import INBOX, MEMBER, Desk, open_desk


@pytest.fixture(params=["sqlite"])
async def desk(request: pytest.FixtureRequest) -> AsyncIterator[Desk]:
    async with open_desk(request, RATE_LIMIT_MESSAGES="100") as opened:
        yield opened


async def test_commands_are_answered_by_ignacio_seen_by_the_team_and_never_by_the_model(
    desk: Desk,
) -> None:
    await desk.member_writes("Hola, necesito ayuda con el presupuesto")
    await desk.member_writes("/help")
    await desk.member_writes("/new Presupuesto 2027")
    await desk.member_writes("¿Cuánto queda?")

    sent = desk.graph.texts_to(MEMBER)
    assert len(sent) == 4
    assert sent[1].startswith("Soy Ignacio, el asistente de Action Lab.")
    assert "/switch N - ir a la conversación N de la lista" in sent[1]
    assert sent[2] == "Conversación nueva: «Presupuesto 2027». Lo que escribas ahora va ahí."
    assert sent[3] == "echo: ¿Cuánto queda? (history 0)"
    seen = [
        text
        for turn in desk.system.assistant.turns
        for text in [turn.message.content, *(m.content for m in turn.history)]
    ]
    assert not any(text.startswith(("/", "Soy Ignacio", "Conversación nueva")) for text in seen)

    lines = await desk.inbox()
    assert [line["title"] for line in lines] == ["Presupuesto 2027", "WhatsApp"]
    first = lines[1]["id"]
    response = await desk.client.get(f"{INBOX}/{first}/messages", headers=desk.agent)
    assert response.status_code == 200, response.text
    thread = [(m["author"], m["content"].split("\n")[0]) for m in response.json()["items"]]
    assert thread[:4] == [
        ("assistant", "Conversación nueva: «Presupuesto 2027». Lo que escribas ahora va ahí."),
        ("member", "/new Presupuesto 2027"),
        (
            "assistant",
            "Soy Ignacio, el asistente de Action Lab. Pregúntame lo que quieras: "
            "respondo con los documentos de Action Lab y con los archivos que me envías "
            "(documentos, fotos, notas de voz).",
        ),
        ("member", "/help"),
    ]


async def test_status_names_the_agent_who_took_the_conversation_and_switch_moves_back(
    desk: Desk,
) -> None:
    await desk.member_writes("Hello, I need help with my trip")
    await desk.member_writes("/new Budget")
    await desk.member_writes("What about the budget?")
    lines = await desk.inbox()
    budget = next(line["id"] for line in lines if line["title"] == "Budget")
    taken = await desk.post(f"{budget}/take")
    assert taken.status_code == 200, taken.text

    await desk.member_writes("/status")
    status = desk.graph.texts_to(MEMBER)[-1]
    assert status.splitlines() == [
        "Workspace: Action Lab",
        "Conversation: “Budget”",
        "Answering: Agent 2, of the team",
        "Your files: 0",
    ]
    await desk.member_writes("/list")
    assert desk.graph.texts_to(MEMBER)[-1].splitlines()[1:3] == [
        f"1. Budget ({status_date(desk)}) (current)",
        f"2. WhatsApp ({status_date(desk)})",
    ]
    await desk.member_writes("/switch 2")
    assert desk.graph.texts_to(MEMBER)[-1] == "Now in “WhatsApp”. What you write now goes there."
    turns = len(desk.system.assistant.turns)
    await desk.member_writes("And my trip?")
    assert desk.graph.texts_to(MEMBER)[-1].startswith("echo: And my trip?")
    assert len(desk.system.assistant.turns) == turns + 1


def status_date(desk: Desk) -> str:
    return desk.system.clock.now().strftime("%Y-%m-%d")
