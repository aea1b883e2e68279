"""Everything a use case creates carries its workspace: a conversation the workspace it starts in,
what is said and kept in it the conversation's, and the audit log the workspace an action was in."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

from ignacio.application.use_cases.add_to_allow_list import AddToAllowListCommand
from ignacio.application.use_cases.create_conversation import CreateConversationCommand
from ignacio.application.use_cases.create_user import CreateUserCommand
from ignacio.application.use_cases.manage_workspaces import (
    CreateWorkspaceCommand,
    UpdateWorkspaceCommand,
)
from ignacio.application.use_cases.send_message import SendMessageCommand
from ignacio.application.use_cases.workspace_members import AddMemberCommand
from ignacio.application.workspaces import default_workspace
from ignacio.domain import (
    AuditEntry,
    Channel,
    Conversation,
    InboundMessage,
    MediaRef,
    MessageType,
    PhoneNumber,
    Provider,
    Sender,
)
from ignacio.domain.workspaces import AssistantSettings, Workspace, WorkspaceRole
from tests.support.samples import pdf
from tests.support.system import System

ANA = "+34612345678"


async def _default(system: System) -> Workspace:
    async with system.container.uow()() as uow:
        return await default_workspace(uow)


async def _audited(system: System) -> list[AuditEntry]:
    """Every entry, in whichever workspace or none (the port lists one workspace's)."""
    entries = system.container.memory_store().audit_log.values()
    return sorted(entries, key=lambda entry: (entry.created_at, entry.id))


async def test_a_web_conversation_and_all_said_and_kept_in_it_are_in_the_default_workspace(
    system: System,
) -> None:
    home = await _default(system)
    me = (await system.login(ANA)).user
    chat = await system.container.create_conversation()(
        await system.access(me), CreateConversationCommand()
    )
    turn = await system.container.send_message()(
        await system.access(me), SendMessageCommand(conversation_id=chat.id, content="Hola")
    )
    attached = await system.container.attach_file()(
        await system.access(me), chat.id, "notes.txt", b"hello"
    )
    uploaded = await system.container.upload_file()(await system.access(me), "plan.txt", b"a plan")

    assert chat.workspace_id == home.id
    assert turn.reply is not None and attached.reply is not None
    assert {turn.message.workspace_id, turn.reply.workspace_id} == {home.id}
    assert {attached.message.workspace_id, attached.file.workspace_id} == {home.id}
    assert attached.reply.workspace_id == home.id
    # A file uploaded outside any conversation is in the workspace the member acts in.
    assert uploaded.workspace_id == home.id


async def test_a_conversation_in_another_workspace_is_answered_there_by_its_assistant(
    system: System,
) -> None:
    me = (await system.login(ANA)).user
    lab = await system.container.create_workspace()(
        None,
        CreateWorkspaceCommand(name="Green Lab", assistant=AssistantSettings(name="Verde")),
    )
    now = system.clock.now()
    chat = Conversation(
        id=uuid4(), workspace_id=lab.id, user_id=me.id, created_at=now, updated_at=now
    )
    async with system.container.uow()() as uow:
        await uow.conversations.add(chat)
        await uow.commit()

    await system.container.add_workspace_member()(None, lab.slug, AddMemberCommand(phone=ANA))
    in_lab = await system.access(me, lab.slug)

    turn = await system.container.send_message()(
        in_lab, SendMessageCommand(conversation_id=chat.id, content="Hola")
    )
    attached = await system.container.attach_file()(in_lab, chat.id, "notes.txt", b"hello")

    assert system.assistant.turns[0].workspace == lab
    assert turn.reply is not None and attached.reply is not None
    assert {turn.message.workspace_id, turn.reply.workspace_id} == {lab.id}
    assert {attached.message.workspace_id, attached.file.workspace_id} == {lab.id}
    assert attached.reply.workspace_id == lab.id


async def test_whatsapp_messages_their_answers_parts_and_files_are_in_the_conversation_s(
    system: System,
) -> None:
    home = await _default(system)
    system.media.media["media-1"] = (pdf("A plan with a budget."), "application/pdf")
    received = await system.container.receive_inbound()(
        InboundMessage(
            provider=Provider.WHATSAPP_CLOUD,
            external_id="wamid.doc",
            sender=Sender(phone=PhoneNumber.parse(ANA)),
            sent_at=datetime(2026, 11, 22, 9, 0, tzinfo=UTC),
            message_type=MessageType.DOCUMENT,
            text="What does it cost?",
            media=MediaRef(
                provider_media_id="media-1", mime_type="application/pdf", filename="Plan.pdf"
            ),
        )
    )
    assert received.message_id is not None
    await system.container.process_inbound()(received.message_id)

    async with system.container.uow()() as uow:
        inbound = await uow.messages.get(received.message_id)
        assert inbound is not None
        conversation = await uow.conversations.get(inbound.workspace_id, inbound.conversation_id)
        answer = await uow.messages.reply_to(inbound.id)
        assert answer is not None
        parts = await uow.deliveries.for_message(answer.id)
        file = await uow.files.get(home.id, inbound.id)
    assert conversation is not None and conversation.channel is Channel.WHATSAPP
    assert file is not None and parts
    assert {
        conversation.workspace_id,
        inbound.workspace_id,
        answer.workspace_id,
        file.workspace_id,
        *(part.workspace_id for part in parts),
    } == {home.id}


async def test_a_number_goes_on_the_list_of_the_workspace_it_is_added_in(system: System) -> None:
    home = await _default(system)
    boss = await system.container.create_user()(
        None, CreateUserCommand(phone="+34600000001", is_admin=True)
    )
    entry = await system.container.add_to_allow_list()(
        await system.access(boss), AddToAllowListCommand(phone="+34699999999")
    )
    assert entry.workspace_id == home.id
    audited = [e for e in await _audited(system) if e.action == "allowlist.add"]
    assert [e.workspace_id for e in audited] == [home.id]


async def test_the_workspace_use_cases_audit_in_the_workspace_they_act_on(system: System) -> None:
    lab = await system.container.create_workspace()(None, CreateWorkspaceCommand(name="Lab"))
    await system.container.update_workspace()(None, lab.slug, UpdateWorkspaceCommand(name="Labs"))
    member = await system.container.add_workspace_member()(
        None, lab.slug, AddMemberCommand(phone=ANA, role=WorkspaceRole.AGENT)
    )
    await system.container.change_member_role()(None, lab.slug, member.user.id, WorkspaceRole.ADMIN)
    other = await system.container.add_workspace_member()(
        None, lab.slug, AddMemberCommand(phone="+34612345679")
    )
    await system.container.remove_workspace_member()(None, lab.slug, other.user.id)

    by_action: dict[str, set[UUID | None]] = {}
    for entry in await _audited(system):
        by_action.setdefault(entry.action, set()).add(entry.workspace_id)
    assert by_action == {
        "workspace.create": {lab.id},
        "workspace.update": {lab.id},
        "workspace.member_add": {lab.id},
        "workspace.member_role": {lab.id},
        "workspace.member_remove": {lab.id},
    }
