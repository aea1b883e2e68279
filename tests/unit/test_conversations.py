"""Conversations: CreateConversation, ListConversations, ListMessages, SendMessage, admin views."""

from __future__ import annotations

import pytest

from ignacio.application.use_cases.admin_list_conversations import AdminConversationsQuery
from ignacio.application.use_cases.create_conversation import CreateConversationCommand
from ignacio.application.use_cases.create_user import CreateUserCommand
from ignacio.application.use_cases.list_audit_log import AuditLogQuery
from ignacio.application.use_cases.list_conversations import ListConversationsQuery
from ignacio.application.use_cases.send_message import SendMessageCommand
from ignacio.domain import (
    Author,
    InvalidInput,
    NotFound,
    Order,
    PageRequest,
    PermissionDenied,
    UpstreamUnavailable,
)
from tests.support.system import System


async def test_a_message_is_answered_and_both_are_stored(system: System) -> None:
    me = (await system.login("+34612345678")).user
    conversation = await system.container.create_conversation()(
        await system.access(me), CreateConversationCommand()
    )

    turn = await system.container.send_message()(
        await system.access(me),
        SendMessageCommand(conversation_id=conversation.id, content="How do I pitch my project?"),
    )

    assert turn.message.author is Author.MEMBER
    assert turn.reply is not None
    assert turn.reply.author is Author.ASSISTANT
    assert turn.reply.content == "echo: How do I pitch my project? (history 0)"
    page = await system.container.list_messages()(
        await system.access(me), conversation.id, PageRequest(order=Order.OLDEST_FIRST)
    )
    assert [m.id for m in page.items] == [turn.message.id, turn.reply.id]
    conversations = await system.container.list_conversations()(
        await system.access(me), ListConversationsQuery()
    )
    assert conversations.items[0].title == "How do I pitch my project?"


async def test_the_assistant_sees_the_recent_history_in_order(system: System) -> None:
    me = (await system.login("+34612345678")).user
    conversation = await system.container.create_conversation()(
        await system.access(me), CreateConversationCommand(title="Plan")
    )
    send = system.container.send_message()
    for text in ["one", "two", "three"]:
        system.clock.advance(seconds=1)
        await send(
            await system.access(me),
            SendMessageCommand(conversation_id=conversation.id, content=text),
        )

    last_turn = system.assistant.turns[-1]
    assert [m.content for m in last_turn.history][:3] == ["one", "echo: one (history 0)", "two"]
    assert last_turn.message.content == "three"
    assert last_turn.conversation.title == "Plan"


async def test_the_message_is_kept_when_the_assistant_fails(system: System) -> None:
    me = (await system.login("+34612345678")).user
    conversation = await system.container.create_conversation()(
        await system.access(me), CreateConversationCommand()
    )
    system.assistant.failing = True

    with pytest.raises(UpstreamUnavailable):
        await system.container.send_message()(
            await system.access(me),
            SendMessageCommand(conversation_id=conversation.id, content="still here?"),
        )

    page = await system.container.list_messages()(
        await system.access(me), conversation.id, PageRequest()
    )
    assert [m.content for m in page.items] == ["still here?"]


async def test_nobody_reads_or_writes_another_members_conversation(system: System) -> None:
    ana = (await system.login("+34612345678")).user
    bob = (await system.login("+34612345679")).user
    conversation = await system.container.create_conversation()(
        await system.access(ana), CreateConversationCommand()
    )

    with pytest.raises(NotFound):
        await system.container.list_messages()(
            await system.access(bob), conversation.id, PageRequest()
        )
    with pytest.raises(NotFound):
        await system.container.send_message()(
            await system.access(bob),
            SendMessageCommand(conversation_id=conversation.id, content="hi"),
        )
    assert (
        await system.container.list_conversations()(
            await system.access(bob), ListConversationsQuery()
        )
    ).items == []


async def test_empty_messages_are_refused(system: System) -> None:
    me = (await system.login("+34612345678")).user
    conversation = await system.container.create_conversation()(
        await system.access(me), CreateConversationCommand()
    )
    with pytest.raises(InvalidInput):
        await system.container.send_message()(
            await system.access(me),
            SendMessageCommand(conversation_id=conversation.id, content="  \n "),
        )


async def test_messages_page_both_ways(system: System) -> None:
    me = (await system.login("+34612345678")).user
    conversation = await system.container.create_conversation()(
        await system.access(me), CreateConversationCommand()
    )
    for index in range(5):
        system.clock.advance(seconds=1)
        await system.container.send_message()(
            await system.access(me),
            SendMessageCommand(conversation_id=conversation.id, content=f"m{index}"),
        )

    seen: list[str] = []
    page = await system.container.list_messages()(
        await system.access(me), conversation.id, PageRequest(limit=3)
    )
    seen += [m.content for m in page.items]
    while page.next:
        page = await system.container.list_messages()(
            await system.access(me), conversation.id, PageRequest(limit=3, after=page.next)
        )
        seen += [m.content for m in page.items]

    assert len(seen) == 10
    assert seen[0].startswith("echo: m4")
    assert seen[-1] == "m0"


async def test_admins_see_every_conversation_and_each_look_is_audited(system: System) -> None:
    admin = await system.container.create_user()(
        None, CreateUserCommand(phone="+34600000001", is_admin=True)
    )
    ana = (await system.login("+34612345678")).user
    conversation = await system.container.create_conversation()(
        await system.access(ana), CreateConversationCommand()
    )
    await system.container.send_message()(
        await system.access(ana),
        SendMessageCommand(conversation_id=conversation.id, content="private note"),
    )

    listed = await system.container.admin_list_conversations()(
        await system.access(admin), AdminConversationsQuery(user_id=ana.id)
    )
    view = await system.container.admin_get_conversation()(
        await system.access(admin), conversation.id, PageRequest()
    )

    assert [c.id for c in listed.items] == [conversation.id]
    assert view.owner.id == ana.id
    assert len(view.messages.items) == 2
    actions = [
        e.action
        for e in (
            await system.container.list_audit_log()(await system.access(admin), AuditLogQuery())
        ).items
    ]
    assert "conversation.view" in actions
    assert "conversation.list" in actions
    with pytest.raises(PermissionDenied):
        await system.container.admin_get_conversation()(
            await system.access(ana), conversation.id, PageRequest()
        )
    with pytest.raises(NotFound):
        await system.container.admin_list_conversations()(
            await system.access(admin), AdminConversationsQuery(user_id=conversation.id)
        )
