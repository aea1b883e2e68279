"""Workflow steps on the memory set: admins define them, a scripted model records answers through
its tool with good, wrong and malicious arguments (none kept invalid, none crossing members or
workspaces), the team corrects them (audited), the inbox filters qualified members, admins export
the answers as CSV, and the offline assistant says steps wait for a model."""

from __future__ import annotations

import csv
import io
import json
from typing import Any
from uuid import UUID, uuid4

import pytest
from agents.testing import ScriptedModel, assistant_message, function_call

from ignacio.adapters.offline_assistant import OfflineAssistant
from ignacio.adapters.openai_agents import AgentsAssistant
from ignacio.application.ports import UnitOfWork
from ignacio.application.use_cases.create_conversation import CreateConversationCommand
from ignacio.application.use_cases.create_user import CreateUserCommand
from ignacio.application.use_cases.manage_workspaces import CreateWorkspaceCommand
from ignacio.application.use_cases.send_message import SendMessageCommand
from ignacio.application.use_cases.team_inbox import InboxQuery
from ignacio.application.use_cases.workflow import ReplaceWorkflowCommand, SetAnswerCommand
from ignacio.application.use_cases.workspace_members import AddMemberCommand
from ignacio.domain import (
    Author,
    InboundMessage,
    InvalidInput,
    MessageType,
    NotFound,
    PermissionDenied,
    PhoneNumber,
    Provider,
    Sender,
    User,
)
from ignacio.domain.workflow import StepKind, Workflow, WorkflowStep
from ignacio.domain.workspaces import WorkspaceAccess, WorkspaceRole
from tests.support.system import System, build_system

MEMBER = "+34612345678"
OTHER_MEMBER = "+34612345679"
AGENT = "+34600000002"
ADMIN = "+34600000001"
MODEL = "scripted-model"

STEPS = (
    WorkflowStep(key="email", prompt="Ask for the email we should write to.", kind=StepKind.EMAIL),
    WorkflowStep(
        key="stage",
        prompt="Ask how far their project is.",
        kind=StepKind.CHOICE,
        options=("Idea", "Prototype", "Revenue"),
    ),
    WorkflowStep(key="budget", prompt="Ask their budget in euros.", kind=StepKind.NUMBER),
    WorkflowStep(
        key="start", prompt="Ask when they want to start.", kind=StepKind.DATE, required=False
    ),
)


@pytest.fixture
def system() -> System:
    return build_system()


async def team(system: System) -> tuple[User, User]:
    container = system.container
    admin = await container.create_user()(None, CreateUserCommand(phone=ADMIN, is_admin=True))
    added = await container.add_workspace_member()(
        admin, "default", AddMemberCommand(phone=AGENT, role=WorkspaceRole.AGENT, name="Marta")
    )
    return admin, added.user


async def with_steps(system: System, admin: User) -> WorkspaceAccess:
    access = await system.access(admin, "default")
    await system.container.replace_workflow()(access, ReplaceWorkflowCommand(steps=STEPS))
    return access


async def member_writes(system: System, text: str, phone: str = MEMBER) -> None:
    system.clock.advance(seconds=1)
    received = await system.container.receive_inbound()(
        InboundMessage(
            provider=Provider.WHATSAPP_CLOUD,
            external_id=f"wamid.{uuid4().hex}",
            sender=Sender(phone=PhoneNumber.parse(phone)),
            sent_at=system.clock.now(),
            message_type=MessageType.TEXT,
            text=text,
        )
    )
    assert received.message_id is not None
    await system.container.process_inbound()(received.message_id)


def scripted(system: System, *steps: Any) -> ScriptedModel:
    model = ScriptedModel(list(steps))
    container = system.container
    container.assistant.override(
        AgentsAssistant(
            model,
            model_name=MODEL,
            index=container.document_index(),
            steps=container.step_recorder(),
        )
    )
    return model


def calls(*arguments: Any) -> list[Any]:
    """One model step calling record_step_answer with each of `arguments` (raw JSON text when
    a string, else an object)."""
    return [
        function_call("record_step_answer", argument, call_id=f"c{n}")
        for n, argument in enumerate(arguments)
    ]


def tool_outputs(model: ScriptedModel) -> dict[str, str]:
    """What the tool answered each call, as the model was given it in its next request."""
    outputs: dict[str, str] = {}
    for call in model.calls:
        for item in call.input if isinstance(call.input, list) else []:
            if isinstance(item, dict) and item.get("type") == "function_call_output":
                outputs[item["call_id"]] = str(item["output"])
    return outputs


async def member_id(system: System, phone: str = MEMBER) -> UUID:
    uow: UnitOfWork
    async with system.container.uow()(read_only=True) as uow:
        user = await uow.users.get_by_phone(PhoneNumber.parse(phone))
    assert user is not None
    return user.id


def answers(system: System) -> dict[tuple[UUID, UUID, str], str]:
    store = system.container.memory_store()
    return {where: answer.value for where, answer in store.step_answers.items()}


async def test_only_admins_change_the_steps_and_the_change_is_audited(system: System) -> None:
    admin, agent = await team(system)
    container = system.container
    with pytest.raises(PermissionDenied):
        await container.replace_workflow()(
            await system.access(agent, "default"), ReplaceWorkflowCommand(steps=STEPS)
        )
    access = await with_steps(system, admin)
    assert await container.get_workflow()(await system.access(agent, "default")) == Workflow(
        steps=STEPS
    )
    entries = [
        e for e in container.memory_store().audit_log.values() if e.action == "workflow.update"
    ]
    (entry,) = entries
    assert entry.details == {"keys_before": [], "keys": ["email", "stage", "budget", "start"]}
    assert entry.workspace_id == access.workspace.id
    # Two steps with one key, or too many: refused, with the reason.
    with pytest.raises(InvalidInput, match="share the key"):
        await container.replace_workflow()(
            access, ReplaceWorkflowCommand(steps=(STEPS[0], STEPS[0]))
        )


async def test_a_member_reads_no_steps(system: System) -> None:
    admin, _ = await team(system)
    await with_steps(system, admin)
    me = (await system.login(MEMBER)).user
    with pytest.raises(PermissionDenied):
        await system.container.get_workflow()(await system.access(me))


async def test_the_model_records_good_answers_in_normal_form(system: System) -> None:
    admin, agent = await team(system)
    await with_steps(system, admin)
    model = scripted(
        system,
        calls(
            {"key": "email", "value": " Ana@Example.ORG "},
            {"key": "stage", "value": "prototype"},
            {"key": "budget", "value": "12 000,50"},
        ),
        [assistant_message("¡Gracias, Ana! ¿Cuándo te gustaría empezar?")],
    )
    await member_writes(system, "Soy Ana, ana@example.org, tengo un prototipo y 12 000,50 €")

    ana = await member_id(system)
    home = (await system.access(admin, "default")).workspace.id
    assert answers(system) == {
        (home, ana, "email"): "Ana@example.org",
        (home, ana, "stage"): "Prototype",
        (home, ana, "budget"): "12000.5",
    }
    first = model.calls[0]
    assert [tool.name for tool in first.tools if tool.name == "record_step_answer"] == [
        "record_step_answer"
    ]
    instructions = first.system_instructions or ""
    assert "one open step at a time" in instructions
    assert "- email (required; email): Ask for the email we should write to." in instructions
    assert "- stage (required; one of: Idea, Prototype, Revenue)" in instructions
    assert set(tool_outputs(model).values()) == {
        "Recorded email = Ana@example.org.",
        "Recorded stage = Prototype.",
        "Recorded budget = 12000.5.",
    }
    model.assert_complete()

    # Next turn: only the open step is in the instructions, and the member is qualified.
    model = scripted(system, [assistant_message("¡Perfecto!")])
    await member_writes(system, "Gracias")
    instructions = model.calls[0].system_instructions or ""
    assert "- start (optional;" in instructions and "- email" not in instructions
    page = await system.container.list_inbox()(
        await system.access(agent, "default"), InboxQuery(qualified=True)
    )
    (line,) = page.items
    assert line.progress is not None and line.progress.qualified
    assert (line.progress.done, line.progress.steps) == (3, 4)


async def test_on_the_web_too_the_open_steps_reach_the_model(system: System) -> None:
    admin, _ = await team(system)
    await with_steps(system, admin)
    me = (await system.login(MEMBER)).user
    access = await system.access(me)
    container = system.container
    chat = (await container.create_conversation()(access, CreateConversationCommand())).id
    model = scripted(
        system,
        calls({"key": "stage", "value": "IDEA"}),
        [assistant_message("¡Genial!")],
        [assistant_message("Gracias por el archivo.")],
    )
    await container.send_message()(
        access, SendMessageCommand(conversation_id=chat, content="Solo tengo una idea")
    )
    await container.attach_file()(access, chat, "plan.txt", b"Mi plan", "Mira mi plan")

    assert answers(system) == {(access.workspace.id, me.id, "stage"): "Idea"}
    first, _, after_file = model.calls
    assert "- stage (required; one of: Idea, Prototype, Revenue)" in (
        first.system_instructions or ""
    )
    # The answer recorded, the stage is no longer open when the file comes.
    assert "- stage" not in (after_file.system_instructions or "")
    assert "- email (required; email)" in (after_file.system_instructions or "")
    model.assert_complete()


MALICIOUS: list[Any] = [
    {"key": "email", "value": "not an email"},  # wrong type
    {"key": "budget", "value": "twelve"},
    {"key": "stage", "value": "Unicorn"},  # not an option
    {"key": "start", "value": "next friday"},
    {"key": "salary", "value": "1000"},  # unknown key
    {"key": "email", "value": "a" * 10_000 + "@example.org"},  # oversized
    {"key": "note", "value": ["x"] * 10_000},  # 10,000 items, not a string
    {"key": "email", "value": {"$set": "x@example.org"}},
    {"key": "email"},  # missing value
    '{"key": "email", "value": "x@example.org"',  # broken JSON
    "[]",
]


async def test_wrong_and_malicious_calls_keep_nothing_and_go_back_to_the_model(
    system: System,
) -> None:
    admin, _ = await team(system)
    await with_steps(system, admin)
    model = scripted(system, calls(*MALICIOUS), [assistant_message("¿Me repites tu email?")])
    await member_writes(system, "Hola")

    assert answers(system) == {}
    outputs = tool_outputs(model)
    assert len(outputs) == len(MALICIOUS)
    assert all(not output.startswith("Recorded") for output in outputs.values())
    assert "is an email address" in outputs["c0"]
    assert "is one of: Idea, Prototype, Revenue" in outputs["c2"]
    assert "There is no step 'salary'. The steps are: email, stage, budget, start." in outputs["c4"]
    assert "too long" in outputs["c5"]
    # Arguments of the wrong shape never reach the tool: the model is told how to call it.
    assert all("with two strings" in outputs[f"c{n}"] for n in range(6, len(MALICIOUS)))
    model.assert_complete()


async def test_the_member_and_workspace_are_the_turn_s_whatever_the_model_says(
    system: System,
) -> None:
    admin, _ = await team(system)
    access = await with_steps(system, admin)
    container = system.container
    other = await container.create_workspace()(admin, CreateWorkspaceCommand(name="Elsewhere"))
    elsewhere = await system.access(admin, other.slug)
    await container.replace_workflow()(elsewhere, ReplaceWorkflowCommand(steps=STEPS))
    # Another member, known to the system, in the same workspace.
    await member_writes(system, "Hola", phone=OTHER_MEMBER)
    someone_else = await member_id(system, OTHER_MEMBER)
    model = scripted(
        system,
        calls(
            {
                "key": "email",
                "value": "eve@example.org",
                "user_id": str(someone_else),
                "workspace_id": str(other.id),
            },
        ),
        [assistant_message("Hecho.")],
    )
    await member_writes(system, "Apunta este email para otra persona: eve@example.org")

    ana = await member_id(system)
    # The extra arguments are refused or ignored: at most the turn's own member got it.
    kept = answers(system)
    assert set(kept) <= {(access.workspace.id, ana, "email")}
    assert all(user == ana and workspace == access.workspace.id for workspace, user, _ in kept)
    model.assert_complete()


async def test_the_team_corrects_and_clears_answers_audited_in_its_own_workspace_only(
    system: System,
) -> None:
    admin, agent = await team(system)
    await with_steps(system, admin)
    await member_writes(system, "Hola")
    container = system.container
    as_agent = await system.access(agent, "default")
    (line,) = (await container.list_inbox()(as_agent, InboxQuery())).items
    chat = line.conversation.id

    view = await container.set_step_answer()(
        as_agent, chat, SetAnswerCommand(key="email", value="ANA@EXAMPLE.ORG")
    )
    assert view.progress.answers["email"].value == "ANA@example.org"
    assert view.progress.answers["email"].set_by == agent.id and agent.id in view.people
    with pytest.raises(InvalidInput, match="is a number"):
        await container.set_step_answer()(
            as_agent, chat, SetAnswerCommand(key="budget", value="lots")
        )
    with pytest.raises(NotFound):
        await container.set_step_answer()(
            as_agent, uuid4(), SetAnswerCommand(key="email", value="x@example.org")
        )
    # A member of the workspace is not its team.
    me = (await system.login(MEMBER)).user
    with pytest.raises(PermissionDenied):
        await container.set_step_answer()(
            await system.access(me), chat, SetAnswerCommand(key="email", value="x@example.org")
        )
    # Another workspace's team does not find the conversation.
    other = await container.create_workspace()(admin, CreateWorkspaceCommand(name="Elsewhere"))
    with pytest.raises(NotFound):
        await container.clear_step_answer()(await system.access(admin, other.slug), chat, "email")

    view = await container.clear_step_answer()(as_agent, chat, "email")
    assert view.progress.answers == {}
    with pytest.raises(NotFound):
        await container.clear_step_answer()(as_agent, chat, "email")
    actions = [
        (e.action, e.details.get("key"))
        for e in sorted(container.memory_store().audit_log.values(), key=lambda e: e.created_at)
        if e.action.startswith("workflow.answer")
    ]
    assert actions == [("workflow.answer.update", "email"), ("workflow.answer.delete", "email")]
    # The value is never in the log.
    assert "example.org" not in json.dumps(
        [e.details for e in container.memory_store().audit_log.values()]
    )


async def test_changing_the_steps_keeps_the_answers_and_requalifies(system: System) -> None:
    admin, agent = await team(system)
    access = await with_steps(system, admin)
    await member_writes(system, "Hola")
    container = system.container
    as_agent = await system.access(agent, "default")
    chat = (await container.list_inbox()(as_agent, InboxQuery())).items[0].conversation.id
    for key, value in (("email", "a@example.org"), ("stage", "Idea"), ("budget", "10")):
        await container.set_step_answer()(as_agent, chat, SetAnswerCommand(key=key, value=value))

    async def qualified() -> tuple[int, int]:
        yes = await container.list_inbox()(as_agent, InboxQuery(qualified=True))
        no = await container.list_inbox()(as_agent, InboxQuery(qualified=False))
        return len(yes.items), len(no.items)

    assert await qualified() == (1, 0)
    # A new required step: in progress again; the answers are all still there.
    phone = WorkflowStep(key="phone", prompt="Ask for a phone.", kind=StepKind.PHONE)
    await container.replace_workflow()(access, ReplaceWorkflowCommand(steps=(*STEPS, phone)))
    assert await qualified() == (0, 1)
    view = await container.get_progress()(as_agent, chat)
    assert set(view.progress.answers) == {"email", "stage", "budget"}
    # Steps removed: their answers stay (and export), only the remaining ones count.
    await container.replace_workflow()(access, ReplaceWorkflowCommand(steps=STEPS[:1]))
    assert await qualified() == (1, 0)
    assert set((await container.get_progress()(as_agent, chat)).progress.answers) == {
        "email",
        "stage",
        "budget",
    }


async def test_admins_export_the_answers_as_csv_safe_from_formulas(system: System) -> None:
    admin, agent = await team(system)
    access = await with_steps(system, admin)
    container = system.container
    with pytest.raises(PermissionDenied):
        await container.export_answers()(await system.access(agent, "default"))
    await member_writes(system, "Hola")
    await member_writes(system, "Hola", phone=OTHER_MEMBER)
    as_agent = await system.access(agent, "default")
    lines = (await container.list_inbox()(as_agent, InboxQuery())).items
    by_member = {line.conversation.user_id: line.conversation.id for line in lines}
    ana, ben = await member_id(system), await member_id(system, OTHER_MEMBER)
    await container.set_step_answer()(
        as_agent, by_member[ana], SetAnswerCommand(key="email", value="=2+5@x.org")
    )
    await container.set_step_answer()(
        as_agent, by_member[ana], SetAnswerCommand(key="budget", value="-5")
    )
    await container.set_step_answer()(
        as_agent, by_member[ben], SetAnswerCommand(key="stage", value="idea")
    )

    exported = await container.export_answers()(access)

    rows = list(csv.reader(io.StringIO(exported)))
    assert rows[0] == [
        "member_id",
        "name",
        "phone",
        "qualified",
        "email",
        "stage",
        "budget",
        "start",
    ]
    by_id = {row[0]: row for row in rows[1:]}
    assert set(by_id) == {str(ana), str(ben)}
    assert by_id[str(ana)][2:] == ["'+34612345678", "no", "'=2+5@x.org", "", "'-5", ""]
    assert by_id[str(ben)][3:] == ["no", "", "Idea", "", ""]
    assert any(e.action == "workflow.download" for e in container.memory_store().audit_log.values())


def answers_sent(system: System) -> str:
    store = system.container.memory_store()
    return "\n".join(m.content for m in store.messages.values() if m.author is Author.ASSISTANT)


async def test_without_a_model_the_member_is_told_steps_wait_for_one(system: System) -> None:
    container = system.container
    container.assistant.override(OfflineAssistant(container.document_index()))
    admin, _ = await team(system)
    await member_writes(system, "Hola")
    assert "collected only with a model connected" not in answers_sent(system)
    await with_steps(system, admin)
    await member_writes(system, "Hola", phone=OTHER_MEMBER)
    assert (
        "Action Lab also asks everyone here a few questions; those are collected only with a "
        "model connected." in answers_sent(system)
    )
