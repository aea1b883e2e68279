"""Summaries for the team, on the memory set: made by themselves when a conversation is handed
over (on WhatsApp by `/human`, on the web by the model's hand_to_team tool), in the background;
asked for by the team; read with the thread; and what they cost, kept with them."""

from __future__ import annotations

from uuid import UUID, uuid4

import pytest
from agents.testing import ModelStep, ScriptedModel, assistant_message, function_call
from agents.usage import Usage

from ignacio.adapters.offline_assistant import OFFLINE_MODEL, OfflineSummarizer
from ignacio.adapters.openai_agents import AgentsAssistant, AgentsSummarizer
from ignacio.application.ports import SummaryDraft, SummarySource
from ignacio.application.use_cases.create_conversation import CreateConversationCommand
from ignacio.application.use_cases.create_user import CreateUserCommand
from ignacio.application.use_cases.send_message import SendMessageCommand
from ignacio.application.use_cases.team_inbox import InboxQuery
from ignacio.application.use_cases.workspace_members import AddMemberCommand
from ignacio.domain import (
    Conflict,
    InboundMessage,
    MessageType,
    NotFound,
    PageRequest,
    PermissionDenied,
    PhoneNumber,
    Provider,
    Sender,
    UpstreamUnavailable,
    User,
)
from ignacio.domain.handover import ConversationState
from ignacio.domain.summaries import ConversationSummary
from ignacio.domain.workspaces import WorkspaceRole
from ignacio.entrypoints.runtime import login_code_sender, summary_writer
from tests.support.fakes import RecordingQueue
from tests.support.system import System, build_system

MEMBER = "+34612345678"
AGENT = "+34600000002"
ADMIN = "+34600000001"
MODEL = "scripted-model"


class FlakySummarizer:
    """The offline summarizer behind a model that is unavailable `failures` times first."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.calls = 0

    async def summarize(self, source: SummarySource) -> SummaryDraft:
        self.calls += 1
        if self.failures:
            self.failures -= 1
            raise UpstreamUnavailable("The model server failed (HTTP 500); try again later.")
        return await OfflineSummarizer().summarize(source)


@pytest.fixture
def system() -> System:
    system = build_system()
    container = system.container

    async def process(message_id: UUID) -> float | None:
        return (await container.process_inbound()(message_id)).retry_in

    # As the app's start binds them: WhatsApp messages and summaries run in the background.
    container.job_queue().bind(
        process, login_code=login_code_sender(container), summary=summary_writer(container)
    )
    return system


async def people(system: System) -> tuple[User, User]:
    """The platform's admin and an agent of the default workspace."""
    container = system.container
    admin = await container.create_user()(None, CreateUserCommand(phone=ADMIN, is_admin=True))
    added = await container.add_workspace_member()(
        admin, "default", AddMemberCommand(phone=AGENT, role=WorkspaceRole.AGENT, name="Marta")
    )
    return admin, added.user


async def member_writes(system: System, text: str) -> None:
    """A WhatsApp message from the member, stored, answered and every job after it run."""
    system.clock.advance(seconds=1)
    received = await system.container.receive_inbound()(
        InboundMessage(
            provider=Provider.WHATSAPP_CLOUD,
            external_id=f"wamid.{uuid4().hex}",
            sender=Sender(phone=PhoneNumber.parse(MEMBER)),
            sent_at=system.clock.now(),
            message_type=MessageType.TEXT,
            text=text,
        )
    )
    assert received.message_id is not None
    await system.settle()


async def only_conversation(system: System, agent: User) -> UUID:
    page = await system.container.list_inbox()(await system.access(agent, "default"), InboxQuery())
    (line,) = page.items
    return line.conversation.id


async def summaries_of(system: System, conversation_id: UUID) -> list[ConversationSummary]:
    store = system.container.memory_store()
    kept = [s for s in store.summaries.values() if s.conversation_id == conversation_id]
    return sorted(kept, key=lambda summary: summary.created_at)


async def test_asking_for_a_person_on_whatsapp_leaves_a_summary_for_the_team(
    system: System,
) -> None:
    _, agent = await people(system)
    await member_writes(system, "Hola, quiero cambiar mi cita del martes. ¿Puede ser el jueves?")
    conversation = await only_conversation(system, agent)
    assert await summaries_of(system, conversation) == []

    await member_writes(system, "/human")

    (summary,) = await summaries_of(system, conversation)
    assert summary.automatic and summary.model == OFFLINE_MODEL
    assert (summary.input_tokens, summary.output_tokens) == (0, 0)
    assert summary.text.startswith("Extractive summary")
    assert "“¿Puede ser el jueves?”" in summary.text
    assert "Handed to the team because: The member asked for a person." in summary.text
    # It covers everything up to the notice the member was sent.
    thread = await system.container.get_inbox_thread()(
        await system.access(agent, "default"), conversation
    )
    assert thread.conversation.state is ConversationState.WAITING
    assert thread.summary is not None and thread.summary.summary == summary
    assert not thread.summary.stale and thread.summary.requested_by is None
    async with system.container.uow()(read_only=True) as uow:
        (*_, notice) = await uow.messages.recent(conversation, 10)
    assert summary.last_message_id == notice.id and summary.messages_read == 4

    # Run again (a queue may): the summary covers the newest message, so nothing is made.
    assert await system.container.summarize_handed_over()(conversation) is None
    assert len(await summaries_of(system, conversation)) == 1
    # The member writes on while waiting: the summary is stale, and the thread says so.
    await member_writes(system, "¿Hola?")
    thread = await system.container.get_inbox_thread()(
        await system.access(agent, "default"), conversation
    )
    assert thread.summary is not None and thread.summary.stale


async def test_the_model_handing_over_on_the_web_leaves_a_summary_with_what_it_cost(
    system: System,
) -> None:
    me = (await system.login(MEMBER)).user
    access = await system.access(me)
    chat = (await system.container.create_conversation()(access, CreateConversationCommand())).id
    model = ScriptedModel(
        [
            [
                function_call(
                    "hand_to_team",
                    {"reason": "Wants a refund", "member_asked": False},
                    call_id="c1",
                )
            ],
            [assistant_message("Una persona del equipo te responderá aquí.")],
            ModelStep(
                output=[assistant_message("- Ana wants the course fee back.\n- Open: the refund.")],
                usage=Usage(requests=1, input_tokens=412, output_tokens=17, total_tokens=429),
            ),
        ]
    )
    container = system.container
    index = container.document_index()
    container.assistant.override(AgentsAssistant(model, model_name=MODEL, index=index))
    container.summarizer.override(AgentsSummarizer(model, model_name=MODEL))

    result = await container.send_message()(
        access,
        SendMessageCommand(conversation_id=chat, content="Quiero que me devuelvan el dinero"),
    )
    # The member's request did not wait for the summary: it is written in the background.
    assert result.reply is not None and len(model.calls) == 2
    await system.settle()

    (summary,) = await summaries_of(system, chat)
    assert summary.text == "- Ana wants the course fee back.\n- Open: the refund."
    assert (summary.model, summary.input_tokens, summary.output_tokens) == (MODEL, 412, 17)
    assert summary.latency_ms is not None and summary.requested_by is None
    assert summary.last_message_id == result.reply.id and summary.messages_read == 2
    assert len(model.calls) == 3
    writing = model.calls[-1]
    assert writing.tools == [] and "handover notes" in (writing.system_instructions or "")
    model.assert_complete()


async def test_a_person_of_the_team_asks_for_a_summary_and_it_is_audited(system: System) -> None:
    admin, agent = await people(system)
    await member_writes(system, "Necesito el certificado de asistencia del curso.")
    conversation = await only_conversation(system, agent)
    access = await system.access(agent, "default")

    view = await system.container.summarize_conversation()(access, conversation)

    summary = view.summary
    assert summary.requested_by == agent.id and view.requested_by == agent and not view.stale
    assert "“Necesito el certificado de asistencia del curso.”" in summary.text
    assert await system.container.get_summary()(access, conversation) == view
    async with system.container.uow()(read_only=True) as uow:
        audit = await uow.audit_log.list(access.workspace.id, PageRequest(limit=10))
    (entry,) = [e for e in audit.items if e.action == "conversation.summarize"]
    assert (entry.actor_id, entry.target_id) == (agent.id, str(conversation))
    assert entry.details == {"summary_id": str(summary.id), "model": OFFLINE_MODEL}
    # Asked for, not handed over: nothing was queued in the background.
    assert await summaries_of(system, conversation) == [summary]

    await member_writes(system, "¿Lo tenéis?")
    assert (await system.container.get_summary()(access, conversation)).stale
    # A platform admin is of every workspace's team.
    fresh = await system.container.summarize_conversation()(
        await system.access(admin, "default"), conversation
    )
    assert not fresh.stale and fresh.summary.messages_read == 4


async def test_only_the_team_of_the_conversation_s_workspace_reads_or_asks(
    system: System,
) -> None:
    _, agent = await people(system)
    await member_writes(system, "Hola")
    conversation = await only_conversation(system, agent)
    container = system.container
    member = await container.add_workspace_member()(
        await system.container.create_user()(
            None, CreateUserCommand(phone="+34600000009", is_admin=True)
        ),
        "default",
        AddMemberCommand(phone="+34600000005"),
    )
    as_member = await system.access(member.user, "default")

    with pytest.raises(PermissionDenied):
        await container.summarize_conversation()(as_member, conversation)
    with pytest.raises(PermissionDenied):
        await container.get_summary()(as_member, conversation)
    as_agent = await system.access(agent, "default")
    with pytest.raises(NotFound):
        await container.summarize_conversation()(as_agent, uuid4())
    with pytest.raises(NotFound, match="no summary yet"):
        await container.get_summary()(as_agent, conversation)


async def test_a_conversation_without_messages_has_nothing_to_summarise(system: System) -> None:
    admin, _ = await people(system)
    chat = await system.container.create_conversation()(
        await system.access(admin, "default"), CreateConversationCommand()
    )

    with pytest.raises(Conflict, match="nothing to summarise"):
        await system.container.summarize_conversation()(
            await system.access(admin, "default"), chat.id
        )
    assert await system.container.summarize_handed_over()(chat.id) is None


async def test_the_model_unavailable_keeps_nothing_when_asked_and_the_job_retries_then_gives_up(
    system: System,
) -> None:
    _, agent = await people(system)
    flaky = FlakySummarizer(failures=100)
    system.container.summarizer.override(flaky)
    await member_writes(system, "Hola")
    await member_writes(system, "/human")
    conversation = await only_conversation(system, agent)
    # The handoff's job ran every attempt the retry policy allows, then gave up.
    retry = system.container.retry_policy()
    assert flaky.calls == retry.max_attempts
    access = await system.access(agent, "default")

    with pytest.raises(UpstreamUnavailable):
        await system.container.summarize_conversation()(access, conversation)

    assert await summaries_of(system, conversation) == []
    async with system.container.uow()(read_only=True) as uow:
        audit = await uow.audit_log.list(access.workspace.id, PageRequest(limit=50))
    assert "conversation.summarize" not in [entry.action for entry in audit.items]
    job = system.container.summarize_handed_over()
    assert await job(conversation, 1) is not None  # try again later
    assert await job(conversation, retry.max_attempts) is None  # spent: given up
    assert await job(conversation, retry.max_attempts + 1) is None  # and not even tried
    # Back again: the next attempt keeps the summary.
    flaky.failures = 0
    assert await job(conversation, 2) is None
    assert len(await summaries_of(system, conversation)) == 1


async def test_each_handoff_queues_one_summary_once_committed_and_only_then(
    system: System,
) -> None:
    queue = RecordingQueue()
    system.container.job_queue.override(queue)
    me = (await system.login(MEMBER)).user
    access = await system.access(me)
    chat = (await system.container.create_conversation()(access, CreateConversationCommand())).id
    send = system.container.send_message()

    await send(access, SendMessageCommand(conversation_id=chat, content="Hola"))
    assert queue.summaries == []
    await send(access, SendMessageCommand(conversation_id=chat, content="/human"))
    assert queue.summaries == [chat]
    # Already with the team: no handoff, no second summary.
    await send(access, SendMessageCommand(conversation_id=chat, content="/human"))
    assert queue.summaries == [chat]
    # The web app's button on another conversation: the same.
    other = (await system.container.create_conversation()(access, CreateConversationCommand())).id
    ask = system.container.ask_for_a_person()
    await ask(access, other)
    await ask(access, other)
    assert queue.summaries == [chat, other]


async def test_a_conversation_handed_back_before_its_job_runs_gets_no_summary(
    system: System,
) -> None:
    queue = RecordingQueue()
    system.container.job_queue.override(queue)
    _, agent = await people(system)
    me = (await system.login(MEMBER)).user
    access = await system.access(me)
    chat = (await system.container.create_conversation()(access, CreateConversationCommand())).id
    await system.container.send_message()(
        access, SendMessageCommand(conversation_id=chat, content="/human")
    )
    await system.container.hand_back_conversation()(await system.access(agent, "default"), chat)

    assert queue.summaries == [chat]
    assert await system.container.summarize_handed_over()(chat) is None
    assert await summaries_of(system, chat) == []
