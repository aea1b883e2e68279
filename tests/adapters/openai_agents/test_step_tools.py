"""The workflow-step tool over HTTP, against the fake OpenAI server on both model APIs: good,
wrong and malicious calls, what the model is told back, and what is kept (the real recorder over
the memory set)."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import openai
import pytest

from ignacio.adapters.memory import (
    InMemoryDocumentIndex,
    InMemoryStore,
    InMemoryUnitOfWorkFactory,
)
from ignacio.adapters.openai_agents import AgentsAssistant, ApiStyle, agents_model
from ignacio.application.ports import AssistantTurn
from ignacio.application.use_cases.workflow import RecordStepAnswer
from ignacio.domain import Author, Message
from ignacio.domain.workflow import Progress, StepKind, Workflow, WorkflowStep
from tests.adapters.openai_agents.test_agents_assistant import ANA, CHAT, NOW, WORKSPACE
from tests.support.fake_openai import FakeOpenAI
from tests.support.fakes import FakeClock

MODEL = "fake-model"
APIS = [ApiStyle.CHAT_COMPLETIONS, ApiStyle.RESPONSES]
WORKFLOW = Workflow(
    steps=(
        WorkflowStep(key="email", prompt="Ask for their email.", kind=StepKind.EMAIL),
        WorkflowStep(key="visit", prompt="Ask when they visit.", kind=StepKind.DATE),
    )
)


@pytest.fixture
async def store() -> InMemoryStore:
    store = InMemoryStore()
    store.workspaces[WORKSPACE.id] = WORKSPACE
    store.users[ANA.id] = ANA
    store.workflows[WORKSPACE.id] = WORKFLOW
    return store


def assistant(client: openai.AsyncOpenAI, api: ApiStyle, store: InMemoryStore) -> AgentsAssistant:
    recorder = RecordStepAnswer(InMemoryUnitOfWorkFactory(store), FakeClock())
    return AgentsAssistant(
        agents_model(client, MODEL, api),
        model_name=MODEL,
        index=InMemoryDocumentIndex(),
        hosted_tools=api is ApiStyle.RESPONSES,
        steps=recorder,
    )


def turn(text: str, **fields: Any) -> AssistantTurn:
    message = Message(
        id=uuid4(),
        workspace_id=WORKSPACE.id,
        conversation_id=CHAT.id,
        user_id=ANA.id,
        author=Author.MEMBER,
        content=text,
        created_at=NOW,
    )
    return AssistantTurn(
        workspace=WORKSPACE,
        user=ANA,
        conversation=CHAT,
        history=[],
        message=message,
        workflow=WORKFLOW,
        **fields,
    )


@pytest.mark.parametrize("api", APIS)
async def test_good_wrong_and_malicious_calls(
    fake: FakeOpenAI, client: openai.AsyncOpenAI, store: InMemoryStore, api: ApiStyle
) -> None:
    good = fake.call_tool("record_step_answer", {"key": "email", "value": "Ana@EXAMPLE.org"})
    wrong = fake.call_tool("record_step_answer", {"key": "visit", "value": "31/12/2026"})
    unknown = fake.call_tool("record_step_answer", {"key": "password", "value": "x"})
    huge = fake.call_tool("record_step_answer", {"key": "visit", "value": ["2026-12-31"] * 10_000})
    fake.reply("Thanks! When will you visit?")

    reply = await assistant(client, api, store).answer(turn("My email is Ana@EXAMPLE.org"))

    assert reply.text == "Thanks! When will you visit?"
    outputs = fake.requests[-1].tool_outputs
    assert outputs[good] == "Recorded email = Ana@example.org."
    assert outputs[wrong].startswith("Not recorded: 'visit' is a date, written as YYYY-MM-DD")
    assert outputs[unknown].startswith("Not recorded: There is no step 'password'.")
    assert outputs[huge].startswith("Not recorded: call record_step_answer with two strings")
    assert {key: answer.value for (_, _, key), answer in store.step_answers.items()} == {
        "email": "Ana@example.org"
    }
    first = fake.requests[0]
    assert "record_step_answer" in first.tools
    assert "- visit (required; a date, recorded as YYYY-MM-DD): Ask when they visit." in (
        first.instructions
    )


@pytest.mark.parametrize("api", APIS)
async def test_no_tool_and_no_steps_once_every_step_is_answered(
    fake: FakeOpenAI, client: openai.AsyncOpenAI, store: InMemoryStore, api: ApiStyle
) -> None:
    progress = Progress(workspace_id=WORKSPACE.id, user_id=ANA.id)
    for key, value in (("email", "a@example.org"), ("visit", "2026-12-31")):
        progress = progress.with_answer(WORKFLOW.answer(key, value, by=None, at=NOW))
    fake.reply("Hi Ana!")

    await assistant(client, api, store).answer(turn("Hi", progress=progress))

    (request,) = fake.requests
    assert "record_step_answer" not in request.tools
    assert "Still open" not in request.instructions
