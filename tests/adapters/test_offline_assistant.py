"""The offline assistant: useful from the member's own files, honest about having no model."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from ignacio.adapters.memory import InMemoryDocumentIndex
from ignacio.adapters.offline_assistant import CONNECT_A_MODEL, OFFLINE_MODEL, OfflineAssistant
from ignacio.application.ports import AssistantTurn, DocumentInput, IndexedFile, TurnMessage
from ignacio.domain import (
    Author,
    Conversation,
    Message,
    MessageType,
    PhoneNumber,
    UpstreamUnavailable,
    User,
)
from ignacio.domain.knowledge import Chunk, Passage, UserFile
from ignacio.domain.workspaces import first_workspace

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
WORKSPACE = first_workspace(uuid4(), NOW)
ANA = User(
    id=uuid4(), phone=PhoneNumber.parse("+34612345678"), name="Ana", created_at=NOW, updated_at=NOW
)
BOB = User(id=uuid4(), phone=PhoneNumber.parse("+34612345679"), created_at=NOW, updated_at=NOW)


def turn(text: str, user: User = ANA, **fields: Any) -> AssistantTurn:
    conversation = Conversation(
        id=uuid4(), workspace_id=WORKSPACE.id, user_id=user.id, created_at=NOW, updated_at=NOW
    )
    message_fields = {k: fields.pop(k) for k in ("message_type", "transcript") if k in fields}
    message = Message(
        id=uuid4(),
        workspace_id=WORKSPACE.id,
        conversation_id=conversation.id,
        user_id=user.id,
        author=Author.MEMBER,
        content=text,
        created_at=NOW,
        **message_fields,
    )
    history = fields.pop("history", [])
    return AssistantTurn(
        workspace=WORKSPACE,
        user=user,
        conversation=conversation,
        history=history,
        message=message,
        **fields,
    )


def library(*names: str) -> list[UserFile]:
    return [
        UserFile(
            id=uuid4(),
            workspace_id=WORKSPACE.id,
            user_id=ANA.id,
            file_name=name,
            file_path=f"users/{ANA.id}/files/{n}/{name}",
            file_type="application/pdf",
            file_size=1,
            created_at=NOW,
        )
        for n, name in enumerate(names)
    ]


@pytest.fixture
async def index() -> InMemoryDocumentIndex:
    index = InMemoryDocumentIndex()
    await index.index(
        IndexedFile(
            workspace_id=WORKSPACE.id,
            user_id=ANA.id,
            file_id=uuid4(),
            file_name="plan.pdf",
            media_type="application/pdf",
            chunks=[
                Chunk(ordinal=0, text="The pilot budget is 10,000 euros.", location="page 2"),
                Chunk(ordinal=1, text="We will recruit 30 farms in March.", location="page 3"),
            ],
        )
    )
    return index


async def test_it_shows_the_passages_that_match_with_their_files(
    index: InMemoryDocumentIndex,
) -> None:
    reply = await OfflineAssistant(index).answer(turn("What is the pilot budget?"))

    assert reply.text.startswith(
        "Here is what I found in your files:\n\n"
        "**plan.pdf** (page 2)\n> The pilot budget is 10,000 euros."
    )
    assert "without an AI model" in reply.text
    assert "OPENAI_API_KEY" in reply.text
    assert reply.model == OFFLINE_MODEL
    assert (reply.input_tokens, reply.output_tokens) == (0, 0)
    assert reply.latency_ms is not None


async def test_without_a_match_it_says_what_it_can_do_and_how_to_connect_a_model(
    index: InMemoryDocumentIndex,
) -> None:
    reply = await OfflineAssistant(index).answer(
        turn("Hello Ignacio", files=library("plan.pdf", "deck.pptx"))
    )

    assert reply.text.startswith(
        "Hi Ana! I'm Ignacio, Action Lab's assistant, running without an AI model"
    )
    assert "I can search your files (plan.pdf, deck.pptx)" in reply.text
    assert "OPENAI_API_KEY" in reply.text


async def test_it_never_shows_another_members_passages(index: InMemoryDocumentIndex) -> None:
    reply = await OfflineAssistant(index).answer(turn("pilot budget", user=BOB))

    assert "10,000" not in reply.text
    assert reply.text.startswith("Hi! I'm Ignacio")
    assert "send one, then ask about a topic it covers" in reply.text


async def test_it_says_it_cannot_listen_or_see_without_a_model(
    index: InMemoryDocumentIndex,
) -> None:
    voice = await OfflineAssistant(index).answer(turn("", message_type=MessageType.AUDIO))
    photo = await OfflineAssistant(index).answer(turn("", message_type=MessageType.IMAGE))

    assert voice.text.startswith("I got your voice note, but without an AI model I can't")
    assert photo.text.startswith("Thanks for the photo. Without an AI model I can't see")


async def test_a_document_sent_alone_is_acknowledged_with_its_beginning(
    index: InMemoryDocumentIndex,
) -> None:
    document = DocumentInput(name="funding.pdf", text="Seed funding plan. " * 50)

    reply = await OfflineAssistant(index).answer(
        turn("", message_type=MessageType.DOCUMENT, document=document)
    )

    assert reply.text.startswith("I've kept **funding.pdf** with your files.")
    assert "it begins:\n> Seed funding plan. Seed funding plan." in reply.text
    assert "…" in reply.text


async def test_a_document_that_could_not_be_read_is_acknowledged_with_the_reason(
    index: InMemoryDocumentIndex,
) -> None:
    note = "this Word document expands to more than 64 MB once uncompressed"
    document = DocumentInput(name="huge.docx", text="", note=note)

    reply = await OfflineAssistant(index).answer(
        turn("", message_type=MessageType.DOCUMENT, document=document)
    )

    assert reply.text.startswith("I've kept **huge.docx** with your files.")
    assert f"I couldn't read any text in it: {note}." in reply.text


class BrokenIndex:
    retention: timedelta | None = None

    async def search(
        self, workspace_id: object, user_id: object, query: str, limit: int = 5
    ) -> list[Passage]:
        raise UpstreamUnavailable("The index is down.")

    async def index(self, file: IndexedFile) -> None:
        raise NotImplementedError

    async def remove(self, workspace_id: object, user_id: object, file_id: object) -> None:
        raise NotImplementedError

    async def forget_member(self, user_id: object) -> None:
        raise NotImplementedError


async def test_an_index_that_is_down_still_gets_an_answer() -> None:
    reply = await OfflineAssistant(BrokenIndex()).answer(turn("pilot budget"))

    assert reply.text.startswith(
        "Hi Ana! I'm Ignacio, Action Lab's assistant, running without an AI model"
    )


async def test_a_question_sent_with_a_document_is_answered_from_that_document(
    index: InMemoryDocumentIndex,
) -> None:
    # The index does not have the document yet: it is read from the turn.
    document = DocumentInput(
        name="launch.md",
        text="# Launch\n\nThe launch is on 1 March, in Valencia.\n\nCatering: paella for 80.",
    )

    reply = await OfflineAssistant(index).answer(turn("When is the launch?", document=document))

    assert reply.text.startswith("Here is what **launch.md** says about that:")
    assert "The launch is on 1 March, in Valencia." in reply.text
    assert "paella" not in reply.text
    assert "plan.pdf" not in reply.text


async def test_a_burst_is_read_as_one_question_about_the_document_it_brought(
    index: InMemoryDocumentIndex,
) -> None:
    document = DocumentInput(
        name="launch.md",
        text="# Launch\n\nThe launch is on 1 March, in Valencia.\n\nCatering: paella for 80.",
    )
    # The document, then the question in two messages.
    sent = turn("", message_type=MessageType.DOCUMENT).message
    when = turn("When is").message
    burst = turn(
        "the launch?",
        earlier=[TurnMessage(message=sent, document=document), TurnMessage(message=when)],
    )

    reply = await OfflineAssistant(index).answer(burst)

    assert not burst.wants_summary
    assert reply.text.startswith("Here is what **launch.md** says about that:")
    assert "The launch is on 1 March, in Valencia." in reply.text


async def test_passages_that_only_share_the_question_s_grammar_are_not_shown() -> None:
    index = InMemoryDocumentIndex()
    await index.index(
        IndexedFile(
            workspace_id=WORKSPACE.id,
            user_id=ANA.id,
            file_id=uuid4(),
            file_name="minutes.txt",
            media_type="text/plain",
            chunks=[Chunk(ordinal=0, text="What is the plan? The plan is to meet at the office.")],
        )
    )

    reply = await OfflineAssistant(index).answer(
        turn("What is the capital of France?", files=library("minutes.txt"))
    )

    assert "minutes.txt" not in reply.text.split("I can search your files")[0]
    assert "I found nothing in your files about that." in reply.text


async def test_the_same_passage_in_a_file_uploaded_twice_is_shown_once() -> None:
    index = InMemoryDocumentIndex()
    for name in ("budget.pdf", "budget (1).pdf"):
        await index.index(
            IndexedFile(
                workspace_id=WORKSPACE.id,
                user_id=ANA.id,
                file_id=uuid4(),
                file_name=name,
                media_type="application/pdf",
                chunks=[Chunk(ordinal=0, text="The pilot budget is 10,000 euros.")],
            )
        )

    reply = await OfflineAssistant(index).answer(turn("What is the pilot budget?"))

    assert reply.text.count("The pilot budget is 10,000 euros.") == 1


async def test_how_to_connect_a_model_is_said_once_in_a_conversation(
    index: InMemoryDocumentIndex,
) -> None:
    assistant = OfflineAssistant(index)
    first = await assistant.answer(turn("Hello"))
    earlier = Message(
        id=uuid4(),
        workspace_id=WORKSPACE.id,
        conversation_id=uuid4(),
        user_id=ANA.id,
        author=Author.ASSISTANT,
        content=first.text,
        created_at=NOW,
    )

    second = await assistant.answer(turn("What is the pilot budget?", history=[earlier]))

    assert CONNECT_A_MODEL in first.text
    assert "10,000 euros" in second.text
    assert CONNECT_A_MODEL not in second.text


@pytest.mark.parametrize(
    "text",
    [
        "Can I talk to a human?",
        "I want to speak with a real person please",
        "Quiero hablar con una persona",
        "¿Puedo hablar con un agente?",
        "Quero falar com um atendente",
        "Je voudrais parler à un conseiller",
        "Kann ich mit einem Menschen sprechen?",
        "Posso parlare con un operatore?",
    ],
)
async def test_asking_for_a_person_hands_over_in_the_usual_words_of_several_languages(
    text: str,
) -> None:
    reply = await OfflineAssistant(InMemoryDocumentIndex()).answer(turn(text))
    assert reply.handoff is not None and reply.handoff.by_member
    assert "team of" in reply.text


@pytest.mark.parametrize(
    "text",
    [
        "How do I find my first customers?",
        "Hablemos de personas usuarias",
        "a human-centred design",
    ],
)
async def test_other_questions_are_not_taken_for_a_request_for_a_person(text: str) -> None:
    reply = await OfflineAssistant(InMemoryDocumentIndex()).answer(turn(text))
    assert reply.handoff is None
