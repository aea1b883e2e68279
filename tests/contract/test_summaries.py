"""SummaryRepository contract: a conversation's summaries, within its workspace, on every adapter."""

from __future__ import annotations

from uuid import UUID, uuid4

import pytest

from ignacio.application.ports import UnitOfWorkFactory
from ignacio.domain import Conflict, NotFound
from tests.contract.builders import at, conversation, message, store, summary, user, workspace


async def test_a_summary_reads_back_unchanged_whoever_made_it(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    ana, agent = user(1, name="Ana"), user(2)
    chat = conversation(ana, home)
    asked = message(chat, created=1)
    by_hand = summary(chat, asked, created=2, requested_by=agent.id)
    # Made at a handoff, without a model: nothing asked it, nothing was spent.
    extractive = summary(
        chat,
        asked,
        created=3,
        text="Extractive summary (no AI model is configured): …\nFirst request: “hola”",
        model="offline",
        input_tokens=0,
        output_tokens=0,
        latency_ms=0,
        messages_read=1,
    )
    await store(uow_factory, ana, agent, chat, asked, by_hand)
    async with uow_factory(read_only=True) as uow:
        assert await uow.summaries.latest(home, chat.id) == by_hand
    await store(uow_factory, extractive)
    async with uow_factory(read_only=True) as uow:
        found = await uow.summaries.latest(home, chat.id)
    assert found == extractive
    assert found is not None and found.automatic and found.last_message_at == at(1)


async def test_the_latest_is_the_newest_by_time_then_id(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    ana = user(1)
    chat = conversation(ana, home)
    said = message(chat)
    # Kept out of order, two of them at the same moment.
    summaries = [summary(chat, said, created=created) for created in (5, 1, 5, 3)]
    await store(uow_factory, ana, chat, said, *summaries)
    async with uow_factory(read_only=True) as uow:
        latest = await uow.summaries.latest(home, chat.id)
        assert await uow.summaries.latest(home, uuid4()) is None
    assert latest == max(summaries, key=lambda s: (s.created_at, s.id))


async def test_another_workspace_s_summaries_are_not_there(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    lab = workspace(1)
    ana = user(1)
    ours, theirs = conversation(ana, home), conversation(ana, lab.id)
    said_here, said_there = message(ours), message(theirs)
    await store(uow_factory, lab, ana, ours, theirs, said_here, said_there)
    await store(uow_factory, summary(theirs, said_there))
    async with uow_factory(read_only=True) as uow:
        assert await uow.summaries.latest(home, theirs.id) is None
        assert await uow.summaries.latest(lab.id, ours.id) is None
        assert await uow.summaries.latest(lab.id, theirs.id) is not None


async def test_a_summary_needs_its_conversation_and_an_id_of_its_own(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    ana = user(1)
    chat = conversation(ana, home)
    said = message(chat)
    kept = summary(chat, said)
    await store(uow_factory, ana, chat, said, kept)
    nowhere = conversation(ana, home)
    with pytest.raises(NotFound):
        await store(uow_factory, summary(nowhere, said))
    with pytest.raises(Conflict):
        await store(uow_factory, summary(chat, said, id=kept.id, created=9))
    async with uow_factory(read_only=True) as uow:
        assert await uow.summaries.latest(home, chat.id) == kept


async def test_summaries_go_with_their_member(uow_factory: UnitOfWorkFactory, home: UUID) -> None:
    ana, luis = user(1), user(2)
    hers, his = conversation(ana, home), conversation(luis, home)
    said_by_her, said_by_him = message(hers), message(his)
    await store(uow_factory, ana, luis, hers, his, said_by_her, said_by_him)
    await store(uow_factory, summary(hers, said_by_her), summary(his, said_by_him))
    async with uow_factory() as uow:
        await uow.users.delete(ana.id)
        await uow.commit()
    async with uow_factory(read_only=True) as uow:
        assert await uow.summaries.latest(home, hers.id) is None
        assert await uow.summaries.latest(home, his.id) is not None
