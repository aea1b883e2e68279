"""The record tools over HTTP, on both model APIs of the fake OpenAI server: the schema a strict
server accepts, a record drafted from the model's call and shown to the member, a refusal sent
back as the tool's output, and what a record costs in model calls and tokens."""

from __future__ import annotations

from typing import Any

import openai
import pytest

from ignacio.adapters.memory import InMemoryDocumentIndex, InMemoryStore, InMemoryUnitOfWorkFactory
from ignacio.adapters.openai_agents import AgentsAssistant, ApiStyle, agents_model
from ignacio.adapters.system import RandomIdGenerator
from ignacio.application.auditing import Auditor
from ignacio.application.ports import RecordFilter
from ignacio.application.use_cases.records import AssistantRecords, RecordLinks
from ignacio.domain import PageRequest
from ignacio.domain.records import RecordStatus
from tests.adapters.openai_agents.test_agents_assistant import ANA, MODEL, NOW, WORKSPACE, turn
from tests.support.fake_openai import DEFAULT_INPUT_TOKENS, DEFAULT_OUTPUT_TOKENS, FakeOpenAI
from tests.support.fakes import FakeClock

APIS = [ApiStyle.CHAT_COMPLETIONS, ApiStyle.RESPONSES]
PROPOSAL = {
    "summary": "Login page and user dashboard",
    "items": [
        {"type": "feature", "title": "Login page", "estimatedHours": 3, "dueDate": "Friday"},
        {"type": "feature", "title": "User dashboard", "estimatedHours": 5, "dueDate": "Friday"},
    ],
    "totalEstimatedHours": 8,
    "confidence": 0.7,
}


@pytest.fixture
async def desk() -> tuple[AssistantRecords, InMemoryUnitOfWorkFactory]:
    store = InMemoryStore()
    # The turns' workspace stands in for the default one a new store holds.
    store.workspaces = {WORKSPACE.id: WORKSPACE}
    uow = InMemoryUnitOfWorkFactory(store)
    clock, ids = FakeClock(NOW), RandomIdGenerator()
    records = AssistantRecords(
        uow, clock, ids, Auditor(clock, ids), RecordLinks("https://ignacio.example.org")
    )
    return records, uow


def assistant(client: openai.AsyncOpenAI, api: ApiStyle, records: AssistantRecords) -> Any:
    return AgentsAssistant(
        agents_model(client, MODEL, api),
        model_name=MODEL,
        index=InMemoryDocumentIndex(),
        hosted_tools=api is ApiStyle.RESPONSES,
        records=records,
    )


@pytest.mark.parametrize("api", APIS)
async def test_a_proposal_costs_two_model_calls_and_is_shown_with_its_link(
    fake: FakeOpenAI,
    client: openai.AsyncOpenAI,
    desk: tuple[AssistantRecords, InMemoryUnitOfWorkFactory],
    api: ApiStyle,
) -> None:
    records, uow = desk
    call_id = fake.call_tool("create_record", {"type": "proposal", "fields": PROPOSAL})
    fake.reply("I drafted your proposal.")

    reply = await assistant(client, api, records).answer(
        turn("Need to add login page and user dashboard by Friday, about 8 hours")
    )

    first, second = fake.requests
    assert {"create_record", "confirm_record"} <= set(first.tools)
    assert second.tool_outputs[call_id].startswith("Saved as a draft")
    async with uow(read_only=True) as unit:
        [record] = (await unit.records.list(WORKSPACE.id, RecordFilter(), PageRequest())).items
    assert record.user_id == ANA.id and record.status is RecordStatus.DRAFT
    # 24 November 2026 is a Tuesday: "Friday" is the 27th.
    assert record.values["items"][0]["dueDate"] == "2026-11-27"
    assert reply.text.startswith("I drafted your proposal.\n\nProposal: Login page")
    assert f"https://ignacio.example.org/app/records/{record.id}" in reply.text
    # What a record costs on the fake: two calls (the tool call, then the answer).
    assert (reply.input_tokens, reply.output_tokens) == (
        2 * DEFAULT_INPUT_TOKENS,
        2 * DEFAULT_OUTPUT_TOKENS,
    )


@pytest.mark.parametrize("api", APIS)
async def test_a_refused_record_goes_back_to_the_model_as_the_tool_s_output(
    fake: FakeOpenAI,
    client: openai.AsyncOpenAI,
    desk: tuple[AssistantRecords, InMemoryUnitOfWorkFactory],
    api: ApiStyle,
) -> None:
    records, uow = desk
    wrong = {**PROPOSAL, "ownerId": str(ANA.id), "items": [{"title": 7}]}
    call_id = fake.call_tool("create_record", {"type": "proposal", "fields": wrong})
    fake.reply("Sorry, I could not record it.")

    reply = await assistant(client, api, records).answer(turn("Record my proposal"))

    output = fake.requests[1].tool_outputs[call_id]
    assert output.startswith("Not stored: proposal has no field ownerId")
    assert reply.text == "Sorry, I could not record it."
    async with uow(read_only=True) as unit:
        assert (await unit.records.list(WORKSPACE.id, RecordFilter(), PageRequest())).items == []
