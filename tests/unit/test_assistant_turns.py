"""Web and WhatsApp turns answered by the Agents SDK assistant over a scripted model.

The SDK's own `ScriptedModel` stands in for the model (no HTTP): these tests check what the
use cases and the adapter make of a turn (the context the model gets, the tools it may call,
the answer stored and sent, its accounting), not a provider's wire format, which the adapter
tests check against a fake server.
"""

from __future__ import annotations

import asyncio
import base64
import json
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest
from agents import ModelBehaviorError
from agents.testing import ModelCall, ModelStep, ScriptedModel, assistant_message, function_call
from agents.usage import Usage

from ignacio.adapters.openai_agents import AgentsAssistant
from ignacio.adapters.openai_agents.assistant import SUMMARY_REQUEST
from ignacio.adapters.openai_agents.tools import ANSWER_TOOLS, search_my_files
from ignacio.application.ports import IndexedFile
from ignacio.application.use_cases.create_conversation import CreateConversationCommand
from ignacio.application.use_cases.process_inbound import APOLOGY, ProcessOutcome
from ignacio.application.use_cases.send_message import SendMessageCommand, SendMessageResult
from ignacio.application.use_cases.update_me import UpdateMeCommand
from ignacio.application.workspaces import default_workspace
from ignacio.domain import (
    InboundMessage,
    MediaRef,
    Message,
    MessageType,
    PhoneNumber,
    Provider,
    Sender,
    UpstreamUnavailable,
    User,
)
from ignacio.domain.answers import MarketingAnswer, as_markdown
from ignacio.domain.handover import Actor, ConversationState
from ignacio.domain.knowledge import DOCX, Chunk, UserFile
from tests.adapters.extraction import bombs
from tests.support.fakes import FakeTranscriber, PlainTextExtractor, RecordingQueue
from tests.support.system import System, build_system, settings_for_tests

PHONE = "+34612345678"
MODEL = "scripted-model"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def usage(input_tokens: int, output_tokens: int) -> Usage:
    return Usage(
        requests=1,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        total_tokens=input_tokens + output_tokens,
    )


def answer_with(system: System, *steps: Any, **options: Any) -> ScriptedModel:
    """The assistant of `system` becomes the Agents SDK one, over a model playing `steps`."""
    model = ScriptedModel(steps)
    assistant = AgentsAssistant(
        model, model_name=MODEL, index=system.container.document_index(), **options
    )
    system.container.assistant.override(assistant)
    return model


async def give_file(system: System, user: User, name: str, text: str, location: str) -> UserFile:
    """A file in the member's library, indexed for search."""
    async with system.container.uow()() as uow:
        home = await default_workspace(uow)
    file = UserFile(
        id=uuid4(),
        workspace_id=home.id,
        user_id=user.id,
        file_name=name,
        file_path=f"users/{user.id}/files/x/{name}",
        file_type="application/pdf",
        file_size=len(text),
        created_at=datetime(2026, 11, 20, tzinfo=UTC),
    )
    async with system.container.uow()() as uow:
        await uow.files.add(file)
        await uow.commit()
    await system.container.document_index().index(
        IndexedFile(
            workspace_id=file.workspace_id,
            user_id=user.id,
            file_id=file.id,
            file_name=name,
            media_type="application/pdf",
            chunks=[Chunk(ordinal=0, text=text, location=location)],
        )
    )
    return file


def inputs(call: ModelCall) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = list(call.input)
    return items


def texts(call: ModelCall) -> list[tuple[str, str]]:
    """(role, text) of each message the model was given, tool traffic left out."""
    found = []
    for item in inputs(call):
        if "role" not in item:
            continue
        content = item["content"]
        if isinstance(content, list):
            content = " ".join(part.get("text", "") for part in content)
        found.append((item["role"], content))
    return found


# The web.


@pytest.fixture
def system() -> System:
    return build_system(settings_for_tests(MAX_CONVERSATION_HISTORY=4))


async def web_turn(
    system: System, me: User, content: str, conversation: UUID | None = None
) -> SendMessageResult:
    if conversation is None:
        conversation = (
            await system.container.create_conversation()(
                await system.access(me), CreateConversationCommand()
            )
        ).id
    return await system.container.send_message()(
        await system.access(me), SendMessageCommand(conversation_id=conversation, content=content)
    )


async def test_a_web_answer_searches_the_members_files_and_cites_them(system: System) -> None:
    me = (await system.login(PHONE)).user
    await give_file(system, me, "plan.pdf", "The pilot budget is 10,000 euros.", "page 2")
    model = answer_with(
        system,
        ModelStep(
            output=[function_call("search_my_files", {"query": "budget"}, call_id="c1")],
            usage=usage(120, 9),
        ),
        ModelStep(
            output=[assistant_message("Your pilot has 10,000 € (plan.pdf, page 2).")],
            usage=usage(180, 14),
        ),
    )

    result = await web_turn(system, me, "How much budget do I have?")

    assert result.reply is not None
    assert result.reply.content == "Your pilot has 10,000 € (plan.pdf, page 2)."
    first, second = model.calls
    assert "plan.pdf" in (first.system_instructions or "")
    assert first.tools[0].name == "search_my_files"
    output = next(item for item in inputs(second) if item.get("type") == "function_call_output")
    assert output["output"] == "[1] plan.pdf, page 2\nThe pilot budget is 10,000 euros."
    stored = result.reply
    assert (stored.ai_model, stored.input_tokens, stored.output_tokens) == (MODEL, 300, 23)
    assert stored.latency_ms is not None and stored.latency_ms >= 0
    model.assert_complete()


async def test_search_never_reaches_another_members_files(system: System) -> None:
    ana = (await system.login(PHONE)).user
    bob = (await system.login("+34612345679")).user
    await give_file(system, bob, "secret.pdf", "Bob's budget is 99 euros.", "page 1")
    model = answer_with(
        system,
        [function_call("search_my_files", {"query": "Bob budget"}, call_id="c1")],
        [assistant_message("Nothing found.")],
    )

    await web_turn(system, ana, "What is Bob's budget?")

    output = next(i for i in inputs(model.calls[1]) if i.get("type") == "function_call_output")
    assert output["output"] == (
        "No passage of the member's files or the knowledge base matches this query."
    )


async def test_a_marketing_question_is_answered_in_shape_as_markdown(system: System) -> None:
    me = (await system.login(PHONE)).user
    shape = {
        "advice": "Start with the farmers of the pilot.",
        "action_items": ["Call each of them", "Offer a launch price"],
        "resources": ["The pilot survey"],
    }
    answer_with(system, [function_call("give_marketing_advice", shape, call_id="c1")])

    result = await web_turn(system, me, "How do I launch my app to farmers?")

    assert result.reply is not None
    assert result.reply.content == as_markdown(MarketingAnswer(**shape))  # type: ignore[arg-type]


async def test_the_model_reads_a_window_of_the_history_and_who_it_talks_to(
    system: System,
) -> None:
    me = (await system.login(PHONE)).user
    me = await system.container.update_me()(me, UpdateMeCommand(name="Lucía"))
    conversation = (
        await system.container.create_conversation()(
            await system.access(me), CreateConversationCommand()
        )
    ).id
    model = answer_with(system, *[[assistant_message(f"answer {n}")] for n in range(4)])

    for n in range(4):
        system.clock.advance(seconds=1)
        await web_turn(system, me, f"question {n}", conversation)

    last = model.calls[-1]
    # Four messages of history (the window), then the new one.
    assert texts(last) == [
        ("user", "question 1"),
        ("assistant", "answer 1"),
        ("user", "question 2"),
        ("assistant", "answer 2"),
        ("user", "question 3"),
    ]
    assert "You are talking with Lucía." in (last.system_instructions or "")
    assert "renders Markdown" in (last.system_instructions or "")


async def test_the_history_window_is_bounded_by_size_too() -> None:
    system = build_system(
        settings_for_tests(MAX_CONVERSATION_HISTORY=10, IGNACIO_HISTORY_MAX_CHARS=30)
    )
    me = (await system.login(PHONE)).user
    conversation = (
        await system.container.create_conversation()(
            await system.access(me), CreateConversationCommand()
        )
    ).id
    model = answer_with(system, [assistant_message("x" * 25)], [assistant_message("ok")])

    await web_turn(system, me, "first", conversation)
    system.clock.advance(seconds=1)
    await web_turn(system, me, "second", conversation)

    # "first" (5) and the 25-character answer fit in 30; nothing older could have.
    assert texts(model.calls[-1]) == [
        ("user", "first"),
        ("assistant", "x" * 25),
        ("user", "second"),
    ]


async def test_a_model_that_fails_leaves_the_web_message_and_raises(system: System) -> None:
    me = (await system.login(PHONE)).user
    answer_with(system, ModelStep.raise_error(ModelBehaviorError("invalid JSON in a tool call")))

    with pytest.raises(UpstreamUnavailable):
        await web_turn(system, me, "hello?")


async def test_a_model_slower_than_the_timeout_is_given_up_on(system: System) -> None:
    me = (await system.login(PHONE)).user
    never = asyncio.Event()

    async def stuck(call: ModelCall) -> ModelStep:
        await never.wait()
        raise AssertionError("unreachable")

    answer_with(system, ModelStep.respond(stuck), timeout_seconds=0.05)

    with pytest.raises(UpstreamUnavailable, match="IGNACIO_AI_TIMEOUT_SECONDS"):
        await web_turn(system, me, "hello?")


async def test_an_empty_answer_is_not_passed_on_as_one(system: System) -> None:
    me = (await system.login(PHONE)).user
    answer_with(system, [assistant_message("   ")])

    with pytest.raises(UpstreamUnavailable):
        await web_turn(system, me, "hello?")


# WhatsApp.


@pytest.fixture
def whatsapp() -> System:
    system = build_system(settings_for_tests(MAX_CONVERSATION_HISTORY=4))
    system.container.job_queue.override(RecordingQueue())
    return system


def inbound(
    text: str, *, message_type: MessageType = MessageType.TEXT, media: MediaRef | None = None
) -> InboundMessage:
    return InboundMessage(
        provider=Provider.WHATSAPP_CLOUD,
        external_id=f"wamid.{uuid4().hex}",
        sender=Sender(phone=PhoneNumber.parse(PHONE)),
        profile_name="Lucía",
        sent_at=datetime(2026, 11, 24, 8, 59, tzinfo=UTC),
        message_type=message_type,
        text=text,
        media=media,
    )


async def deliver(system: System, message: InboundMessage, **process_options: Any) -> UUID:
    message_id = (await system.container.receive_inbound()(message)).message_id
    assert message_id is not None
    outcome = await system.container.process_inbound(**process_options)(message_id)
    assert outcome == ProcessOutcome()
    return message_id


async def stored(system: System, message_id: UUID) -> Message:
    async with system.container.uow()() as uow:
        message: Message | None = await uow.messages.get(message_id)
    assert message is not None
    return message


async def test_a_project_plan_reaches_whatsapp_in_whatsapp_formatting(whatsapp: System) -> None:
    plan = {
        "recommendations": "Ship the pilot **before** the grant deadline.",
        "timeline_suggestions": ["Week 1: recruit", "Week 2-3: run it"],
        "risk_factors": ["Farmers busy at harvest"],
    }
    model = answer_with(
        whatsapp,
        ModelStep(
            output=[function_call("give_project_plan", plan, call_id="c1")], usage=usage(90, 30)
        ),
    )

    message_id = await deliver(whatsapp, inbound("Can you plan my next month?"))

    assert whatsapp.channel.texts_to(PHONE) == [
        "Ship the pilot *before* the grant deadline.\n\n"
        "*Timeline*\n1. Week 1: recruit\n2. Week 2-3: run it\n\n"
        "*Risks*\n• Farmers busy at harvest"
    ]
    assert "WhatsApp formatting only" in (model.calls[0].system_instructions or "")
    async with whatsapp.container.uow()() as uow:
        answer = await uow.messages.reply_to(message_id)
    assert answer is not None
    assert (answer.ai_model, answer.input_tokens, answer.output_tokens) == (MODEL, 90, 30)


async def test_a_photo_goes_to_the_model_as_an_image(whatsapp: System) -> None:
    whatsapp.media.media["photo-1"] = (PNG, "image/png")
    media = MediaRef(provider_media_id="photo-1", mime_type="image/png")
    model = answer_with(whatsapp, [assistant_message("A seedling tray.")])

    await deliver(whatsapp, inbound("¿Qué es esto?", message_type=MessageType.IMAGE, media=media))

    content = inputs(model.calls[0])[-1]["content"]
    assert content[0] == {"type": "input_text", "text": "[photo] ¿Qué es esto?"}
    assert content[1]["type"] == "input_image"
    assert content[1]["image_url"] == "data:image/png;base64," + _b64(PNG)
    assert whatsapp.channel.texts_to(PHONE) == ["A seedling tray."]


async def test_a_photo_is_described_to_a_model_without_vision(whatsapp: System) -> None:
    whatsapp.media.media["photo-1"] = (PNG, "image/png")
    media = MediaRef(provider_media_id="photo-1", mime_type="image/png")
    model = answer_with(whatsapp, [assistant_message("I can't see it.")], vision=False)

    await deliver(whatsapp, inbound("", message_type=MessageType.IMAGE, media=media))

    assert texts(model.calls[0])[-1] == (
        "user",
        "[photo]\n[photo: this model cannot see images]",
    )


async def test_a_voice_note_is_transcribed_kept_and_answered(whatsapp: System) -> None:
    whatsapp.media.media["voice-1"] = (b"OggS voice", "audio/ogg; codecs=opus")
    media = MediaRef(provider_media_id="voice-1", mime_type="audio/ogg; codecs=opus", is_voice=True)
    transcriber = FakeTranscriber("How do I price my course?")
    model = answer_with(whatsapp, [assistant_message("Start at 49 €.")])

    message_id = await deliver(
        whatsapp, inbound("", message_type=MessageType.AUDIO, media=media), transcriber=transcriber
    )

    assert [(audio, kind) for audio, kind, _ in transcriber.heard] == [(b"OggS voice", "audio/ogg")]
    assert (await stored(whatsapp, message_id)).transcript == "How do I price my course?"
    assert texts(model.calls[0])[-1] == ("user", "[voice note] How do I price my course?")
    assert whatsapp.channel.texts_to(PHONE) == ["Start at 49 €."]


async def test_a_voice_note_that_cannot_be_transcribed_is_retried_then_answered(
    whatsapp: System,
) -> None:
    whatsapp.media.media["voice-1"] = (b"OggS voice", "audio/ogg")
    media = MediaRef(provider_media_id="voice-1", mime_type="audio/ogg", is_voice=True)
    transcriber = FakeTranscriber()
    transcriber.failing = True
    model = answer_with(whatsapp, [assistant_message("Could you type it?")])
    message_id = (
        await whatsapp.container.receive_inbound()(
            inbound("", message_type=MessageType.AUDIO, media=media)
        )
    ).message_id
    assert message_id is not None
    process = whatsapp.container.process_inbound(transcriber=transcriber)
    attempts = whatsapp.container.retry_policy().max_attempts

    outcomes = [await process(message_id) for _ in range(attempts)]

    assert all(outcome.retry_in is not None for outcome in outcomes[:-1])
    assert outcomes[-1] == ProcessOutcome()
    assert (await stored(whatsapp, message_id)).transcript is None
    assert texts(model.calls[0])[-1] == ("user", "[voice note]")
    assert whatsapp.channel.texts_to(PHONE) == ["Could you type it?"]


async def test_a_document_without_a_question_is_summarised(whatsapp: System) -> None:
    text = "Seed funding plan\n\nWe ask for 20,000 euros to reach 100 farms by June."
    whatsapp.media.media["doc-1"] = (text.encode(), "text/plain")
    media = MediaRef(provider_media_id="doc-1", mime_type="text/plain", filename="funding.txt")
    model = answer_with(whatsapp, [assistant_message("*Summary*: you ask for 20,000 €.")])

    await deliver(
        whatsapp,
        inbound("", message_type=MessageType.DOCUMENT, media=media),
        extractor=PlainTextExtractor(),
    )

    said = texts(model.calls[0])[-1][1]
    assert said.startswith("[document: funding.txt]\n\n" + SUMMARY_REQUEST)
    assert "We ask for 20,000 euros to reach 100 farms by June." in said
    assert whatsapp.channel.texts_to(PHONE) == ["*Summary*: you ask for 20,000 €."]


async def test_a_document_too_large_to_read_is_explained_to_the_model(whatsapp: System) -> None:
    whatsapp.media.media["doc-1"] = (bombs.docx_bomb(200 * 1024 * 1024), DOCX)
    media = MediaRef(provider_media_id="doc-1", mime_type=DOCX, filename="huge.docx")
    model = answer_with(whatsapp, [assistant_message("I couldn't open huge.docx safely.")])

    await deliver(whatsapp, inbound("", message_type=MessageType.DOCUMENT, media=media))

    said = texts(model.calls[0])[-1][1]
    assert said.endswith(
        "No text could be read from this document: this Word document has a part that expands "
        "more than 100 times over once uncompressed, as zip bombs do. Tell the member so, in "
        "their words, and ask what they would like to do with it."
    )
    assert whatsapp.channel.texts_to(PHONE) == ["I couldn't open huge.docx safely."]


async def test_a_document_with_a_question_is_read_to_answer_it(whatsapp: System) -> None:
    whatsapp.media.media["doc-1"] = (b"Budget: 20,000 euros.", "text/plain")
    media = MediaRef(provider_media_id="doc-1", mime_type="text/plain", filename="budget.txt")
    model = answer_with(whatsapp, [assistant_message("20,000 €.")])

    await deliver(
        whatsapp,
        inbound("How much do I ask for?", message_type=MessageType.DOCUMENT, media=media),
        extractor=PlainTextExtractor(),
    )

    said = texts(model.calls[0])[-1][1]
    assert SUMMARY_REQUEST not in said
    assert said.startswith("[document: budget.txt] How much do I ask for?")
    assert '<document name="budget.txt">\nBudget: 20,000 euros.\n</document>' in said


async def test_a_model_down_is_retried_then_apologised_for_on_whatsapp(whatsapp: System) -> None:
    attempts = whatsapp.container.retry_policy().max_attempts
    answer_with(
        whatsapp,
        *[ModelStep.raise_error(ModelBehaviorError("garbled")) for _ in range(attempts)],
    )
    message_id = (await whatsapp.container.receive_inbound()(inbound("hola"))).message_id
    assert message_id is not None
    process = whatsapp.container.process_inbound()

    outcomes = [await process(message_id) for _ in range(attempts)]

    assert all(outcome.retry_in is not None for outcome in outcomes[:-1])
    assert whatsapp.channel.texts_to(PHONE) == [APOLOGY]
    async with whatsapp.container.uow()() as uow:
        apology = await uow.messages.reply_to(message_id)
    assert apology is not None and apology.ai_model is None


def _b64(content: bytes) -> str:
    return base64.b64encode(content).decode()


def test_the_tool_schemas_are_strict_and_flat() -> None:
    # Flat arguments: weaker models fill a flat schema more reliably than a nested one.
    for tool in [search_my_files, *ANSWER_TOOLS]:
        schema = tool.params_json_schema
        assert tool.strict_json_schema
        assert "$defs" not in json.dumps(schema)
        assert schema["additionalProperties"] is False


async def test_the_model_hands_the_conversation_to_the_team_and_then_stays_silent(
    system: System,
) -> None:
    me = (await system.login(PHONE)).user
    conversation = (
        await system.container.create_conversation()(
            await system.access(me), CreateConversationCommand()
        )
    ).id
    model = answer_with(
        system,
        [
            function_call(
                "hand_to_team",
                {"reason": "Wants a refund of the course fee", "member_asked": False},
                call_id="c1",
            )
        ],
        [assistant_message("Una persona del equipo te responderá aquí muy pronto.")],
    )

    handed = await web_turn(system, me, "Quiero que me devuelvan el dinero del curso", conversation)
    system.clock.advance(seconds=1)
    later = await web_turn(system, me, "¿Hola?", conversation)

    assert "hand_to_team" in [tool.name for tool in model.calls[0].tools]
    assert handed.reply is not None
    assert handed.reply.content == "Una persona del equipo te responderá aquí muy pronto."
    assert later.reply is None and len(model.calls) == 2
    async with system.container.uow()(read_only=True) as uow:
        workspace = await default_workspace(uow)
        chat = await uow.conversations.get(workspace.id, conversation)
        (change,) = await uow.conversations.changes(workspace.id, conversation, 10)
    assert chat is not None and chat.state is ConversationState.WAITING
    assert (change.actor, change.reason) == (Actor.ASSISTANT, "Wants a refund of the course fee")
