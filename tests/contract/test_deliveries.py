"""DeliveryRepository contract: the parts of outgoing messages and what became of each."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid4

import msgspec
import pytest

from ignacio.application.ports import UnitOfWorkFactory
from ignacio.domain import (
    Author,
    Conflict,
    Delivery,
    DeliveryStatus,
    Message,
    NotFound,
    Order,
    PageRequest,
)
from tests.contract.builders import (
    at,
    concurrently,
    conversation,
    delivery,
    expected_order,
    home_of,
    message,
    store,
    user,
    walk,
)


def _key(item: Delivery) -> tuple[datetime, UUID]:
    return (item.updated_at, item.id)


async def _an_answer(uow_factory: UnitOfWorkFactory) -> Message:
    owner = user(1)
    chat = conversation(owner, await home_of(uow_factory))
    question = message(chat)
    answer = message(chat, created=1, author=Author.ASSISTANT, reply_to_id=question.id)
    await store(uow_factory, owner, chat, question, answer)
    return answer


async def test_parts_read_back_unchanged_and_in_order(uow_factory: UnitOfWorkFactory) -> None:
    answer = await _an_answer(uow_factory)
    parts = [
        delivery(answer, 2, content="¿y tú? 🙂"),
        delivery(
            answer,
            0,
            status=DeliveryStatus.FAILED,
            sending=True,
            external_id="wamid.HBgLMzQ2MDAwMDAwMDEVAgARGBI1",
            attempts=3,
            error_code=131047,
            error_title="Re-engagement message" + "." * 400,
        ),
        delivery(answer, 1, content="x" * 4096, status=DeliveryStatus.READ, external_id="w.2"),
    ]
    await store(uow_factory, *parts)
    async with uow_factory() as uow:
        assert await uow.deliveries.for_message(answer.id) == sorted(parts, key=lambda d: d.part)
        assert await uow.deliveries.for_message(uuid4()) == []
        assert await uow.deliveries.get_by_external_id("w.2") == parts[2]
        assert await uow.deliveries.get_by_external_id("w.3") is None


async def test_a_part_number_and_a_provider_id_are_stored_once(
    uow_factory: UnitOfWorkFactory,
) -> None:
    answer = await _an_answer(uow_factory)
    first = delivery(answer, 0, external_id="wamid.1")
    await store(uow_factory, first, delivery(answer, 1))
    async with uow_factory() as uow:
        with pytest.raises(Conflict):
            await uow.deliveries.add(delivery(answer, 0))
        with pytest.raises(Conflict):
            await uow.deliveries.add(delivery(answer, 7, external_id="wamid.1"))
        # Many parts have no provider id yet, and the clashes did not spoil the transaction.
        await uow.deliveries.add(delivery(answer, 2))
        await uow.deliveries.add(delivery(answer, 3))
        await uow.commit()
    async with uow_factory() as uow:
        assert [d.part for d in await uow.deliveries.for_message(answer.id)] == [0, 1, 2, 3]


async def test_a_part_needs_an_existing_message(uow_factory: UnitOfWorkFactory, home: UUID) -> None:
    owner = user(1)
    chat = conversation(owner, home)
    await store(uow_factory, owner, chat)
    async with uow_factory() as uow:
        with pytest.raises(NotFound):
            await uow.deliveries.add(delivery(message(chat)))


async def test_claim_takes_a_pending_part_once(uow_factory: UnitOfWorkFactory) -> None:
    answer = await _an_answer(uow_factory)
    part = delivery(answer, 0)
    sent = delivery(answer, 1, status=DeliveryStatus.SENT)
    failed = delivery(answer, 2, status=DeliveryStatus.FAILED)
    taken = delivery(answer, 3, sending=True)
    await store(uow_factory, part, sent, failed, taken)
    async with uow_factory() as uow:
        assert await uow.deliveries.claim(part.id) is True
        assert await uow.deliveries.claim(part.id) is False
        assert await uow.deliveries.claim(sent.id) is False
        assert await uow.deliveries.claim(failed.id) is False
        assert await uow.deliveries.claim(taken.id) is False
        assert await uow.deliveries.claim(uuid4()) is False
        await uow.commit()
    async with uow_factory() as uow:
        stored = await uow.deliveries.for_message(answer.id)
        assert stored == [
            msgspec.structs.replace(part, sending=True, attempts=1),
            sent,
            failed,
            taken,
        ]
        # A retry makes the part claimable again; the attempts keep counting.
        await uow.deliveries.update(msgspec.structs.replace(stored[0], sending=False))
        assert await uow.deliveries.claim(part.id) is True
        again = await uow.deliveries.for_message(answer.id)
    assert (again[0].sending, again[0].attempts) == (True, 2)


async def test_a_rolled_back_claim_leaves_the_part_pending(uow_factory: UnitOfWorkFactory) -> None:
    answer = await _an_answer(uow_factory)
    part = delivery(answer)
    await store(uow_factory, part)
    async with uow_factory() as uow:
        assert await uow.deliveries.claim(part.id) is True
    async with uow_factory() as uow:
        assert await uow.deliveries.for_message(answer.id) == [part]


async def test_concurrent_claims_succeed_exactly_once(uow_factory: UnitOfWorkFactory) -> None:
    """Workers racing for the same part: one sends it, the others see it taken."""
    answer = await _an_answer(uow_factory)
    part = delivery(answer)
    await store(uow_factory, part)

    async def claim(_index: int) -> bool:
        async with uow_factory() as uow:
            claimed = await uow.deliveries.claim(part.id)
            await uow.commit()
        return claimed

    assert sorted(await concurrently(10, claim)) == [False] * 9 + [True]
    async with uow_factory() as uow:
        stored = await uow.deliveries.for_message(answer.id)
    assert (stored[0].sending, stored[0].attempts) == (True, 1)


async def test_update_replaces_the_part(uow_factory: UnitOfWorkFactory) -> None:
    answer = await _an_answer(uow_factory)
    part = delivery(answer)
    await store(uow_factory, part)
    delivered = msgspec.structs.replace(
        part,
        status=DeliveryStatus.DELIVERED,
        sending=True,
        external_id="wamid.9",
        attempts=1,
        updated_at=at(30),
    )
    async with uow_factory() as uow:
        await uow.deliveries.update(delivered)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.deliveries.get_by_external_id("wamid.9") == delivered
        with pytest.raises(NotFound):
            await uow.deliveries.update(delivery(answer, 5))


async def test_update_cannot_take_another_parts_keys(uow_factory: UnitOfWorkFactory) -> None:
    answer = await _an_answer(uow_factory)
    first, second = delivery(answer, 0, external_id="wamid.1"), delivery(answer, 1)
    await store(uow_factory, first, second)
    async with uow_factory() as uow:
        with pytest.raises(Conflict):
            await uow.deliveries.update(msgspec.structs.replace(second, external_id="wamid.1"))
        with pytest.raises(Conflict):
            await uow.deliveries.update(msgspec.structs.replace(second, part=0))
        await uow.deliveries.update(msgspec.structs.replace(second, content="still usable"))
        await uow.commit()
    async with uow_factory() as uow:
        stored = await uow.deliveries.for_message(answer.id)
    assert [d.content for d in stored] == [first.content, "still usable"]


@pytest.mark.parametrize("order", list(Order))
@pytest.mark.parametrize("limit", [1, 3, 8])
async def test_list_failed_pages_without_gaps_or_repeats(
    uow_factory: UnitOfWorkFactory, home: UUID, order: Order, limit: int
) -> None:
    owner = user(1)
    chat = conversation(owner, home)
    answers = [message(chat, created=n, author=Author.ASSISTANT) for n in range(3)]
    failed = [
        delivery(answers[n % 3], n, status=DeliveryStatus.FAILED, updated=n // 4) for n in range(13)
    ]
    others = [
        delivery(answers[0], 100 + n, status=status, updated=1)
        for n, status in enumerate(DeliveryStatus)
        if status is not DeliveryStatus.FAILED
    ]
    await store(uow_factory, owner, chat, *answers, *failed, *others)
    async with uow_factory() as uow:
        pages = await walk(lambda request: uow.deliveries.list_failed(home, request), limit, order)
    assert [item for page in pages for item in page] == expected_order(failed, _key, order)


async def test_list_failed_is_empty_without_failures(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    answer = await _an_answer(uow_factory)
    await store(uow_factory, delivery(answer))
    async with uow_factory() as uow:
        page = await uow.deliveries.list_failed(home, PageRequest())
    assert (page.items, page.next) == ([], None)


async def test_parts_go_with_their_message_and_its_member(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    gone, kept = user(1), user(2)
    gone_chat, kept_chat = conversation(gone, home), conversation(kept, home)
    question = message(gone_chat)
    answer = message(gone_chat, created=1, author=Author.ASSISTANT, reply_to_id=question.id)
    kept_answer = message(kept_chat, author=Author.ASSISTANT)
    gone_parts = [
        delivery(answer, n, status=DeliveryStatus.FAILED, external_id=f"g.{n}") for n in range(2)
    ]
    kept_part = delivery(kept_answer, status=DeliveryStatus.FAILED, external_id="k.0")
    await store(
        uow_factory,
        gone,
        kept,
        gone_chat,
        kept_chat,
        question,
        answer,
        kept_answer,
        *gone_parts,
        kept_part,
    )
    async with uow_factory() as uow:
        await uow.users.delete(gone.id)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.messages.get(answer.id) is None
        assert await uow.messages.reply_to(question.id) is None
        assert await uow.deliveries.for_message(answer.id) == []
        assert await uow.deliveries.get_by_external_id("g.0") is None
        assert (await uow.deliveries.list_failed(home, PageRequest())).items == [kept_part]
        assert await uow.deliveries.for_message(kept_answer.id) == [kept_part]
