"""ConversationRepository contract."""

from __future__ import annotations

import functools
from datetime import datetime
from uuid import UUID

import msgspec
import pytest

from ignacio.application.ports import UnitOfWorkFactory
from ignacio.domain import Channel, Conversation, NotFound, Order, Page, PageRequest
from tests.contract.builders import at, conversation, expected_order, store, user, walk


def _key(item: Conversation) -> tuple[datetime, UUID]:
    return (item.updated_at, item.id)


async def test_a_stored_conversation_reads_back_unchanged(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    owner = user(1)
    chat = conversation(owner, home, title="Plans", channel=Channel.WHATSAPP, updated=5)
    untitled = conversation(owner, home)
    await store(uow_factory, owner, chat, untitled)
    async with uow_factory() as uow:
        assert await uow.conversations.get(home, chat.id) == chat
        assert await uow.conversations.get(home, untitled.id) == untitled
        assert await uow.conversations.get(home, conversation(owner, home).id) is None


async def test_a_conversation_needs_an_existing_owner(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    async with uow_factory() as uow:
        with pytest.raises(NotFound):
            await uow.conversations.add(conversation(user(1), home))


async def test_update_replaces_the_conversation(uow_factory: UnitOfWorkFactory, home: UUID) -> None:
    owner = user(1)
    chat = conversation(owner, home)
    await store(uow_factory, owner, chat)
    renamed = msgspec.structs.replace(chat, title="Renamed", updated_at=at(99))
    async with uow_factory() as uow:
        await uow.conversations.update(renamed)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.conversations.get(home, chat.id) == renamed


async def test_update_of_a_missing_conversation_is_not_found(
    uow_factory: UnitOfWorkFactory,
    home: UUID,
) -> None:
    owner = user(1)
    await store(uow_factory, owner)
    async with uow_factory() as uow:
        with pytest.raises(NotFound):
            await uow.conversations.update(conversation(owner, home))


async def test_latest_for_is_the_most_recently_active_on_that_channel(
    uow_factory: UnitOfWorkFactory,
    home: UUID,
) -> None:
    ana, luis = user(1), user(2)
    older = conversation(ana, home, channel=Channel.WHATSAPP, updated=1)
    tied = [conversation(ana, home, channel=Channel.WHATSAPP, updated=5) for _ in range(3)]
    newer_web = conversation(ana, home, channel=Channel.WEB, updated=9)
    theirs = conversation(luis, home, channel=Channel.WHATSAPP, updated=20)
    await store(uow_factory, ana, luis, older, *tied, newer_web, theirs)
    async with uow_factory() as uow:
        # Same moment: the highest id wins, as the newest-first listing orders them.
        assert await uow.conversations.latest_for(home, ana.id, Channel.WHATSAPP) == max(
            tied, key=_key
        )
        assert await uow.conversations.latest_for(home, ana.id, Channel.WEB) == newer_web
        assert await uow.conversations.latest_for(home, luis.id, Channel.WEB) is None
        assert await uow.conversations.latest_for(home, user(3).id, Channel.WHATSAPP) is None
        await uow.conversations.update(msgspec.structs.replace(older, updated_at=at(10)))
        assert await uow.conversations.latest_for(home, ana.id, Channel.WHATSAPP) == (
            msgspec.structs.replace(older, updated_at=at(10))
        )


@pytest.mark.parametrize("order", list(Order))
@pytest.mark.parametrize("limit", [1, 2, 5])
async def test_list_pages_by_last_activity_without_gaps_or_repeats(
    uow_factory: UnitOfWorkFactory, home: UUID, order: Order, limit: int
) -> None:
    owner = user(1)
    chats = [conversation(owner, home, updated=n % 3) for n in range(10)]
    await store(uow_factory, owner, *chats)
    async with uow_factory() as uow:
        pages = await walk(lambda request: uow.conversations.list(home, request), limit, order)
    assert [item for page in pages for item in page] == expected_order(chats, _key, order)


async def test_list_filters_by_owner_and_channel(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    ana, luis = user(1), user(2)
    ana_web = conversation(ana, home, updated=1)
    ana_whatsapp = conversation(ana, home, channel=Channel.WHATSAPP, updated=2)
    luis_web = conversation(luis, home, updated=3)
    await store(uow_factory, ana, luis, ana_web, ana_whatsapp, luis_web)
    async with uow_factory() as uow:
        listed = functools.partial(uow.conversations.list, home)
        page = PageRequest(order=Order.OLDEST_FIRST)
        assert (await listed(page, user_id=ana.id)).items == [ana_web, ana_whatsapp]
        assert (await listed(page, channel=Channel.WEB)).items == [ana_web, luis_web]
        whatsapp = await listed(page, user_id=ana.id, channel=Channel.WHATSAPP)
        assert whatsapp.items == [ana_whatsapp]
        assert (await listed(page, user_id=user(3).id)).items == []


async def test_list_filters_by_period_since_inclusive_until_exclusive(
    uow_factory: UnitOfWorkFactory,
    home: UUID,
) -> None:
    owner = user(1)
    chats = [conversation(owner, home, updated=second) for second in range(5)]
    await store(uow_factory, owner, *chats)
    async with uow_factory() as uow:
        page = PageRequest(order=Order.OLDEST_FIRST)
        listed = await uow.conversations.list(home, page, since=at(1), until=at(3))
        assert listed.items == chats[1:3]
        assert (await uow.conversations.list(home, page, since=at(3))).items == chats[3:]
        assert (await uow.conversations.list(home, page, until=at(1))).items == chats[:1]


async def test_list_searches_titles_case_insensitively(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    owner = user(1)
    trip = conversation(owner, home, title="Trip to MADRID", updated=1)
    madrileno = conversation(owner, home, title="madrileño food", updated=2)
    other = conversation(owner, home, title="Taxes", updated=3)
    untitled = conversation(owner, home, updated=4)
    await store(uow_factory, owner, trip, madrileno, other, untitled)
    async with uow_factory() as uow:
        page = PageRequest(order=Order.OLDEST_FIRST)
        assert (await uow.conversations.list(home, page, search="madri")).items == [trip, madrileno]
        assert (await uow.conversations.list(home, page, search="%")).items == []
        everything = await uow.conversations.list(home, page, search=" ")
        assert everything.items == [trip, madrileno, other, untitled]


async def test_filters_and_pagination_combine(uow_factory: UnitOfWorkFactory, home: UUID) -> None:
    ana, luis = user(1), user(2)
    mine = [conversation(ana, home, title=f"Note {n}", updated=n // 2) for n in range(7)]
    theirs = [conversation(luis, home, title=f"Note {n}", updated=n // 2) for n in range(7)]
    await store(uow_factory, ana, luis, *mine, *theirs)
    async with uow_factory() as uow:

        async def notes(page: PageRequest) -> Page[Conversation]:
            return await uow.conversations.list(
                home, page, user_id=ana.id, search="note", since=at(1)
            )

        pages = await walk(notes, 2, Order.NEWEST_FIRST)
    wanted = [c for c in mine if c.updated_at >= at(1)]
    assert [item for page in pages for item in page] == expected_order(
        wanted, _key, Order.NEWEST_FIRST
    )
