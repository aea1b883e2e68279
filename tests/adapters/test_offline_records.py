"""The offline assistant on records and steps: asked for help or about a report or a proposal,
it says `/report` and `/proposal` keep one without a model, and that the workspace's steps are
collected only with a model connected."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import msgspec
import pytest

from ignacio.adapters.memory import InMemoryDocumentIndex
from ignacio.adapters.offline_assistant import (
    CONNECT_A_MODEL,
    RECORDS_WITHOUT_A_MODEL,
    OfflineAssistant,
    asks_about_records,
)
from ignacio.application.ports import AssistantTurn
from ignacio.domain import Author, Channel, Message
from ignacio.domain.workflow import StepKind, Workflow, WorkflowStep
from tests.adapters.test_offline_assistant import NOW, WORKSPACE, turn

STEPS_LINE = "those are collected only with a model connected"
WORKFLOW = Workflow(
    steps=(WorkflowStep(key="city", prompt="Which city they live in", kind=StepKind.TEXT),)
)


def on_whatsapp(text: str, **fields: Any) -> AssistantTurn:
    asked = turn(text, **fields)
    conversation = msgspec.structs.replace(asked.conversation, channel=Channel.WHATSAPP)
    return msgspec.structs.replace(asked, conversation=conversation)


@pytest.mark.parametrize(
    "said",
    [
        "help",
        "What can you do?",
        "Necesito ayuda",
        "¿Qué puedes hacer?",
        "I want to send a report",
        "Quiero una propuesta para la web",
        "Tengo una incidencia con la impresora",
        "Can I get a proposal?",
    ],
)
async def test_asked_for_help_or_a_record_it_says_report_and_proposal_need_no_model(
    said: str,
) -> None:
    reply = await OfflineAssistant(InMemoryDocumentIndex()).answer(on_whatsapp(said))
    assert RECORDS_WITHOUT_A_MODEL in reply.text
    assert "`/report <text>`" in reply.text and "`/proposal <text>`" in reply.text
    assert CONNECT_A_MODEL in reply.text


@pytest.mark.parametrize("said", ["Hello", "What is the pilot budget?", "Hola, buenos días"])
async def test_it_says_nothing_of_records_when_not_asked(said: str) -> None:
    reply = await OfflineAssistant(InMemoryDocumentIndex()).answer(on_whatsapp(said))
    assert "/report" not in reply.text
    assert not asks_about_records(said)


async def test_on_the_web_it_says_the_commands_are_whatsapp_s() -> None:
    reply = await OfflineAssistant(InMemoryDocumentIndex()).answer(turn("help"))
    assert "On WhatsApp: to keep a report or a proposal" in reply.text


async def test_asked_for_help_with_steps_it_says_they_wait_for_a_model_once() -> None:
    asked = on_whatsapp("ayuda", workflow=WORKFLOW)
    reply = await OfflineAssistant(InMemoryDocumentIndex()).answer(asked)
    assert reply.text.count(STEPS_LINE) == 1
    assert reply.text.count("/report") == 1
    assert f"{WORKSPACE.name} also asks everyone here a few questions" in reply.text


async def test_open_steps_unasked_are_told_once_with_the_commands() -> None:
    first = on_whatsapp("Hello", workflow=WORKFLOW)
    reply = await OfflineAssistant(InMemoryDocumentIndex()).answer(first)
    assert STEPS_LINE in reply.text and RECORDS_WITHOUT_A_MODEL in reply.text
    earlier = Message(
        id=uuid4(),
        workspace_id=WORKSPACE.id,
        conversation_id=first.conversation.id,
        user_id=first.user.id,
        author=Author.ASSISTANT,
        content=reply.text,
        created_at=NOW,
    )
    again = on_whatsapp("Hello again", workflow=WORKFLOW, history=[earlier])
    second = await OfflineAssistant(InMemoryDocumentIndex()).answer(again)
    assert STEPS_LINE not in second.text and "/report" not in second.text
    # Asked, it is said again.
    asked = on_whatsapp("help", workflow=WORKFLOW, history=[earlier])
    third = await OfflineAssistant(InMemoryDocumentIndex()).answer(asked)
    assert STEPS_LINE in third.text and RECORDS_WITHOUT_A_MODEL in third.text
