"""RecordRepository contract: records, their comments and the workspace's own types, each within
its workspace, on every adapter."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import pytest

from ignacio.application.ports import RecordFilter, UnitOfWorkFactory
from ignacio.domain import Conflict, NotFound, Order, Page, PageRequest
from ignacio.domain.records import (
    PROPOSAL,
    REPORT,
    FieldKind,
    FieldSpec,
    Record,
    RecordComment,
    RecordSource,
    RecordStatus,
    RecordType,
)
from tests.contract.builders import at, conversation, expected_order, store, user, walk, workspace

PROPOSED = {
    "summary": "Login page and user dashboard",
    "items": [
        {"type": "feature", "title": "Login page", "estimatedHours": 3.5, "dueDate": "2026-12-11"},
        {"title": "Dashboard ✓", "priority": "high"},
    ],
    "totalEstimatedHours": 8,
    "confidence": 0.6,
}


def record(owner: UUID, workspace_id: UUID, *, created: float = 0, **fields: Any) -> Record:
    made = Record.drafted(
        id=uuid4(),
        workspace_id=workspace_id,
        user_id=owner,
        kind=PROPOSAL,
        values=PROPOSED,
        source=RecordSource.ASSISTANT,
        at=at(created),
    )
    return Record(**{**{f: getattr(made, f) for f in Record.__struct_fields__}, **fields})


def comment(
    of: Record, author: UUID, *, created: float = 0, text: str = "Looks good"
) -> RecordComment:
    return RecordComment(
        id=uuid4(),
        workspace_id=of.workspace_id,
        record_id=of.id,
        author_id=author,
        text=text,
        created_at=at(created),
        notice="text",
    )


async def test_a_record_reads_back_unchanged_and_changes_as_a_whole(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    ana = user(1)
    chat = conversation(ana, home)
    await store(uow_factory, ana, chat)
    kept = record(ana.id, home, conversation_id=chat.id, unfilled=("items",))
    async with uow_factory() as uow:
        await uow.records.add(kept)
        await uow.commit()
    async with uow_factory(read_only=True) as uow:
        assert await uow.records.get(home, kept.id) == kept
        assert await uow.records.latest_draft(home, ana.id) == kept
    confirmed = kept.confirmed(at(5))
    async with uow_factory() as uow:
        assert await uow.records.get(home, kept.id, for_update=True) == kept
        await uow.records.update(confirmed)
        await uow.commit()
    async with uow_factory(read_only=True) as uow:
        assert await uow.records.get(home, kept.id) == confirmed
        assert await uow.records.latest_draft(home, ana.id) is None
    async with uow_factory() as uow:
        with pytest.raises(Conflict):
            await uow.records.add(kept)


async def test_another_workspace_s_records_and_comments_are_not_there(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    lab = workspace(1)
    ana, agent = user(1), user(2)
    await store(uow_factory, lab, ana, agent)
    theirs = record(ana.id, lab.id)
    async with uow_factory() as uow:
        await uow.records.add(theirs)
        await uow.records.add_comment(comment(theirs, agent.id))
        # Moving it to another workspace by an update is not possible.
        await uow.records.update(
            Record(
                **{
                    **{f: getattr(theirs, f) for f in Record.__struct_fields__},
                    "workspace_id": home,
                }
            )
        )
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.records.get(home, theirs.id) is None
        assert await uow.records.latest_draft(home, ana.id) is None
        assert (await uow.records.list(home, RecordFilter(), PageRequest())).items == []
        assert await uow.records.comments(home, theirs.id) == []
        with pytest.raises(NotFound):
            await uow.records.add_comment(
                RecordComment(
                    **{
                        **{
                            f: getattr(comment(theirs, agent.id), f)
                            for f in RecordComment.__struct_fields__
                        },
                        "workspace_id": home,
                    }
                )
            )
        assert await uow.records.get(lab.id, theirs.id) == theirs
        assert len(await uow.records.comments(lab.id, theirs.id)) == 1


async def test_comments_read_oldest_first_and_need_their_record(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    ana, agent = user(1), user(2)
    await store(uow_factory, ana, agent)
    kept = record(ana.id, home)
    said = [comment(kept, agent.id, created=c, text=f"note {c}") for c in (3, 1, 2)]
    async with uow_factory() as uow:
        await uow.records.add(kept)
        for each in said:
            await uow.records.add_comment(each)
        with pytest.raises(NotFound):
            await uow.records.add_comment(comment(record(ana.id, home), agent.id))
        await uow.commit()
    async with uow_factory(read_only=True) as uow:
        assert await uow.records.comments(home, kept.id) == sorted(said, key=lambda c: c.created_at)


@pytest.mark.parametrize("order", list(Order))
async def test_the_list_filters_and_pages_by_creation_time(
    uow_factory: UnitOfWorkFactory, home: UUID, order: Order
) -> None:
    ana, bea = user(1), user(2)
    await store(uow_factory, ana, bea)
    made = [
        record(
            (ana if n % 2 else bea).id,
            home,
            created=n // 3,  # several at the same moment: the id breaks the tie
            type_name="report" if n % 3 == 0 else "proposal",
            status=RecordStatus.OPEN if n % 4 == 0 else RecordStatus.DRAFT,
        )
        for n in range(23)
    ]
    async with uow_factory() as uow:
        for each in made:
            await uow.records.add(each)
        await uow.commit()
    key = lambda r: (r.created_at, r.id)  # noqa: E731
    for where in (
        RecordFilter(),
        RecordFilter(user_id=ana.id),
        RecordFilter(type_name="report"),
        RecordFilter(status=RecordStatus.OPEN, type_name="proposal"),
        RecordFilter(user_id=bea.id, status=RecordStatus.DRAFT),
    ):
        async with uow_factory(read_only=True) as uow:

            async def fetch(page: PageRequest, where: RecordFilter = where) -> Page[Record]:
                return await uow.records.list(home, where, page)

            pages = await walk(fetch, 4, order)
        wanted = [
            r
            for r in made
            if (where.user_id is None or r.user_id == where.user_id)
            and (where.type_name is None or r.type_name == where.type_name)
            and (where.status is None or r.status is where.status)
        ]
        assert [r for page in pages for r in page] == expected_order(wanted, key, order)


async def test_a_workspace_keeps_its_own_types_by_name(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    lab = workspace(1)
    await store(uow_factory, lab)
    incident = RecordType(
        name="incident",
        label="Incident",
        fields=(
            FieldSpec(key="what", label="What happened", kind=FieldKind.TEXT, required=True),
            FieldSpec(
                key="people",
                label="People",
                kind=FieldKind.ITEMS,
                items=(FieldSpec(key="name", label="Name", kind=FieldKind.TEXT),),
            ),
        ),
        text_field="what",
    )
    async with uow_factory() as uow:
        await uow.records.add_type(home, incident)
        await uow.records.add_type(home, REPORT)
        await uow.records.add_type(lab.id, incident)
        with pytest.raises(Conflict):
            await uow.records.add_type(home, incident)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.records.types(home) == [incident, REPORT]
        assert await uow.records.remove_type(home, "report")
        assert not await uow.records.remove_type(home, "report")
        await uow.commit()
    async with uow_factory(read_only=True) as uow:
        assert await uow.records.types(home) == [incident]
        assert await uow.records.types(lab.id) == [incident]


async def test_a_member_s_records_and_comments_follow_them_when_joined_to_another(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    survivor, joining, agent = user(1), user(2, phone=None), user(3)
    await store(uow_factory, survivor, joining, agent)
    theirs = record(joining.id, home)
    by_them = comment(theirs, joining.id)
    async with uow_factory() as uow:
        await uow.records.add(theirs)
        await uow.records.add_comment(by_them)
        await uow.commit()
    async with uow_factory() as uow:
        await uow.users.merge_into(joining.id, survivor.id)
        await uow.commit()
    async with uow_factory(read_only=True) as uow:
        kept = await uow.records.get(home, theirs.id)
        [said] = await uow.records.comments(home, theirs.id)
        draft = await uow.records.latest_draft(home, survivor.id)
    assert kept is not None and kept.user_id == survivor.id
    assert draft is not None and draft.id == theirs.id
    assert said.author_id == survivor.id
