"""AuditLog contract."""

from __future__ import annotations

import functools
from datetime import datetime
from uuid import UUID, uuid4

import pytest

from ignacio.application.ports import UnitOfWorkFactory
from ignacio.domain import AuditEntry, AuditKind, Conflict, Order, PageRequest
from tests.contract.builders import entry, expected_order, store, walk


def _key(item: AuditEntry) -> tuple[datetime, UUID]:
    return (item.created_at, item.id)


async def test_an_entry_reads_back_unchanged(uow_factory: UnitOfWorkFactory, home: UUID) -> None:
    actor = uuid4()
    detailed = entry(
        workspace_id=home,
        actor_id=actor,
        action="user.update",
        target_id=str(uuid4()),
        details={
            "changes": {"is_admin": True, "is_active": False},
            "name": "changed",
            "count": 3,
            "ratio": 0.5,
            "nothing": None,
            "tags": ["a", "ñ"],
        },
    )
    operator = entry(workspace_id=home, created=1, action="user.create")
    await store(uow_factory, detailed, operator)
    async with uow_factory() as uow:
        page = await uow.audit_log.list(home, PageRequest(order=Order.OLDEST_FIRST))
    assert page.items == [detailed, operator]
    assert page.items[1].actor_id is None
    assert page.items[1].details == {}


async def test_an_entry_is_recorded_once(uow_factory: UnitOfWorkFactory, home: UUID) -> None:
    once = entry(workspace_id=home)
    await store(uow_factory, once)
    async with uow_factory() as uow:
        with pytest.raises(Conflict):
            await uow.audit_log.record(once)


async def test_details_are_stored_as_json(uow_factory: UnitOfWorkFactory, home: UUID) -> None:
    someone = uuid4()
    await store(uow_factory, entry(workspace_id=home, details={"owner_id": someone}))
    async with uow_factory() as uow:
        (stored,) = (await uow.audit_log.list(home, PageRequest())).items
    assert stored.details == {"owner_id": str(someone)}


async def test_list_filters_by_actor_target_and_action(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    ana, luis = uuid4(), uuid4()
    a1 = entry(workspace_id=home, created=1, actor_id=ana, action="user.create", target_id="u1")
    a2 = entry(workspace_id=home, created=2, actor_id=ana, action="user.delete", target_id="u2")
    l1 = entry(workspace_id=home, created=3, actor_id=luis, action="user.create", target_id="u2")
    cli = entry(workspace_id=home, created=4, action="user.create", target_id="u3")
    await store(uow_factory, a1, a2, l1, cli)
    page = PageRequest(order=Order.OLDEST_FIRST)
    async with uow_factory() as uow:
        log = functools.partial(uow.audit_log.list, home)
        assert (await log(page, actor_id=ana)).items == [a1, a2]
        assert (await log(page, target_id="u2")).items == [a2, l1]
        assert (await log(page, action="user.create")).items == [a1, l1, cli]
        assert (await log(page, actor_id=ana, action="user.create")).items == [a1]
        assert (await log(page, actor_id=uuid4())).items == []


@pytest.mark.parametrize("order", list(Order))
@pytest.mark.parametrize("limit", [1, 4])
async def test_list_pages_without_gaps_or_repeats(
    uow_factory: UnitOfWorkFactory, home: UUID, order: Order, limit: int
) -> None:
    entries = [entry(workspace_id=home, created=n // 3) for n in range(10)]
    await store(uow_factory, *entries)
    async with uow_factory() as uow:
        pages = await walk(lambda request: uow.audit_log.list(home, request), limit, order)
    assert [item for page in pages for item in page] == expected_order(entries, _key, order)


async def test_list_keeps_what_admins_changed_apart_from_what_they_looked_at(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    changes = [
        entry(workspace_id=home, created=0, action="user.update"),
        entry(workspace_id=home, created=1, action="allowlist.add"),
        # A verb that only ends like a read is a change.
        entry(workspace_id=home, created=2, action="conversation.review_list_of_changes"),
    ]
    reads = [
        entry(workspace_id=home, created=3, action="conversation.view"),
        entry(workspace_id=home, created=4, action="user.list"),
        entry(workspace_id=home, created=5, action="file.download"),
    ]
    await store(uow_factory, *changes, *reads)
    oldest_first = PageRequest(order=Order.OLDEST_FIRST)
    async with uow_factory() as uow:
        only_changes = await uow.audit_log.list(home, oldest_first, kind=AuditKind.CHANGES)
        only_reads = await uow.audit_log.list(home, oldest_first, kind=AuditKind.READS)
        both = await uow.audit_log.list(home, oldest_first)
        one_reader = await uow.audit_log.list(
            home, oldest_first, kind=AuditKind.READS, action="user.list"
        )
    assert only_changes.items == changes
    assert only_reads.items == reads
    assert both.items == changes + reads
    assert one_reader.items == [reads[1]]
