"""What does the assistant add to a turn beyond the model's own time?

The model answers instantly, so everything measured is Ignacio's and the Agents SDK's: building
the agent, its instructions and input, the SDK's run loop, the tools (a search of the member's
files through the in-memory DocumentIndex), and reading the result. Rows:

- `answer()` with an instant in-process model (the SDK's `Model` interface, no HTTP): a plain
  answer (one model call) and a search then an answer (two calls and a file search).
- `answer()` over HTTP to the fake OpenAI server, run in a process of its own so that it does not
  share this one's interpreter lock, answering at once: Chat Completions and the Responses API,
  plain and with a search. This adds the `openai` client, JSON both ways and loopback HTTP; the
  fake's own handling (a few hundred microseconds) is counted too, so these rows are an upper
  bound of the overhead.
- A whole web turn (SendMessage on the memory set: store the message, read the history window and
  the member's files, ask, store the answer) with a trivial assistant and with the Agents one over
  the instant in-process model: the difference is what the assistant adds to a turn.

Numbers only, no pass/fail:

    .venv/bin/python bench/assistant_overhead.py [--turns 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
from agents import Model, ModelResponse, ModelSettings, Tool
from agents.agent_output import AgentOutputSchemaBase
from agents.handoffs import Handoff
from agents.items import TResponseInputItem, TResponseStreamEvent
from agents.models.interface import ModelTracing
from agents.testing import assistant_message, function_call
from agents.usage import Usage
from openai.types.responses.response_prompt_param import ResponsePromptParam

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.fake_openai import (  # noqa: E402
    FakeOpenAI,
    ModelRequest,
    Reply,
    Step,
    ToolCall,
)
from tests.support.system import System, build_system  # noqa: E402

from ignacio.adapters.memory import InMemoryDocumentIndex  # noqa: E402
from ignacio.adapters.openai_agents import (  # noqa: E402
    AgentsAssistant,
    ApiStyle,
    agents_model,
    openai_client,
)
from ignacio.application.ports import (  # noqa: E402
    AssistantReply,
    AssistantTurn,
    DocumentIndex,
    IndexedFile,
)
from ignacio.application.use_cases.create_conversation import (  # noqa: E402
    CreateConversationCommand,
)
from ignacio.application.use_cases.send_message import SendMessageCommand  # noqa: E402
from ignacio.domain import Author, Conversation, Message, PhoneNumber, User  # noqa: E402
from ignacio.domain.knowledge import Chunk  # noqa: E402
from ignacio.domain.workspaces import first_workspace  # noqa: E402

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
QUESTION = "What does my plan say about the pilot budget?"
PARAGRAPH = (
    "The pilot runs for twelve weeks with thirty farms in the valley. Its budget is 10,000 euros, "
    "of which 6,000 go to sensors, 2,500 to field visits and the rest to the app. "
)


class InstantModel(Model):
    """Answers at once: calls `search_my_files` first when `search` and it has not yet, then
    answers in text. The SDK's `Model` interface, so the whole run loop is exercised."""

    def __init__(self, *, search: bool) -> None:
        self._search = search
        self._ids = itertools.count()

    async def get_response(
        self,
        system_instructions: str | None,
        input: str | list[TResponseInputItem],
        model_settings: ModelSettings,
        tools: list[Tool],
        output_schema: AgentOutputSchemaBase | None,
        handoffs: list[Handoff],
        tracing: ModelTracing,
        *,
        previous_response_id: str | None,
        conversation_id: str | None,
        prompt: ResponsePromptParam | None,
    ) -> ModelResponse:
        searched = isinstance(input, list) and any(
            isinstance(item, dict) and item.get("type") == "function_call_output" for item in input
        )
        if self._search and not searched:
            output = [
                function_call("search_my_files", {"query": "pilot budget"}, call_id=self._id())
            ]
        else:
            output = [assistant_message("The pilot budget is 10,000 € (plan.pdf, page 2).")]
        usage = Usage(requests=1, input_tokens=500, output_tokens=20, total_tokens=520)
        return ModelResponse(output=output, usage=usage, response_id=None)

    def stream_response(self, *args: Any, **kwargs: Any) -> AsyncIterator[TResponseStreamEvent]:
        raise NotImplementedError("The benchmark does not stream.")

    def _id(self) -> str:
        return f"call_{next(self._ids)}"


class TrivialAssistant:
    """A turn's cost without an assistant: answers at once with a fixed text."""

    async def answer(self, turn: AssistantTurn) -> AssistantReply:
        return AssistantReply(text="ok", model="trivial")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def row(name: str, durations: list[float]) -> str:
    ms = [d * 1000 for d in durations]
    return (
        f"| {name} | {len(ms)} | {percentile(ms, 0.5):.2f} | {percentile(ms, 0.9):.2f} | "
        f"{percentile(ms, 0.99):.2f} | {statistics.fmean(ms):.2f} |"
    )


async def timed(call: Callable[[], Awaitable[object]], turns: int, warmup: int) -> list[float]:
    for _ in range(warmup):
        await call()
    durations = []
    for _ in range(turns):
        started = time.perf_counter()
        await call()
        durations.append(time.perf_counter() - started)
    return durations


WORKSPACE = first_workspace(uuid4(), NOW)
"""The workspace of every turn, and of the member's files the turns search."""


async def member_index(user: User) -> InMemoryDocumentIndex:
    """A member with a 40-page plan (80 passages) and three other files."""
    index = InMemoryDocumentIndex()
    for number, name in enumerate(["plan.pdf", "deck.pptx", "budget.xlsx", "notes.docx"]):
        pages = 40 if number == 0 else 5
        await index.index(
            IndexedFile(
                workspace_id=WORKSPACE.id,
                user_id=user.id,
                file_id=uuid4(),
                file_name=name,
                media_type="application/pdf",
                chunks=[
                    Chunk(ordinal=page, text=f"{PARAGRAPH} Page {page}.", location=f"page {page}")
                    for page in range(pages * 2)
                ],
            )
        )
    return index


def a_turn(user: User, history: int = 10) -> AssistantTurn:
    workspace = WORKSPACE
    conversation = Conversation(
        id=uuid4(), workspace_id=workspace.id, user_id=user.id, created_at=NOW, updated_at=NOW
    )

    def message(n: int, text: str) -> Message:
        author = Author.MEMBER if n % 2 == 0 else Author.ASSISTANT
        return Message(
            id=uuid4(),
            workspace_id=workspace.id,
            conversation_id=conversation.id,
            user_id=user.id,
            author=author,
            content=text,
            created_at=NOW,
        )

    earlier = [message(n, f"Earlier message {n}: {PARAGRAPH}") for n in range(history)]
    return AssistantTurn(
        workspace=workspace,
        user=user,
        conversation=conversation,
        history=earlier,
        message=message(0, QUESTION),
    )


def searching_answer(request: ModelRequest) -> Step:
    """The fake server's model: a search first, then an answer."""
    if "search_my_files" in request.tools and not request.tool_outputs:
        return ToolCall("search_my_files", {"query": "pilot budget"}, f"call_{time.monotonic_ns()}")
    return Reply("The pilot budget is 10,000 € (plan.pdf, page 2).")


def serve_fake(port: int, search: bool) -> None:
    """Run in a child process: the fake OpenAI server, answering at once."""
    import uvicorn

    fake = FakeOpenAI()
    if search:
        fake.default = searching_answer
    uvicorn.run(fake.app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_fake(search: bool) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, __file__, "--serve-fake", str(port), *(["--search"] if search else [])],
        cwd=ROOT,
    )
    deadline = time.monotonic() + 90
    while True:
        try:
            httpx.post(f"http://127.0.0.1:{port}/v1/responses", timeout=1)
            break
        except httpx.TransportError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("the fake OpenAI server did not start") from None
            time.sleep(0.05)
    return process, f"http://127.0.0.1:{port}/v1"


async def web_turns(system: System, assistant: object, turns: int, warmup: int) -> list[float]:
    system.container.assistant.override(assistant)
    me = await system.access((await system.login("+34612345678")).user)
    conversation = await system.container.create_conversation()(me, CreateConversationCommand())
    send = system.container.send_message()

    async def turn() -> None:
        await send(me, SendMessageCommand(conversation_id=conversation.id, content=QUESTION))

    return await timed(turn, turns, warmup)


async def main(turns: int) -> None:
    warmup = max(turns // 10, 20)
    user = User(
        id=uuid4(),
        phone=PhoneNumber.parse("+34612345678"),
        name="Ana",
        created_at=NOW,
        updated_at=NOW,
    )
    index: DocumentIndex = await member_index(user)
    turn = a_turn(user)
    rows = []

    for search in (False, True):
        assistant = AgentsAssistant(InstantModel(search=search), model_name="instant", index=index)
        durations = await timed(partial(assistant.answer, turn), turns, warmup)
        label = "search + answer (2 model calls)" if search else "plain answer (1 model call)"
        rows.append(row(f"answer(), in-process instant model, {label}", durations))

    for search in (False, True):
        process, base_url = start_fake(search)
        try:
            client = openai_client(api_key="sk-fake-openai-key", base_url=base_url, max_retries=0)
            for api in (ApiStyle.CHAT_COMPLETIONS, ApiStyle.RESPONSES):
                assistant = AgentsAssistant(
                    agents_model(client, "fake-model", api), model_name="fake-model", index=index
                )
                durations = await timed(partial(assistant.answer, turn), turns, warmup)
                label = "search + answer" if search else "plain answer"
                rows.append(row(f"answer(), HTTP to the fake, {api.value}, {label}", durations))
            await client.close()
        finally:
            process.terminate()
            process.wait(timeout=10)

    system = build_system(fake_clock=False)
    baseline = await web_turns(system, TrivialAssistant(), turns, warmup)
    rows.append(row("web turn (SendMessage, memory), trivial assistant", baseline))
    system = build_system(fake_clock=False)
    agents_index = system.container.document_index()
    with_agent = await web_turns(
        system,
        AgentsAssistant(InstantModel(search=True), model_name="instant", index=agents_index),
        turns,
        warmup,
    )
    rows.append(
        row("web turn (SendMessage, memory), Agents assistant, search + answer", with_agent)
    )

    print(
        f"# Assistant overhead — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n\n"
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; a turn with 10 earlier messages (~2,000 characters of "
        "history), a member with 4 files (100 passages). Milliseconds.\n"
    )
    print("| measure | turns | p50 | p90 | p99 | mean |")
    print("|---|---|---|---|---|---|")
    for line in rows:
        print(line)
    extra_p50 = percentile(with_agent, 0.5) - percentile(baseline, 0.5)
    extra_p99 = percentile(with_agent, 0.99) - percentile(baseline, 0.99)
    print(
        f"\nThe Agents assistant adds {extra_p50 * 1000:.2f} ms at p50 and {extra_p99 * 1000:.2f} "
        "ms at p99 to a web turn, beyond the model's own time (instant here)."
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--turns", type=int, default=1000)
    parser.add_argument("--serve-fake", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--search", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.serve_fake:
        serve_fake(arguments.serve_fake, arguments.search)
    else:
        asyncio.run(main(arguments.turns))
