"""Records on the memory set: made by the assistant's tools over a scripted model (good, wrong
and malicious arguments), by `/report` and `/proposal` without a model, confirmed by the
member, read, commented on and resolved by the team, who tell the member on WhatsApp."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID, uuid4

import msgspec
import pytest
from agents import FunctionTool
from agents.testing import ScriptedModel, assistant_message, function_call

from ignacio.adapters.openai_agents import AgentsAssistant
from ignacio.application.ports import RecordFilter
from ignacio.application.use_cases.create_user import CreateUserCommand
from ignacio.application.use_cases.records import RecordQuery
from ignacio.application.use_cases.workspace_members import AddMemberCommand
from ignacio.domain import (
    Author,
    Conflict,
    InboundMessage,
    InvalidInput,
    MessageType,
    NotFound,
    PageRequest,
    PermissionDenied,
    PhoneNumber,
    Provider,
    Sender,
    User,
)
from ignacio.domain.records import (
    FieldKind,
    FieldSpec,
    OwnerNotice,
    Record,
    RecordStatus,
    RecordType,
)
from ignacio.domain.templates import MessageTemplate
from ignacio.domain.workspaces import AssistantSettings, WorkspaceRole
from ignacio.entrypoints.runtime import login_code_sender
from tests.support.system import System, build_system, settings_for_tests

MEMBER = "+34612345678"
OTHER = "+34612345679"
AGENT = "+34600000002"
ADMIN = "+34600000001"
PUBLIC = "https://ignacio.example.org"
EXAMPLE = "Need to add login page and user dashboard by Friday, about 8 hours"
PROPOSAL_FIELDS = {
    "summary": "Login page and user dashboard",
    "items": [
        {"type": "feature", "title": "Login page", "estimatedHours": 3, "dueDate": "Friday"},
        {"type": "feature", "title": "User dashboard", "estimatedHours": 5, "dueDate": "Friday"},
    ],
    "totalEstimatedHours": 8,
    "confidence": 0.7,
}


@pytest.fixture
def system() -> System:
    system = build_system(settings_for_tests(IGNACIO_PUBLIC_URL=PUBLIC))
    container = system.container

    async def process(message_id: UUID) -> float | None:
        return (await container.process_inbound()(message_id)).retry_in

    container.job_queue().bind(process, login_code=login_code_sender(container))
    return system


def call(name: str, arguments: dict[str, Any]) -> Any:
    return function_call(name, arguments, call_id=f"call-{uuid4().hex[:8]}")


def scripted(system: System, *steps: Any) -> ScriptedModel:
    model = ScriptedModel(list(steps))
    system.container.assistant.override(
        AgentsAssistant(
            model,
            model_name="scripted-model",
            index=system.container.document_index(),
            records=system.container.assistant_records(),
        )
    )
    return model


async def writes(system: System, phone: str, text: str) -> None:
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
    await system.settle()


async def user(system: System, phone: str) -> User:
    async with system.container.uow()(read_only=True) as uow:
        found: User | None = await uow.users.get_by_phone(PhoneNumber.parse(phone))
    assert found is not None
    return found


async def all_records(system: System) -> list[Record]:
    async with system.container.uow()(read_only=True) as uow:
        home = await uow.workspaces.get_by_slug("default")
        assert home is not None
        page = await uow.records.list(home.id, RecordFilter(), PageRequest(limit=200))
    return list(page.items)


async def set_workspace(system: System, **changes: Any) -> None:
    async with system.container.uow()() as uow:
        home = await uow.workspaces.get_by_slug("default")
        assert home is not None
        await uow.workspaces.update(msgspec.structs.replace(home, **changes))
        await uow.commit()


async def team(system: System) -> tuple[User, User]:
    container = system.container
    admin = await container.create_user()(None, CreateUserCommand(phone=ADMIN, is_admin=True))
    added = await container.add_workspace_member()(
        admin, "default", AddMemberCommand(phone=AGENT, role=WorkspaceRole.AGENT, name="Marta")
    )
    return admin, added.user


def tool_outputs(model: ScriptedModel) -> list[str]:
    """What the tools answered the model, in order."""
    found = []
    for call in model.calls:
        for item in call.input:
            if isinstance(item, dict) and item.get("type") == "function_call_output":
                found.append(str(item["output"]))
    return list(dict.fromkeys(found))


async def last_sent(system: System) -> str:
    return system.channel.texts[-1][1] if system.channel.texts else ""


# The assistant's tool ------------------------------------------------------------------------


async def test_the_proposal_example_is_drafted_shown_confirmed_and_seen_by_the_team(
    system: System,
) -> None:
    await set_workspace(system, assistant=AssistantSettings(timezone="Europe/Madrid"))
    model = scripted(
        system,
        [call("create_record", {"type": "proposal", "fields": PROPOSAL_FIELDS})],
        [assistant_message("I've drafted your proposal.")],
        [call("confirm_record", {})],
        [assistant_message("Done, it's confirmed.")],
    )
    await writes(system, MEMBER, EXAMPLE)
    [draft] = await all_records(system)
    assert draft.status is RecordStatus.DRAFT
    # Sunday 22 November 2026 in Madrid: "Friday" is the 27th.
    assert [item["dueDate"] for item in draft.values["items"]] == ["2026-11-27"] * 2
    assert draft.values["totalEstimatedHours"] == 8
    told = await last_sent(system)
    assert "Proposal: Login page and user dashboard" in told
    assert f"{PUBLIC}/app/records/{draft.id}" in told
    assert "confirm" in told

    await writes(system, MEMBER, "yes, that's right")
    [final] = await all_records(system)
    assert final.id == draft.id and final.status is RecordStatus.OPEN
    assert final.confirmed_at is not None
    _, agent = await team(system)
    seen = await system.container.list_records()(
        await system.access(agent), RecordQuery(status=RecordStatus.OPEN)
    )
    assert [r.id for r in seen.items] == [draft.id]
    # Two model calls per turn: the tool call, then the answer.
    assert len(model.calls) == 4


@pytest.mark.parametrize(
    "arguments",
    [
        {"type": "proposal", "fields": {"summary": 42, "items": []}},
        {"type": "proposal", "fields": {**PROPOSAL_FIELDS, "userId": str(uuid4())}},
        {"type": "proposal", "fields": {**PROPOSAL_FIELDS, "workspaceId": str(uuid4())}},
        {"type": "proposal", "fields": PROPOSAL_FIELDS, "user_id": str(uuid4())},
        {"type": "proposal", "fields": {**PROPOSAL_FIELDS, "items": [{"title": "x"}] * 10_000}},
        {"type": "proposal", "fields": {"summary": "x", "items": [{"title": "x", "dueDate": 5}]}},
        {"type": "proposal", "fields": {"summary": "x", "items": [{"estimatedHours": "8"}]}},
        {"type": "proposal", "fields": "not json"},
        {"type": "proposal", "fields": ["summary"]},
        {"type": "invoice", "fields": PROPOSAL_FIELDS},
        {"type": "report", "fields": {"title": "t", "body": "b", "category": "urgent"}},
    ],
)
async def test_wrong_or_malicious_arguments_go_back_to_the_model_and_nothing_is_kept(
    system: System, arguments: dict[str, Any]
) -> None:
    model = scripted(
        system,
        [call("create_record", arguments)],
        [assistant_message("Sorry, I could not record that.")],
    )
    await writes(system, MEMBER, EXAMPLE)
    assert await all_records(system) == []
    [output] = tool_outputs(model)
    assert output.startswith("Not stored:")
    assert await last_sent(system) == "Sorry, I could not record that."


async def test_a_correction_replaces_the_draft_and_one_member_never_confirms_another_s(
    system: System,
) -> None:
    corrected = {**PROPOSAL_FIELDS, "totalEstimatedHours": 10}
    scripted(
        system,
        [call("create_record", {"type": "proposal", "fields": PROPOSAL_FIELDS})],
        [assistant_message("Drafted.")],
        [call("create_record", {"type": "proposal", "fields": corrected})],
        [assistant_message("Corrected.")],
        [call("confirm_record", {})],
        [assistant_message("Nothing of yours to confirm.")],
    )
    await writes(system, MEMBER, EXAMPLE)
    await writes(system, MEMBER, "Make it 10 hours")
    [draft] = await all_records(system)
    assert draft.values["totalEstimatedHours"] == 10 and draft.status is RecordStatus.DRAFT
    # Another member says "yes": their turn confirms only their own drafts (they have none).
    await writes(system, OTHER, "yes")
    [still] = await all_records(system)
    assert still.status is RecordStatus.DRAFT
    assert still.user_id == (await user(system, MEMBER)).id


# Without a model ---------------------------------------------------------------------------


async def test_report_and_proposal_commands_keep_the_text_for_the_team_to_complete(
    system: System,
) -> None:
    await writes(system, MEMBER, "/report The printer on floor 2 is broken")
    await writes(system, MEMBER, "/proposal Login page by Friday, 8 hours")
    await writes(system, MEMBER, "/report")
    report, proposal = sorted(await all_records(system), key=lambda r: r.type_name, reverse=True)
    assert report.values == {"body": "The printer on floor 2 is broken"}
    assert report.unfilled == ("title", "category") and report.status is RecordStatus.OPEN
    assert proposal.values == {"summary": "Login page by Friday, 8 hours"}
    assert proposal.unfilled == ("items",)
    answers = system.channel.texts_to(MEMBER)
    assert answers[0].startswith("Saved as a report: “The printer on floor 2 is broken”.")
    assert f"{PUBLIC}/app/records/{report.id}" in answers[0]
    assert answers[2].startswith("Write it after the command, e.g. /report")
    # The commands never reached the model.
    assert system.assistant.turns == []

    # The team completes what the command left empty.
    admin, _ = await team(system)
    access = await system.access(admin, "default")
    done = await system.container.edit_record()(
        access, report.id, {**report.values, "title": "Printer", "category": "problem"}
    )
    assert done.unfilled == () and done.title == "Printer"
    with pytest.raises(InvalidInput):
        await system.container.edit_record()(access, report.id, {"body": "only"})


# Reading, commenting, resolving -------------------------------------------------------------


async def test_members_see_only_their_own_records_and_the_team_sees_all(system: System) -> None:
    await writes(system, MEMBER, "/report Mine")
    await writes(system, OTHER, "/report Theirs")
    mine, theirs = await user(system, MEMBER), await user(system, OTHER)
    records = {r.user_id: r for r in await all_records(system)}
    access = await system.access(mine)
    listed = await system.container.list_records()(access, RecordQuery())
    assert [r.user_id for r in listed.items] == [mine.id]
    with pytest.raises(PermissionDenied):
        await system.container.list_records()(access, RecordQuery(user_id=theirs.id))
    with pytest.raises(NotFound):
        await system.container.get_record()(access, records[theirs.id].id)
    with pytest.raises(PermissionDenied):
        await system.container.comment_on_record()(access, records[mine.id].id, "hi")
    with pytest.raises(PermissionDenied):
        await system.container.change_record_status()(
            access, records[mine.id].id, RecordStatus.RESOLVED
        )
    _, agent = await team(system)
    everyone = await system.container.list_records()(await system.access(agent), RecordQuery())
    assert {r.user_id for r in everyone.items} == {mine.id, theirs.id}
    # The team reads whom each is for by name (else the number masked), never a bare id.
    assert {everyone.member_of(r) for r in everyone.items} == {
        mine.shown_name,
        theirs.shown_name,
    }
    assert None not in {mine.shown_name, theirs.shown_name}
    detail = await system.container.get_record()(await system.access(agent), records[mine.id].id)
    assert detail.member == mine.shown_name
    # Another workspace's team does not find them.
    admin = await user(system, ADMIN)
    lab = await system.container.create_workspace()(admin, _workspace_command("Lab"))
    with pytest.raises(NotFound):
        await system.container.get_record()(
            await system.access(admin, lab.slug), records[mine.id].id
        )


def _workspace_command(name: str) -> Any:
    from ignacio.application.use_cases.manage_workspaces import CreateWorkspaceCommand

    return CreateWorkspaceCommand(name=name)


async def test_the_owner_is_told_of_comments_and_resolution_in_the_window_by_text(
    system: System,
) -> None:
    await writes(system, MEMBER, "/report The printer is broken")
    [record] = await all_records(system)
    _, agent = await team(system)
    access = await system.access(agent)
    told = await system.container.comment_on_record()(
        access, record.id, "A technician comes Monday"
    )
    await system.settle()
    assert told.notice is OwnerNotice.TEXT
    assert "A technician comes Monday" in await last_sent(system)
    resolved = await system.container.change_record_status()(
        access, record.id, RecordStatus.RESOLVED
    )
    await system.settle()
    assert resolved.notice is OwnerNotice.TEXT and resolved.record.status is RecordStatus.RESOLVED
    assert "was resolved" in await last_sent(system)
    view = await system.container.get_record()(
        await system.access(await user(system, MEMBER)), record.id
    )
    assert [c.text for c in view.comments] == ["A technician comes Monday"]
    assert view.comments[0].notice == "text"
    with pytest.raises(Conflict):
        await system.container.change_record_status()(access, record.id, RecordStatus.IN_REVIEW)


async def test_outside_the_window_the_template_tells_them_or_nobody_does_visibly(
    system: System,
) -> None:
    await writes(system, MEMBER, "/report The printer is broken")
    [record] = await all_records(system)
    _, agent = await team(system)
    system.clock.advance(hours=25)
    access = await system.access(agent)
    told = await system.container.comment_on_record()(access, record.id, "Still broken?")
    assert told.notice is OwnerNotice.NONE
    sent_before = len(system.channel.templates)
    await set_workspace(
        system, reply_template=MessageTemplate(name="record_update", variables=("update",))
    )
    access = await system.access(agent)
    told = await system.container.comment_on_record()(access, record.id, "Fixed\nnow")
    await system.settle()
    assert told.notice is OwnerNotice.TEMPLATE
    assert len(system.channel.templates) == sent_before + 1
    async with system.container.uow()(read_only=True) as uow:
        assert record.conversation_id is not None
        recent = await uow.messages.recent(record.conversation_id, 1)
    assert recent[0].author is Author.STAFF and recent[0].template is not None
    assert recent[0].template.parameters[0].startswith("A comment on your record")


async def test_a_web_member_s_draft_is_confirmed_in_the_web_app_only_by_them(
    system: System,
) -> None:
    scripted(
        system,
        [call("create_record", {"type": "proposal", "fields": PROPOSAL_FIELDS})],
        [assistant_message("Drafted.")],
    )
    await writes(system, MEMBER, EXAMPLE)
    [draft] = await all_records(system)
    _, agent = await team(system)
    with pytest.raises(PermissionDenied):
        await system.container.confirm_record()(await system.access(agent), draft.id)
    with pytest.raises(Conflict):
        await system.container.change_record_status()(
            await system.access(agent), draft.id, RecordStatus.RESOLVED
        )
    owner = await system.access(await user(system, MEMBER))
    confirmed = await system.container.confirm_record()(owner, draft.id)
    assert confirmed.status is RecordStatus.OPEN


# Types ---------------------------------------------------------------------------------------

INCIDENT = RecordType(
    name="incident",
    label="Incident",
    fields=(
        FieldSpec(key="what", label="What happened", kind=FieldKind.TEXT, required=True),
        FieldSpec(key="when", label="When", kind=FieldKind.DATE),
    ),
    text_field="what",
)


async def test_admins_add_types_the_assistant_then_offers(system: System) -> None:
    admin, agent = await team(system)
    types = await system.container.list_record_types()(await system.access(agent))
    assert [t.name for t in types] == ["report", "proposal"]
    with pytest.raises(PermissionDenied):
        await system.container.add_record_type()(await system.access(agent), INCIDENT)
    access = await system.access(admin, "default")
    await system.container.add_record_type()(access, INCIDENT)
    with pytest.raises(InvalidInput):
        await system.container.add_record_type()(
            access, msgspec.structs.replace(INCIDENT, name="report")
        )
    with pytest.raises(InvalidInput):
        await system.container.remove_record_type()(access, "proposal")
    model = scripted(
        system,
        [
            call(
                "create_record", {"type": "incident", "fields": {"what": "A fall", "when": "today"}}
            )
        ],
        [assistant_message("Recorded.")],
    )
    await writes(system, MEMBER, "Someone fell on the stairs")
    [incident] = await all_records(system)
    assert incident.values == {"what": "A fall", "when": "2026-11-22"}
    create = next(t for t in model.calls[0].tools if t.name == "create_record")
    assert isinstance(create, FunctionTool)
    assert "incident" in json.dumps(create.params_json_schema)
    assert "when (date)" in create.description
