"""The extractive summary: what the team reads first when no model is configured, picked out of
the conversation by fixed rules and quoted, and saying that it is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import msgspec

from ignacio.adapters.offline_assistant import OFFLINE_MODEL, OfflineSummarizer
from ignacio.application.ports import SummarySource
from ignacio.domain import (
    Author,
    Channel,
    Conversation,
    MediaRef,
    Message,
    MessageType,
    PhoneNumber,
    User,
)
from ignacio.domain.handover import ASKED_FOR_A_PERSON, handoff_notice
from ignacio.domain.summaries import MAX_SUMMARY_LENGTH, check_summary_text
from ignacio.domain.workspaces import first_workspace

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
WORKSPACE = first_workspace(uuid4(), NOW)
ANA = User(
    id=uuid4(), phone=PhoneNumber.parse("+34612345678"), name="Ana", created_at=NOW, updated_at=NOW
)
CHAT = Conversation(
    id=uuid4(),
    workspace_id=WORKSPACE.id,
    user_id=ANA.id,
    channel=Channel.WHATSAPP,
    created_at=NOW,
    updated_at=NOW,
)


def said(author: Author, content: str, minute: int, **fields: Any) -> Message:
    return Message(
        id=uuid4(),
        workspace_id=WORKSPACE.id,
        conversation_id=CHAT.id,
        user_id=ANA.id,
        author=author,
        content=content,
        channel=Channel.WHATSAPP,
        created_at=NOW + timedelta(minutes=minute),
        **fields,
    )


def source(messages: list[Message], **fields: Any) -> SummarySource:
    values: dict[str, Any] = {
        "workspace": WORKSPACE,
        "member": ANA,
        "conversation": CHAT,
        "messages": messages,
    }
    return SummarySource(**(values | fields))


MEMBER, ASSISTANT, STAFF = Author.MEMBER, Author.ASSISTANT, Author.STAFF
CONVERSATION = [
    said(MEMBER, "Hola. Quiero cambiar mi cita del martes. ¿Se puede?", 0),
    said(ASSISTANT, "Claro, ¿qué día te viene bien?", 1),
    said(
        MEMBER,
        "",
        2,
        message_type=MessageType.DOCUMENT,
        media=MediaRef(provider_media_id="m1", filename="informe.pdf"),
    ),
    said(STAFF, "Hola Ana, soy Marta. Lo miro ahora.", 3, sent_by=uuid4()),
    said(MEMBER, "Gracias. ¿Puedo ir el jueves? También mandé presupuesto.xlsx ayer.", 4),
    said(MEMBER, "¿Hay que pagar algo más?", 5),
    said(MEMBER, "/human", 6),
    said(ASSISTANT, handoff_notice(WORKSPACE.name), 7),
]


async def test_an_extractive_summary_says_what_it_is_and_quotes_what_a_person_looks_for() -> None:
    draft = await OfflineSummarizer().summarize(source(CONVERSATION, reason=ASKED_FOR_A_PERSON))

    lines = draft.text.splitlines()
    assert lines[0].startswith("Extractive summary (no AI model is configured)")
    assert "Member: Ana, on WhatsApp; 8 messages from 2026-11-24 10:00 UTC to " in draft.text
    assert f"Handed to the team because: {ASKED_FOR_A_PERSON}" in lines
    assert "First request: “Hola. Quiero cambiar mi cita del martes. ¿Se puede?”" in lines
    # Asked after Marta last wrote: the question before her reply is not open any more.
    questions = lines.index("Questions the member asked since a person of the team last wrote:")
    assert lines[questions + 1 : questions + 3] == [
        "- “¿Puedo ir el jueves?”",
        "- “¿Hay que pagar algo más?”",
    ]
    assert "Files: informe.pdf, presupuesto.xlsx" in lines
    latest = lines.index("Latest messages:")
    assert lines[latest + 1 :] == [
        "- Member (2026-11-24 10:02 UTC): “[document: informe.pdf]”",
        "- Team (2026-11-24 10:03 UTC): “Hola Ana, soy Marta. Lo miro ahora.”",
        "- Member (2026-11-24 10:04 UTC): "
        "“Gracias. ¿Puedo ir el jueves? También mandé presupuesto.xlsx ayer.”",
        "- Member (2026-11-24 10:05 UTC): “¿Hay que pagar algo más?”",
    ]
    # Neither the command nor the notice of the handoff says anything about the member.
    assert "/human" not in draft.text and "take over" not in draft.text
    assert (draft.model, draft.input_tokens, draft.output_tokens) == (OFFLINE_MODEL, 0, 0)


async def test_the_same_conversation_gives_the_same_summary() -> None:
    summarizer = OfflineSummarizer()
    first = await summarizer.summarize(source(CONVERSATION))
    again = await summarizer.summarize(source(CONVERSATION))
    assert first.text == again.text


async def test_a_window_that_misses_the_start_says_so_and_long_messages_are_cut() -> None:
    pasted = "palabra " * 3_000
    messages = [said(MEMBER, pasted, minute) for minute in range(30)]

    draft = await OfflineSummarizer().summarize(
        source(messages, member=None, earlier=True, reason="x " * 400)
    )

    assert "Member: unnamed, on WhatsApp; 30 messages" in draft.text
    assert "(older ones not read)" in draft.text
    assert "Earliest request read: “palabra" in draft.text
    assert check_summary_text(draft.text) == draft.text
    assert len(draft.text) < MAX_SUMMARY_LENGTH


async def test_one_message_on_the_web_from_a_member_without_questions() -> None:
    only = msgspec.structs.replace(
        said(MEMBER, "Necesito el certificado de asistencia.", 0), channel=Channel.WEB
    )
    on_the_web = msgspec.structs.replace(CHAT, channel=Channel.WEB)

    draft = await OfflineSummarizer().summarize(source([only], conversation=on_the_web))

    assert "Member: Ana, on the web app; 1 message from 2026-11-24 10:00 UTC." in draft.text
    assert "Questions" not in draft.text and "Files:" not in draft.text
