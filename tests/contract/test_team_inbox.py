"""ConversationRepository contract, the team inbox's part: state as a compare-and-set, the
history of changes, read markers, and the inbox listing."""

from __future__ import annotations

from uuid import UUID, uuid4

import msgspec

from ignacio.application.ports import UnitOfWorkFactory
from ignacio.application.ports.conversations import InboxFilter, InboxItem
from ignacio.domain import Author, Channel, Conversation, Order, Page, PageRequest
from ignacio.domain.handover import ConversationState, ReadMarker
from tests.contract.builders import (
    at,
    conversation,
    expected_order,
    message,
    store,
    user,
    walk,
)


async def _get(uow_factory: UnitOfWorkFactory, home: UUID, chat: Conversation) -> Conversation:
    async with uow_factory(read_only=True) as uow:
        found = await uow.conversations.get(home, chat.id)
    assert found is not None
    return found


async def test_a_state_change_is_a_compare_and_set(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    ana, agent, other = user(1), user(2), user(3)
    chat = conversation(ana, home)
    await store(uow_factory, ana, agent, other, chat)
    taken, change = chat.taken(id=uuid4(), by=agent.id, assignee=agent.id, at=at(5))
    assert change is not None
    async with uow_factory() as uow:
        assert await uow.conversations.change_state(chat, taken)
        await uow.conversations.record_change(change)
        await uow.commit()
    # A second person working from the same old copy loses, and writes nothing.
    theirs, _ = chat.taken(id=uuid4(), by=other.id, assignee=other.id, at=at(6))
    async with uow_factory() as uow:
        assert not await uow.conversations.change_state(chat, theirs)
        await uow.commit()
    stored = await _get(uow_factory, home, chat)
    assert (stored.state, stored.assignee_id, stored.state_since) == (
        ConversationState.HUMAN,
        agent.id,
        at(5),
    )
    async with uow_factory(read_only=True) as uow:
        assert await uow.conversations.changes(home, chat.id, 10) == [change]
        assert await uow.conversations.changes(uuid4(), chat.id, 10) == []


async def test_update_never_writes_the_state_nor_moves_the_last_member_message_back(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    ana, agent = user(1), user(2)
    chat = conversation(ana, home, channel=Channel.WHATSAPP, last_member_message_at=at(10))
    await store(uow_factory, ana, agent, chat)
    taken, _ = chat.taken(id=uuid4(), by=agent.id, assignee=agent.id, at=at(11))
    async with uow_factory() as uow:
        assert await uow.conversations.change_state(chat, taken)
        await uow.commit()
    # An update from a copy read before the take, holding an older last message.
    stale = msgspec.structs.replace(
        chat, title="Renamed", updated_at=at(12), last_member_message_at=at(3)
    )
    async with uow_factory() as uow:
        await uow.conversations.update(stale)
        await uow.commit()
    stored = await _get(uow_factory, home, chat)
    assert stored.title == "Renamed" and stored.updated_at == at(12)
    assert stored.state is ConversationState.HUMAN and stored.assignee_id == agent.id
    assert stored.last_member_message_at == at(10)
    async with uow_factory() as uow:
        await uow.conversations.update(stored.member_wrote(at(20)))
        await uow.commit()
    assert (await _get(uow_factory, home, chat)).last_member_message_at == at(20)


async def test_assigned_to_finds_a_persons_conversations(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    ana, agent = user(1), user(2)
    mine = conversation(ana, home, state=ConversationState.HUMAN, assignee_id=agent.id)
    other = conversation(ana, home)
    await store(uow_factory, ana, agent, mine, other)
    async with uow_factory(read_only=True) as uow:
        assert await uow.conversations.assigned_to(home, agent.id) == [mine]
        assert await uow.conversations.assigned_to(None, agent.id) == [mine]
        assert await uow.conversations.assigned_to(uuid4(), agent.id) == []


async def test_the_inbox_lists_newest_activity_first_with_the_last_message_and_unread_count(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    ana, luis, agent = user(1), user(2), user(3)
    old = conversation(ana, home, updated=1, last_member_message_at=at(1))
    new = conversation(luis, home, updated=9, last_member_message_at=at(8))
    silent = conversation(luis, home, updated=5)
    first, second = message(new, created=7), message(new, created=8)
    answer = message(new, created=9, author=Author.ASSISTANT, content="hi")
    await store(
        uow_factory, ana, luis, agent, old, new, silent, message(old, created=1), first, second
    )
    await store(uow_factory, answer)
    async with uow_factory() as uow:
        await uow.conversations.mark_read(
            ReadMarker(conversation_id=new.id, user_id=agent.id, read_until=at(7))
        )
        await uow.commit()
    async with uow_factory(read_only=True) as uow:
        page = await uow.conversations.inbox(home, agent.id, PageRequest(), InboxFilter())
        other_reader = await uow.conversations.inbox(home, ana.id, PageRequest(), InboxFilter())
    assert [item.conversation.id for item in page.items] == [new.id, silent.id, old.id]
    assert [item.unread for item in page.items] == [1, 0, 1]
    assert [item.last_message for item in page.items] == [answer, None, page.items[2].last_message]
    assert page.items[2].last_message is not None and page.items[2].last_message.content == "hola"
    assert [item.unread for item in other_reader.items] == [2, 0, 1]


async def test_a_message_the_member_deleted_is_not_counted_unread(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    ana, agent = user(1), user(2)
    chat = conversation(ana, home, updated=3, last_member_message_at=at(2))
    kept, deleted = message(chat, created=1), message(chat, created=2)
    await store(uow_factory, ana, agent, chat, kept, deleted)
    async with uow_factory() as uow:
        await uow.messages.revise(deleted.revoked(at(3)))
        await uow.commit()
    async with uow_factory(read_only=True) as uow:
        page = await uow.conversations.inbox(home, agent.id, PageRequest(), InboxFilter())
    assert [item.unread for item in page.items] == [1]


async def test_the_inbox_filters_by_state_assignee_channel_unread_and_title(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    ana, agent = user(1), user(2)
    waiting = conversation(
        ana, home, updated=1, state=ConversationState.WAITING, last_member_message_at=at(1)
    )
    mine = conversation(
        ana,
        home,
        updated=2,
        state=ConversationState.HUMAN,
        assignee_id=agent.id,
        channel=Channel.WHATSAPP,
        title="Visa question",
    )
    closed = conversation(ana, home, updated=3, state=ConversationState.CLOSED)
    await store(uow_factory, ana, agent, waiting, mine, closed)

    async def ids(filter: InboxFilter) -> list[UUID]:
        async with uow_factory(read_only=True) as uow:
            page = await uow.conversations.inbox(home, agent.id, PageRequest(), filter)
        return [item.conversation.id for item in page.items]

    with_team = frozenset({ConversationState.WAITING, ConversationState.HUMAN})
    assert await ids(InboxFilter(states=with_team)) == [mine.id, waiting.id]
    assert await ids(InboxFilter(assignee_id=agent.id)) == [mine.id]
    assert await ids(InboxFilter(channel=Channel.WHATSAPP)) == [mine.id]
    assert await ids(InboxFilter(unread=True)) == [waiting.id]
    assert await ids(InboxFilter(unread=False)) == [closed.id, mine.id]
    assert await ids(InboxFilter(search="visa")) == [mine.id]
    async with uow_factory(read_only=True) as uow:
        assert (
            await uow.conversations.inbox(uuid4(), agent.id, PageRequest(), InboxFilter())
        ).items == []


async def test_the_inbox_pages_through_every_conversation_once(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    ana, agent = user(1), user(2)
    chats = [conversation(ana, home, updated=n % 4) for n in range(9)]
    await store(uow_factory, ana, agent, *chats)

    async def read(request: PageRequest) -> Page[InboxItem]:
        async with uow_factory(read_only=True) as uow:
            return await uow.conversations.inbox(home, agent.id, request, InboxFilter())

    for order in Order:
        pages = await walk(read, 4, order)
        seen = [item.conversation.id for page in pages for item in page]
        expected = expected_order(chats, lambda c: (c.updated_at, c.id), order)
        assert seen == [chat.id for chat in expected]


async def test_marking_unread_counts_from_the_last_member_message(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    ana, agent = user(1), user(2)
    chat = conversation(ana, home, updated=4, last_member_message_at=at(4))
    await store(uow_factory, ana, agent, chat, message(chat, created=2), message(chat, created=4))
    for marker, unread in (
        (ReadMarker(conversation_id=chat.id, user_id=agent.id, read_until=at(10)), 0),
        (ReadMarker.unread_from(chat.id, agent.id, at(4)), 1),
    ):
        async with uow_factory() as uow:
            await uow.conversations.mark_read(marker)
            await uow.commit()
        async with uow_factory(read_only=True) as uow:
            page = await uow.conversations.inbox(home, agent.id, PageRequest(), InboxFilter())
        assert page.items[0].unread == unread
