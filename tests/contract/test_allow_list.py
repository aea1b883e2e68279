"""AllowList contract."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid4

import pytest

from ignacio.application.ports import UnitOfWorkFactory
from ignacio.domain import AllowedNumber, Conflict, Order, PageRequest
from tests.contract.builders import (
    allowed,
    concurrently,
    expected_order,
    phone,
    store,
    walk,
    workspace,
)


def _key(item: AllowedNumber) -> tuple[datetime, UUID]:
    return (item.created_at, item.id)


async def test_an_entry_reads_back_unchanged(uow_factory: UnitOfWorkFactory, home: UUID) -> None:
    admin = uuid4()
    noted = allowed(1, home, note="Lucía, Action Lab", added_by=admin)
    bare = allowed(2, home, created=1)
    await store(uow_factory, noted, bare)
    async with uow_factory() as uow:
        assert await uow.allow_list.get(home, noted.id) == noted
        assert await uow.allow_list.get(home, bare.id) == bare
        assert await uow.allow_list.get(home, uuid4()) is None


async def test_contains_finds_a_number_and_only_that_number(
    uow_factory: UnitOfWorkFactory,
    home: UUID,
) -> None:
    await store(uow_factory, allowed(1, home))
    async with uow_factory() as uow:
        assert await uow.allow_list.contains(home, phone(1))
        assert not await uow.allow_list.contains(home, phone(2))


async def test_a_number_is_listed_once(uow_factory: UnitOfWorkFactory, home: UUID) -> None:
    await store(uow_factory, allowed(1, home))
    async with uow_factory() as uow:
        with pytest.raises(Conflict):
            await uow.allow_list.add(allowed(1, home))
        # The transaction stays usable after the clash.
        await uow.allow_list.add(allowed(2, home))
        await uow.commit()
    async with uow_factory() as uow:
        assert len((await uow.allow_list.list(home, PageRequest(limit=100))).items) == 2


async def test_concurrent_additions_of_one_number_keep_one(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    async def add(_: int) -> bool:
        try:
            await store(uow_factory, allowed(7, home))
        except Conflict:
            return False
        return True

    assert sorted(await concurrently(4, add)) == [False, False, False, True]


async def test_remove_takes_the_entry_off_once(uow_factory: UnitOfWorkFactory, home: UUID) -> None:
    entry = allowed(1, home)
    await store(uow_factory, entry)
    async with uow_factory() as uow:
        assert await uow.allow_list.remove(home, entry.id)
        assert not await uow.allow_list.remove(home, entry.id)
        await uow.commit()
    async with uow_factory() as uow:
        assert not await uow.allow_list.contains(home, entry.phone)
        assert await uow.allow_list.get(home, entry.id) is None


async def test_a_removal_without_commit_is_undone(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    entry = allowed(1, home)
    await store(uow_factory, entry)
    async with uow_factory() as uow:
        await uow.allow_list.remove(home, entry.id)
    async with uow_factory() as uow:
        assert await uow.allow_list.contains(home, entry.phone)


@pytest.mark.parametrize("order", list(Order))
@pytest.mark.parametrize("limit", [1, 4])
async def test_list_pages_without_gaps_or_repeats(
    uow_factory: UnitOfWorkFactory, home: UUID, order: Order, limit: int
) -> None:
    entries = [allowed(n, home, created=n // 3) for n in range(10)]
    await store(uow_factory, *entries)
    async with uow_factory() as uow:
        pages = await walk(lambda request: uow.allow_list.list(home, request), limit, order)
    assert [item for page in pages for item in page] == expected_order(entries, _key, order)


async def test_a_number_is_listed_once_per_workspace(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    lab = workspace(1)
    ours, theirs = allowed(1, home), allowed(1, lab.id, created=1)
    await store(uow_factory, lab, ours, theirs)
    async with uow_factory() as uow:
        assert await uow.allow_list.get(home, ours.id) == ours
        assert await uow.allow_list.get(lab.id, theirs.id) == theirs
        with pytest.raises(Conflict):
            await uow.allow_list.add(allowed(1, lab.id, created=2))
        with pytest.raises(Conflict):
            await uow.allow_list.add(allowed(1, home, created=2))
        assert await uow.allow_list.contains(home, phone(1))
        assert await uow.allow_list.contains(lab.id, phone(1))
        listed = await uow.allow_list.list(home, PageRequest(limit=10))
        listed_there = await uow.allow_list.list(lab.id, PageRequest(limit=10))
    assert (listed.items, listed_there.items) == ([ours], [theirs])
