"""UserRepository.merge_into contract: two members found to be one person become one."""

from __future__ import annotations

from uuid import UUID

import msgspec
import pytest

from ignacio.adapters.sql.tables import metadata
from ignacio.adapters.sql.users import ONE_PER_PERSON, PERSON_COLUMNS
from ignacio.application.ports import UnitOfWorkFactory
from ignacio.domain import Author, NotFound, PageRequest
from ignacio.domain.events import WorkspaceEvent
from ignacio.domain.handover import ConversationState, ReadMarker
from ignacio.domain.workflow import StepAnswer, StepKind
from ignacio.domain.workspaces import WorkspaceRole
from tests.contract.builders import (
    at,
    conversation,
    entry,
    identity,
    membership,
    message,
    session,
    store,
    user,
    user_file,
    workspace,
)


async def test_everything_of_the_joined_member_moves_to_the_survivor(
    uow_factory: UnitOfWorkFactory,
) -> None:
    survivor, joining, bystander = user(1, name="Ana"), user(2, phone=None), user(3)
    one, two = workspace(1), workspace(2)
    hers = conversation(survivor, one.id)
    theirs = conversation(joining, one.id, updated=5)
    said = message(theirs, content="my order is late")
    file = user_file(joining, one.id, conversation_id=theirs.id)
    their_id = identity(joining, "US.1")
    device = session(joining)
    audited = entry(actor_id=joining.id)
    await store(
        uow_factory,
        survivor,
        joining,
        bystander,
        one,
        two,
        hers,
        theirs,
        said,
        file,
        their_id,
        device,
        audited,
        membership(one, survivor, WorkspaceRole.AGENT),
        membership(one, joining),
        membership(two, joining),
        membership(two, bystander),
    )

    async with uow_factory() as uow:
        await uow.users.merge_into(joining.id, survivor.id)
        await uow.commit()

    async with uow_factory(read_only=True) as uow:
        assert await uow.users.get(joining.id) is None
        assert await uow.users.get(survivor.id) == survivor
        moved = await uow.conversations.get(one.id, theirs.id)
        assert moved is not None and moved.user_id == survivor.id
        kept = await uow.messages.get(said.id)
        assert kept is not None and (kept.user_id, kept.content) == (survivor.id, said.content)
        moved_file = await uow.files.get(one.id, file.id)
        assert moved_file is not None and moved_file.user_id == survivor.id
        found = await uow.identities.find(their_id.provider, their_id.account, "US.1")
        assert found is not None and found.user_id == survivor.id
        # Their browser stays logged in, as the survivor.
        assert await uow.users.get_in_session(survivor.id, device.id) == survivor
        # Where both were members the survivor's role stands; elsewhere theirs moves.
        roles = {j.workspace.id: j.role for j in await uow.workspaces.of_user(survivor.id)}
        assert roles == {one.id: WorkspaceRole.AGENT, two.id: WorkspaceRole.MEMBER}
        assert await uow.workspaces.of_user(joining.id) == []
        assert sorted(await uow.memberships.user_ids(two.id)) == sorted([survivor.id, bystander.id])
        # The audit log says who did what as it was then.
        log = await uow.audit_log.list(None, PageRequest(limit=10), actor_id=joining.id)
        assert [e.id for e in log.items] == [audited.id]


async def test_what_the_joined_member_did_for_a_team_names_the_survivor(
    uow_factory: UnitOfWorkFactory,
) -> None:
    member, survivor, joining = user(1), user(2), user(3, phone=None)
    place = workspace(1)
    talk = conversation(member, place.id, state=ConversationState.HUMAN, assignee_id=joining.id)
    reply = message(talk, author=Author.STAFF, sent_by=joining.id, content="On its way.")
    await store(
        uow_factory,
        member,
        survivor,
        joining,
        place,
        membership(place, survivor, WorkspaceRole.AGENT),
        membership(place, joining, WorkspaceRole.AGENT),
        talk,
        reply,
    )
    async with uow_factory() as uow:
        # Both read the conversation: the survivor's marker stays, theirs goes.
        await uow.conversations.mark_read(
            ReadMarker(conversation_id=talk.id, user_id=survivor.id, read_until=at(1))
        )
        await uow.conversations.mark_read(
            ReadMarker(conversation_id=talk.id, user_id=joining.id, read_until=at(2))
        )
        await uow.commit()
    async with uow_factory() as uow:
        await uow.users.merge_into(joining.id, survivor.id)
        await uow.commit()
    async with uow_factory(read_only=True) as uow:
        assigned = await uow.conversations.get(place.id, talk.id)
        assert assigned is not None and assigned.assignee_id == survivor.id
        sent = await uow.messages.get(reply.id)
        assert sent is not None and sent.sent_by == survivor.id


async def test_a_copy_read_before_a_merge_and_written_after_keeps_the_survivor(
    uow_factory: UnitOfWorkFactory,
) -> None:
    survivor, joining = user(1), user(2, phone=None)
    place = workspace(1)
    theirs = conversation(joining, place.id)
    said = message(theirs)
    file = user_file(joining, place.id)
    their_id = identity(joining, "US.2")
    await store(uow_factory, survivor, joining, place, theirs, said, file, their_id)
    # A job read these before the merge (say, the answer being written)...
    async with uow_factory() as uow:
        await uow.users.merge_into(joining.id, survivor.id)
        await uow.commit()
    # ...and writes them after: they stay with the survivor, whatever the copies say.
    async with uow_factory() as uow:
        await uow.conversations.update(msgspec.structs.replace(theirs, title="Order"))
        await uow.messages.update(said.attempted())
        await uow.files.update(file.resync_requested())
        await uow.identities.update(msgspec.structs.replace(their_id, username="ana"))
        await uow.commit()
    async with uow_factory(read_only=True) as uow:
        talk = await uow.conversations.get(place.id, theirs.id)
        assert talk is not None and (talk.user_id, talk.title) == (survivor.id, "Order")
        kept = await uow.messages.get(said.id)
        assert kept is not None and kept.user_id == survivor.id
        kept_file = await uow.files.get(place.id, file.id)
        assert kept_file is not None and kept_file.user_id == survivor.id
        found = await uow.identities.find(their_id.provider, their_id.account, "US.2")
        assert found is not None and (found.user_id, found.username) == (survivor.id, "ana")


async def test_live_events_written_in_the_same_unit_of_work_move_with_the_member(
    uow_factory: UnitOfWorkFactory,
) -> None:
    survivor, joining = user(1), user(2, phone=None)
    place = workspace(1)
    theirs = conversation(joining, place.id)
    said = message(theirs)
    await store(uow_factory, survivor, joining, place, theirs, said)
    async with uow_factory() as uow:
        # The answer to the YES that confirms a link is stored, and told, before the join.
        await uow.events.append(WorkspaceEvent.message_added(said, at(1)))
        await uow.users.merge_into(joining.id, survivor.id)
        await uow.commit()
    async with uow_factory(read_only=True) as uow:
        events = await uow.events.after(place.id, 0, 10, member_id=survivor.id)
        assert [e.member_id for e in events] == [survivor.id]
        assert await uow.events.after(place.id, 0, 10, member_id=joining.id) == []


async def test_joining_needs_two_members(uow_factory: UnitOfWorkFactory) -> None:
    ana = user(1)
    await store(uow_factory, ana)
    async with uow_factory() as uow:
        with pytest.raises(NotFound):
            await uow.users.merge_into(ana.id, ana.id)
        with pytest.raises(NotFound):
            await uow.users.merge_into(user(2).id, ana.id)
        with pytest.raises(NotFound):
            await uow.users.merge_into(ana.id, user(3).id)
        assert await uow.users.get(ana.id) == ana


def test_every_column_that_refers_to_a_person_is_moved_by_a_merge() -> None:
    """A table added later with a foreign key to `users` must say what a merge does with it
    (else the merge's delete of the joined member would cascade its rows away)."""
    moved = {(c.table.name, c.name) for c in PERSON_COLUMNS} | {
        (table.name, "user_id") for table, _ in ONE_PER_PERSON
    }
    referring = {
        (table.name, column.name)
        for table in metadata.tables.values()
        for column in table.columns
        for key in column.foreign_keys
        if key.target_fullname == "users.id"
    }
    assert referring <= moved, referring - moved


async def test_answers_to_workflow_steps_follow_the_member_the_survivor_s_kept(
    uow_factory: UnitOfWorkFactory,
) -> None:
    survivor, joining, teammate, bystander = user(1), user(2, phone=None), user(3), user(4)
    one, two = workspace(1), workspace(2)
    await store(uow_factory, survivor, joining, teammate, bystander, one, two)

    def answer(key: str, value: str, set_by: UUID | None = None) -> StepAnswer:
        return StepAnswer(key=key, value=value, kind=StepKind.TEXT, set_by=set_by, set_at=at(1))

    async with uow_factory() as uow:
        await uow.workflows.set_answer(one.id, survivor.id, answer("stage", "idea"))
        await uow.workflows.set_answer(one.id, joining.id, answer("stage", "revenue"))
        await uow.workflows.set_answer(one.id, joining.id, answer("email", "j@example.org"))
        # The same key in another workspace is another answer.
        await uow.workflows.set_answer(two.id, joining.id, answer("stage", "prototype"))
        # What the joining person set for someone else, as the team.
        await uow.workflows.set_answer(one.id, bystander.id, answer("note", "x", joining.id))
        await uow.commit()
    async with uow_factory() as uow:
        await uow.users.merge_into(joining.id, survivor.id)
        await uow.commit()
    async with uow_factory(read_only=True) as uow:
        here = await uow.workflows.progress(one.id, survivor.id)
        there = await uow.workflows.progress(two.id, survivor.id)
        theirs = await uow.workflows.progress(one.id, bystander.id)
    assert {key: a.value for key, a in here.answers.items()} == {
        "stage": "idea",
        "email": "j@example.org",
    }
    assert {key: a.value for key, a in there.answers.items()} == {"stage": "prototype"}
    assert theirs.answers["note"].set_by == survivor.id
