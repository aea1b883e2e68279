"""WorkflowRepository contract: steps and answers within one workspace, on every adapter; and the
inbox's qualified filter, which must agree with `Progress.qualified`."""

from __future__ import annotations

from uuid import UUID, uuid4

import pytest

from ignacio.application.ports import UnitOfWorkFactory
from ignacio.application.ports.conversations import InboxFilter, Qualification
from ignacio.domain import NotFound, PageRequest
from ignacio.domain.workflow import StepAnswer, StepKind, Workflow, WorkflowStep
from tests.contract.builders import at, conversation, store, user, workspace

EMAIL = WorkflowStep(key="email", prompt="Ask for their email address.", kind=StepKind.EMAIL)
STAGE = WorkflowStep(
    key="stage",
    prompt="Ask how far their project is.",
    kind=StepKind.CHOICE,
    options=("Idea", "Prototype"),
)
NOTE = WorkflowStep(key="note", prompt="Anything else we should know?", required=False)
STEPS = Workflow(steps=(EMAIL, STAGE, NOTE))


def answer(key: str, value: str, kind: StepKind, *, by: UUID | None = None) -> StepAnswer:
    return StepAnswer(key=key, value=value, kind=kind, set_by=by, set_at=at(1))


async def test_steps_read_back_in_order_and_replace_whole(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    async with uow_factory() as uow:
        assert await uow.workflows.get(home) == Workflow()
        await uow.workflows.replace(home, STEPS, at(1))
        await uow.commit()
    async with uow_factory(read_only=True) as uow:
        assert await uow.workflows.get(home) == STEPS
    shorter = Workflow(steps=(STAGE,))
    async with uow_factory() as uow:
        await uow.workflows.replace(home, shorter, at(2))
        await uow.commit()
    async with uow_factory(read_only=True) as uow:
        assert await uow.workflows.get(home) == shorter


async def test_steps_need_their_workspace(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        with pytest.raises(NotFound):
            await uow.workflows.replace(uuid4(), STEPS, at(1))


async def test_answers_replace_by_key_and_keep_who_set_them(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    ana, agent = user(1), user(2)
    await store(uow_factory, ana, agent)
    by_assistant = answer("email", "ana@example.org", StepKind.EMAIL)
    corrected = answer("email", "ana@example.com", StepKind.EMAIL, by=agent.id)
    stage = answer("stage", "Idea", StepKind.CHOICE)
    async with uow_factory() as uow:
        await uow.workflows.set_answer(home, ana.id, by_assistant)
        await uow.workflows.set_answer(home, ana.id, stage)
        await uow.commit()
    async with uow_factory() as uow:
        await uow.workflows.set_answer(home, ana.id, corrected)
        await uow.commit()
    async with uow_factory(read_only=True) as uow:
        progress = await uow.workflows.progress(home, ana.id)
        nobody = await uow.workflows.progress(home, agent.id)
    assert progress.answers == {"email": corrected, "stage": stage}
    assert (progress.workspace_id, progress.user_id) == (home, ana.id)
    assert nobody.answers == {}


async def test_answers_are_the_member_s_in_one_workspace_only(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    lab = workspace(1)
    ana, ben = user(1), user(2)
    await store(uow_factory, lab, ana, ben)
    async with uow_factory() as uow:
        await uow.workflows.set_answer(
            home, ana.id, answer("email", "a@example.org", StepKind.EMAIL)
        )
        await uow.workflows.set_answer(
            lab.id, ben.id, answer("email", "b@example.org", StepKind.EMAIL)
        )
        await uow.commit()
    async with uow_factory(read_only=True) as uow:
        assert (await uow.workflows.progress(lab.id, ana.id)).answers == {}
        assert (await uow.workflows.progress(home, ben.id)).answers == {}
        both = await uow.workflows.progress_of(home, [ana.id, ben.id])
        assert set(both) == {ana.id, ben.id}
        assert both[ana.id].answers["email"].value == "a@example.org"
        assert both[ben.id].answers == {}
        assert await uow.workflows.progress_of(home, []) == {}
        listed = await uow.workflows.answered(home, after=None, limit=10)
        assert [progress.user_id for progress in listed] == [ana.id]


async def test_an_answer_needs_its_member_and_workspace(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    ana = user(1)
    await store(uow_factory, ana)
    async with uow_factory() as uow:
        with pytest.raises(NotFound):
            await uow.workflows.set_answer(home, uuid4(), answer("note", "hi", StepKind.TEXT))
        with pytest.raises(NotFound):
            await uow.workflows.set_answer(uuid4(), ana.id, answer("note", "hi", StepKind.TEXT))
        # The transaction is still usable after either.
        await uow.workflows.set_answer(home, ana.id, answer("note", "hi", StepKind.TEXT))
        await uow.commit()


async def test_clearing_forgets_one_answer(uow_factory: UnitOfWorkFactory, home: UUID) -> None:
    ana = user(1)
    await store(uow_factory, ana)
    async with uow_factory() as uow:
        await uow.workflows.set_answer(home, ana.id, answer("note", "hi", StepKind.TEXT))
        await uow.workflows.set_answer(
            home, ana.id, answer("email", "a@example.org", StepKind.EMAIL)
        )
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.workflows.clear_answer(home, ana.id, "note")
        assert not await uow.workflows.clear_answer(home, ana.id, "note")
        await uow.commit()
    async with uow_factory(read_only=True) as uow:
        assert set((await uow.workflows.progress(home, ana.id)).answers) == {"email"}


async def test_the_answered_members_come_page_by_page(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    members = [user(n) for n in range(1, 6)]
    await store(uow_factory, *members)
    async with uow_factory() as uow:
        for member in members:
            await uow.workflows.set_answer(home, member.id, answer("note", "x", StepKind.TEXT))
            await uow.workflows.set_answer(
                home, member.id, answer("email", "a@b.org", StepKind.EMAIL)
            )
        await uow.commit()
    seen: list[UUID] = []
    after: UUID | None = None
    async with uow_factory(read_only=True) as uow:
        while page := await uow.workflows.answered(home, after=after, limit=2):
            assert len(page) <= 2
            assert all(set(progress.answers) == {"note", "email"} for progress in page)
            seen.extend(progress.user_id for progress in page)
            after = page[-1].user_id
    assert seen == sorted(member.id for member in members)


async def test_a_deleted_member_s_answers_go_with_them(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    ana = user(1)
    await store(uow_factory, ana)
    async with uow_factory() as uow:
        await uow.workflows.set_answer(home, ana.id, answer("note", "x", StepKind.TEXT))
        await uow.commit()
    async with uow_factory() as uow:
        await uow.users.delete(ana.id)
        await uow.commit()
    async with uow_factory(read_only=True) as uow:
        assert await uow.workflows.answered(home, after=None, limit=10) == []


async def test_the_inbox_filters_qualified_members_by_the_current_steps(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    agent = user(9)
    done, halfway, choice_in_other_case, wrong_type, nothing = (user(n) for n in range(1, 6))
    people = [done, halfway, choice_in_other_case, wrong_type, nothing]
    chats = {person.id: conversation(person, home, updated=n) for n, person in enumerate(people)}
    await store(uow_factory, agent, *people, *chats.values())
    email = answer("email", "a@example.org", StepKind.EMAIL)
    async with uow_factory() as uow:
        for person in (done, halfway, choice_in_other_case):
            await uow.workflows.set_answer(home, person.id, email)
        await uow.workflows.set_answer(home, done.id, answer("stage", "Idea", StepKind.CHOICE))
        await uow.workflows.set_answer(
            home, choice_in_other_case.id, answer("stage", "PROTOTYPE", StepKind.CHOICE)
        )
        # Answered when `email` was a text step: kept, but it does not count.
        await uow.workflows.set_answer(home, wrong_type.id, answer("email", "x", StepKind.TEXT))
        await uow.workflows.set_answer(
            home, wrong_type.id, answer("stage", "Idea", StepKind.CHOICE)
        )
        await uow.commit()

    async def listed(workflow: Workflow, qualified: bool) -> set[UUID]:
        wanted = InboxFilter(qualification=Qualification(workflow=workflow, qualified=qualified))
        async with uow_factory(read_only=True) as uow:
            page = await uow.conversations.inbox(home, agent.id, PageRequest(), wanted)
            progress = await uow.workflows.progress_of(home, [p.id for p in people])
        members = {item.conversation.user_id for item in page.items}
        # The store and the domain agree on who is qualified.
        assert members == {
            user_id for user_id, p in progress.items() if p.qualified(workflow) == qualified
        }
        return members

    assert await listed(STEPS, True) == {done.id, choice_in_other_case.id}
    assert await listed(STEPS, False) == {halfway.id, wrong_type.id, nothing.id}
    # The stage's options change: "Prototype" no longer counts.
    narrower = Workflow(
        steps=(
            EMAIL,
            WorkflowStep(key="stage", prompt="Stage?", kind=StepKind.CHOICE, options=("idea",)),
        )
    )
    assert await listed(narrower, True) == {done.id}
    # Without required steps, nobody is qualified.
    assert await listed(Workflow(steps=(NOTE,)), True) == set()
    assert await listed(Workflow(), False) == {p.id for p in people}
