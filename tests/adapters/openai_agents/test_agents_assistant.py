"""The Agents SDK assistant over HTTP, against a fake OpenAI server speaking Chat Completions and
the Responses API: the real `openai` client and SDK run, the fake checks what they send."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import msgspec
import openai
import pytest

from ignacio.adapters.memory import InMemoryDocumentIndex
from ignacio.adapters.openai_agents import AgentsAssistant, ApiStyle, agents_model, openai_client
from ignacio.adapters.openai_agents.assistant import WORKSPACE_ID_ATTRIBUTE
from ignacio.adapters.openai_vector_store import (
    WORKSPACE_ID_ATTRIBUTE as VECTOR_STORE_WORKSPACE_ATTRIBUTE,
)
from ignacio.adapters.openai_vector_store import workspace_filter
from ignacio.application.ports import AssistantTurn, ImageInput, IndexedFile, TurnMessage
from ignacio.domain import (
    Author,
    Channel,
    Conversation,
    Message,
    MessageType,
    PhoneNumber,
    UpstreamUnavailable,
    User,
)
from ignacio.domain.answers import (
    MarketingAnswer,
    ProjectManagementAnswer,
    SpecialisedAnswer,
    TechnicalAnswer,
)
from ignacio.domain.knowledge import Chunk, SyncStatus, UserFile
from ignacio.domain.workspaces import AssistantSettings, first_workspace
from tests.support.fake_openai import DEFAULT_INPUT_TOKENS, DEFAULT_OUTPUT_TOKENS, FakeOpenAI

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
MODEL = "fake-model"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(40))
APIS = [ApiStyle.CHAT_COMPLETIONS, ApiStyle.RESPONSES]

WORKSPACE = first_workspace(uuid4(), NOW)
ANA = User(
    id=uuid4(), phone=PhoneNumber.parse("+34612345678"), name="Ana", created_at=NOW, updated_at=NOW
)
CHAT = Conversation(
    id=uuid4(), workspace_id=WORKSPACE.id, user_id=ANA.id, created_at=NOW, updated_at=NOW
)


def turn(text: str, **fields: Any) -> AssistantTurn:
    message_fields: dict[str, Any] = {"content": text}
    for name in ("message_type", "channel", "transcript"):
        if name in fields:
            message_fields[name] = fields.pop(name)
    message = Message(
        id=uuid4(),
        workspace_id=CHAT.workspace_id,
        conversation_id=CHAT.id,
        user_id=ANA.id,
        author=Author.MEMBER,
        created_at=NOW,
        **message_fields,
    )
    return AssistantTurn(
        workspace=WORKSPACE, user=ANA, conversation=CHAT, history=[], message=message, **fields
    )


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
            chunks=[Chunk(ordinal=0, text="The pilot budget is 10,000 euros.", location="page 2")],
        )
    )
    return index


def assistant(
    client: openai.AsyncOpenAI, index: InMemoryDocumentIndex, api: ApiStyle, **options: Any
) -> AgentsAssistant:
    return AgentsAssistant(
        agents_model(client, MODEL, api),
        model_name=MODEL,
        index=index,
        hosted_tools=api is ApiStyle.RESPONSES,
        **options,
    )


@pytest.mark.parametrize("api", APIS)
async def test_a_search_of_the_members_files_then_an_answer_citing_them(
    fake: FakeOpenAI, client: openai.AsyncOpenAI, index: InMemoryDocumentIndex, api: ApiStyle
) -> None:
    call_id = fake.call_tool("search_my_files", {"query": "pilot budget"})
    fake.reply("Your pilot has 10,000 € (plan.pdf, page 2).")

    reply = await assistant(client, index, api).answer(turn("How much budget do I have?"))

    assert reply.text == "Your pilot has 10,000 € (plan.pdf, page 2)."
    first, second = fake.requests
    assert {first.api, second.api} == {api.value}
    assert first.model == MODEL
    assert "search_my_files" in first.tools
    assert first.messages[-1] == ("user", "How much budget do I have?")
    assert "You are talking with Ana." in first.instructions
    assert second.tool_outputs == {
        call_id: "[1] plan.pdf, page 2\nThe pilot budget is 10,000 euros."
    }
    assert (reply.model, reply.input_tokens, reply.output_tokens) == (
        MODEL,
        2 * DEFAULT_INPUT_TOKENS,
        2 * DEFAULT_OUTPUT_TOKENS,
    )
    assert reply.latency_ms is not None and reply.latency_ms >= 0
    assert reply.answer is None


SHAPES: list[tuple[str, dict[str, Any], SpecialisedAnswer]] = [
    (
        "give_marketing_advice",
        {"advice": "Start local.", "action_items": ["Call 10 farms"], "resources": ["A CRM"]},
        MarketingAnswer(advice="Start local.", action_items=["Call 10 farms"], resources=["A CRM"]),
    ),
    (
        "give_technical_solution",
        {
            "solution": "A form and a sheet.",
            "implementation_steps": ["Make the form", "Link it"],
            "considerations": [],
        },
        TechnicalAnswer(
            solution="A form and a sheet.",
            implementation_steps=["Make the form", "Link it"],
            considerations=[],
        ),
    ),
    (
        "give_project_plan",
        {
            "recommendations": "Pilot first.",
            "timeline_suggestions": ["Week 1: recruit"],
            "risk_factors": ["Harvest season"],
        },
        ProjectManagementAnswer(
            recommendations="Pilot first.",
            timeline_suggestions=["Week 1: recruit"],
            risk_factors=["Harvest season"],
        ),
    ),
]


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize(("tool", "arguments", "expected"), SHAPES, ids=[s[0] for s in SHAPES])
async def test_specialised_questions_get_structured_answers(
    fake: FakeOpenAI,
    client: openai.AsyncOpenAI,
    index: InMemoryDocumentIndex,
    api: ApiStyle,
    tool: str,
    arguments: dict[str, Any],
    expected: SpecialisedAnswer,
) -> None:
    fake.call_tool(tool, arguments)

    reply = await assistant(client, index, api).answer(turn("What should I do?"))

    assert reply.answer == expected
    # The answer tool ends the run: no second request to summarise its result.
    assert len(fake.requests) == 1
    assert reply.text.startswith(next(iter(arguments.values())))


@pytest.mark.parametrize("api", APIS)
async def test_a_photo_is_sent_as_image_input(
    fake: FakeOpenAI, client: openai.AsyncOpenAI, index: InMemoryDocumentIndex, api: ApiStyle
) -> None:
    fake.reply("A tray of seedlings.")
    photo = turn(
        "What is this?",
        message_type=MessageType.IMAGE,
        images=[ImageInput(content=PNG, media_type="image/png")],
    )

    reply = await assistant(client, index, api).answer(photo)

    assert reply.text == "A tray of seedlings."
    (request,) = fake.requests
    assert request.images == [("image/png", PNG)]
    assert request.messages[-1] == ("user", "[photo] What is this?")


@pytest.mark.parametrize("api", APIS)
async def test_a_burst_reaches_the_model_as_the_member_sent_it_each_message_with_its_photo(
    fake: FakeOpenAI, client: openai.AsyncOpenAI, index: InMemoryDocumentIndex, api: ApiStyle
) -> None:
    fake.reply("Those are tomato seedlings; water them daily.")
    photo = turn("", message_type=MessageType.IMAGE).message
    hello = turn("Hi!").message
    burst = turn(
        "What are these, and how often do I water them?",
        earlier=[
            TurnMessage(message=hello),
            TurnMessage(message=photo, images=[ImageInput(content=PNG, media_type="image/png")]),
        ],
    )

    await assistant(client, index, api).answer(burst)

    (request,) = fake.requests
    assert request.images == [("image/png", PNG)]
    assert request.messages[-3:] == [
        ("user", "Hi!"),
        ("user", "[photo]"),
        ("user", "What are these, and how often do I water them?"),
    ]


@pytest.mark.parametrize("api", APIS)
async def test_a_transcribed_voice_note_is_answered_as_what_it_said(
    fake: FakeOpenAI, client: openai.AsyncOpenAI, index: InMemoryDocumentIndex, api: ApiStyle
) -> None:
    voice = turn(
        "",
        message_type=MessageType.AUDIO,
        channel=Channel.WHATSAPP,
        transcript="¿Cuánto cobro por el curso?",
    )

    reply = await assistant(client, index, api).answer(voice)

    assert reply.text == "Fake answer to: [voice note] ¿Cuánto cobro por el curso?"
    assert "WhatsApp formatting only" in fake.requests[0].instructions


async def test_hosted_tools_only_on_the_responses_api(
    fake: FakeOpenAI, client: openai.AsyncOpenAI, index: InMemoryDocumentIndex
) -> None:
    synced = UserFile(
        id=uuid4(),
        workspace_id=WORKSPACE.id,
        user_id=ANA.id,
        file_name="plan.pdf",
        file_path="users/a/files/b/plan.pdf",
        file_type="application/pdf",
        file_size=10,
        created_at=NOW,
        remote_store_id="vs_ana",
        sync_status=SyncStatus.SYNCED,
    )
    handbook = msgspec.structs.replace(
        synced, id=uuid4(), user_id=None, file_name="handbook.pdf", remote_store_id="vs_lab"
    )
    with_files = turn("hola", files=[synced], knowledge=[handbook])

    await assistant(client, index, ApiStyle.RESPONSES, web_search=True).answer(with_files)
    await assistant(client, index, ApiStyle.CHAT_COMPLETIONS, web_search=True).answer(with_files)

    on_responses, on_chat = fake.requests
    assert {tool["type"] for tool in on_responses.hosted_tools} == {"file_search", "web_search"}
    file_search = next(t for t in on_responses.hosted_tools if t["type"] == "file_search")
    # The member's own store and the workspace's knowledge base.
    assert file_search["vector_store_ids"] == ["vs_ana", "vs_lab"]
    # The member's store holds their files of every workspace: the search keeps to this one's,
    # by the attribute the vector-store index gives each file.
    assert file_search["filters"] == workspace_filter(WORKSPACE.id)
    assert WORKSPACE_ID_ATTRIBUTE == VECTOR_STORE_WORKSPACE_ATTRIBUTE
    assert on_chat.hosted_tools == []
    assert "plan.pdf" in on_chat.instructions
    assert "knowledge base holds: handbook.pdf" in on_chat.instructions


@pytest.mark.parametrize("api", APIS)
async def test_a_rate_limit_is_waited_out_then_answered(
    fake: FakeOpenAI, client: openai.AsyncOpenAI, index: InMemoryDocumentIndex, api: ApiStyle
) -> None:
    fake.fail(429, retry_after=0.01)
    fake.reply("Here I am.")

    reply = await assistant(client, index, api).answer(turn("hola"))

    assert reply.text == "Here I am."
    assert fake.refusals == [429]
    assert len(fake.requests) == 2


@pytest.mark.parametrize("api", APIS)
async def test_a_model_too_slow_is_given_up_on_in_time(
    fake: FakeOpenAI, base_url: str, index: InMemoryDocumentIndex, api: ApiStyle
) -> None:
    fake.hang(times=5)
    client = openai_client(
        api_key=fake.api_key, base_url=base_url, timeout_seconds=0.3, max_retries=2
    )
    started = time.monotonic()

    with pytest.raises(UpstreamUnavailable, match="IGNACIO_AI_TIMEOUT_SECONDS"):
        await assistant(client, index, api, timeout_seconds=0.3).answer(turn("hola"))

    # The budget bounds the whole answer, the client's own retries included.
    assert time.monotonic() - started < 5
    await client.close()


@pytest.mark.parametrize("api", APIS)
async def test_a_server_that_keeps_failing_is_reported_unavailable(
    fake: FakeOpenAI, client: openai.AsyncOpenAI, index: InMemoryDocumentIndex, api: ApiStyle
) -> None:
    fake.fail(500, retry_after=0.01, times=3)

    with pytest.raises(UpstreamUnavailable, match="HTTP 500"):
        await assistant(client, index, api).answer(turn("hola"))

    assert fake.refusals == [500, 500, 500]


async def test_a_refused_key_says_which_setting_without_repeating_it(
    fake: FakeOpenAI, base_url: str, index: InMemoryDocumentIndex
) -> None:
    client = openai_client(api_key="sk-wrong-key-123", base_url=base_url, max_retries=2)

    with pytest.raises(UpstreamUnavailable) as raised:
        await assistant(client, index, ApiStyle.RESPONSES).answer(turn("hola"))

    assert "OPENAI_API_KEY" in raised.value.message
    assert "sk-wrong" not in raised.value.message
    # Not retried: a wrong key stays wrong.
    assert fake.refusals == [401]
    await client.close()


@pytest.mark.parametrize("api", APIS)
async def test_the_assistant_speaks_for_its_workspace_as_the_workspace_asks(
    fake: FakeOpenAI, client: openai.AsyncOpenAI, index: InMemoryDocumentIndex, api: ApiStyle
) -> None:
    clinic = msgspec.structs.replace(
        WORKSPACE,
        name="Clínica Sol",
        assistant=AssistantSettings(
            name="Sol", instructions="Never give a diagnosis; offer an appointment.", language="es"
        ),
    )
    fake.reply("Hola, soy Sol.")

    await assistant(client, index, api).answer(
        msgspec.structs.replace(turn("Hi"), workspace=clinic)
    )
    await assistant(client, index, api).answer(turn("Hi"))

    told, default = (request.instructions for request in fake.requests)
    assert told.startswith("You are Sol, the assistant of Clínica Sol")
    assert "Never give a diagnosis; offer an appointment." in told
    assert "Answer in the language whose tag is es" in told
    assert "Action Lab" not in told
    assert default.startswith("You are Ignacio, the assistant of Action Lab")
    assert "incubator" in default
    assert "Answer in the language the member writes in." in default


async def test_a_workspace_chooses_its_model_and_its_web_search(
    fake: FakeOpenAI, client: openai.AsyncOpenAI, index: InMemoryDocumentIndex
) -> None:
    own = msgspec.structs.replace(
        WORKSPACE, assistant=AssistantSettings(model="gpt-5-mini", web_search=True)
    )
    quiet = msgspec.structs.replace(WORKSPACE, assistant=AssistantSettings(web_search=False))
    answering = AgentsAssistant(
        agents_model(client, MODEL, ApiStyle.RESPONSES),
        model_name=MODEL,
        index=index,
        hosted_tools=True,
        web_search=False,
        other_model=lambda name: agents_model(client, name, ApiStyle.RESPONSES),
    )
    # The deployment's switch is off: the workspace's own setting wins both ways.
    chosen = await answering.answer(msgspec.structs.replace(turn("Hi"), workspace=own))
    deployment = await answering.answer(msgspec.structs.replace(turn("Hi"), workspace=quiet))

    first, second = fake.requests
    assert (first.model, chosen.model) == ("gpt-5-mini", "gpt-5-mini")
    assert {tool["type"] for tool in first.hosted_tools} == {"web_search"}
    assert (second.model, deployment.model) == (MODEL, MODEL)
    assert second.hosted_tools == []
