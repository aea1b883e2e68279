"""WorkspaceRepository and MembershipRepository contract."""

from __future__ import annotations

import asyncio
from datetime import datetime
from uuid import UUID, uuid4

import msgspec
import pytest

from ignacio.application.ports import UnitOfWork, UnitOfWorkFactory
from ignacio.domain import Conflict, NotFound, Order, PageRequest, User
from ignacio.domain.access import WhatsAppAccess
from ignacio.domain.templates import MessageTemplate
from ignacio.domain.workspaces import (
    DEFAULT_SLUG,
    DEFAULT_WORKSPACE_INSTRUCTIONS,
    DEFAULT_WORKSPACE_NAME,
    AssistantSettings,
    Membership,
    Workspace,
    WorkspaceRole,
)
from tests.contract.builders import (
    at,
    expected_order,
    membership,
    store,
    user,
    walk,
    workspace,
)

ADMIN, AGENT, MEMBER = WorkspaceRole.ADMIN, WorkspaceRole.AGENT, WorkspaceRole.MEMBER
EVERY_SETTING = AssistantSettings(
    name="Lucía",
    instructions="Answer as Action Lab's programme officer.\nNever promise funding.",
    language="pt-BR",
    model="gpt-5-mini",
    web_search=False,
)


def _key(item: Workspace | Membership) -> tuple[datetime, UUID]:
    return (item.created_at, item.id)


async def _the_default(uow_factory: UnitOfWorkFactory) -> Workspace:
    async with uow_factory() as uow:
        default = await uow.workspaces.get_by_slug(DEFAULT_SLUG)
    assert default is not None
    return default


async def test_a_new_database_holds_the_default_workspace_and_nothing_else(
    uow_factory: UnitOfWorkFactory,
) -> None:
    default = await _the_default(uow_factory)
    assert (default.name, default.assistant, default.access) == (
        DEFAULT_WORKSPACE_NAME,
        AssistantSettings(instructions=DEFAULT_WORKSPACE_INSTRUCTIONS),
        None,
    )
    async with uow_factory() as uow:
        assert (await uow.workspaces.list(PageRequest(limit=100))).items == [default]
        assert (await uow.memberships.list(default.id, PageRequest())).items == []


async def test_a_workspace_reads_back_unchanged(uow_factory: UnitOfWorkFactory) -> None:
    chosen = workspace(1, assistant=EVERY_SETTING, access=WhatsAppAccess.WHITELIST)
    bare = workspace(2, created=1)
    await store(uow_factory, chosen, bare)
    async with uow_factory() as uow:
        assert await uow.workspaces.get(chosen.id) == chosen
        assert await uow.workspaces.get(bare.id) == bare
        assert await uow.workspaces.get_by_slug("workspace-1") == chosen
        assert await uow.workspaces.get_by_slug("workspace-2") == bare
        assert await uow.workspaces.get(uuid4()) is None
        assert await uow.workspaces.get_by_slug("workspace-3") is None
    read = await _get(uow_factory, bare.id)
    assert read.assistant == AssistantSettings()
    assert read.access is None


@pytest.mark.parametrize(
    "settings",
    [
        EVERY_SETTING,
        AssistantSettings(),
        AssistantSettings(web_search=True),
        AssistantSettings(name="Ignacio", language="es"),
    ],
)
@pytest.mark.parametrize("access", [None, *WhatsAppAccess])
async def test_assistant_settings_and_access_round_trip(
    uow_factory: UnitOfWorkFactory, settings: AssistantSettings, access: WhatsAppAccess | None
) -> None:
    stored = workspace(1, assistant=settings, access=access)
    await store(uow_factory, stored)
    assert await _get(uow_factory, stored.id) == stored


@pytest.mark.parametrize(
    "template",
    [
        None,
        MessageTemplate(name="follow_up"),
        MessageTemplate(name="HX" + "ab" * 16, language="pt_BR", variables=("nombre", "tema")),
    ],
)
async def test_the_reply_template_round_trips_and_is_replaced_by_an_update(
    uow_factory: UnitOfWorkFactory, template: MessageTemplate | None
) -> None:
    stored = workspace(1, reply_template=template)
    await store(uow_factory, stored)
    assert await _get(uow_factory, stored.id) == stored
    other = MessageTemplate(name="other_one", variables=("x",))
    changed = msgspec.structs.replace(stored, reply_template=None if template else other)
    async with uow_factory() as uow:
        await uow.workspaces.update(changed)
        await uow.commit()
    assert await _get(uow_factory, stored.id) == changed


async def test_a_short_name_belongs_to_one_workspace(uow_factory: UnitOfWorkFactory) -> None:
    await store(uow_factory, workspace(1))
    async with uow_factory() as uow:
        with pytest.raises(Conflict):
            await uow.workspaces.add(workspace(1, name="Another one"))
        # The transaction stays usable after the clash.
        await uow.workspaces.add(workspace(2))
        await uow.commit()
    async with uow_factory() as uow:
        # With the default workspace every database starts with.
        assert len((await uow.workspaces.list(PageRequest(limit=100))).items) == 3


async def test_update_replaces_the_workspace(uow_factory: UnitOfWorkFactory) -> None:
    original = workspace(1)
    await store(uow_factory, original)
    changed, _ = original.configured(
        at(5), name="Action Lab", assistant=EVERY_SETTING, access=WhatsAppAccess.REGISTERED
    )
    async with uow_factory() as uow:
        await uow.workspaces.update(changed)
        await uow.commit()
    assert await _get(uow_factory, original.id) == changed
    back, _ = changed.configured(at(6), assistant=AssistantSettings(), access=None)
    async with uow_factory() as uow:
        await uow.workspaces.update(back)
        await uow.commit()
    assert await _get(uow_factory, original.id) == back


async def test_update_of_a_missing_workspace_is_not_found(
    uow_factory: UnitOfWorkFactory,
) -> None:
    async with uow_factory() as uow:
        with pytest.raises(NotFound):
            await uow.workspaces.update(workspace(1))


@pytest.mark.parametrize("order", list(Order))
@pytest.mark.parametrize("limit", [1, 4])
async def test_list_pages_through_every_workspace_once(
    uow_factory: UnitOfWorkFactory, order: Order, limit: int
) -> None:
    workspaces = [workspace(n, created=n // 3) for n in range(7)]
    await store(uow_factory, *workspaces)
    workspaces.append(await _the_default(uow_factory))
    async with uow_factory() as uow:
        pages = await walk(uow.workspaces.list, limit, order)
    assert len(pages) > 1
    assert [item for page in pages for item in page] == expected_order(workspaces, _key, order)


async def test_of_user_lists_their_workspaces_oldest_first(
    uow_factory: UnitOfWorkFactory,
) -> None:
    ana, luis = user(1), user(2)
    newest, tied, also_tied, oldest = (
        workspace(1, created=9),
        workspace(2, created=5),
        workspace(3, created=5),
        workspace(4, created=1),
    )
    # Joined in another order than the workspaces were created: the workspaces' age counts.
    await store(
        uow_factory,
        ana,
        luis,
        newest,
        tied,
        also_tied,
        oldest,
        membership(newest, ana, created=1),
        membership(tied, ana, ADMIN, created=2),
        membership(also_tied, ana, AGENT, created=3),
        membership(oldest, ana, created=4),
        membership(tied, luis),
    )
    async with uow_factory() as uow:
        assert await workspaces_of(uow, ana.id) == [
            oldest,
            *sorted([tied, also_tied], key=_key),
            newest,
        ]
        assert await workspaces_of(uow, luis.id) == [tied]
        assert await workspaces_of(uow, uuid4()) == []
        # Each with the person's role there, in the same read.
        roles = {j.workspace.id: j.role for j in await uow.workspaces.of_user(ana.id)}
        assert roles == {
            newest.id: MEMBER,
            tied.id: ADMIN,
            also_tied.id: AGENT,
            oldest.id: MEMBER,
        }


async def test_a_membership_reads_back_unchanged(uow_factory: UnitOfWorkFactory) -> None:
    team, other = workspace(1), workspace(2)
    ana, luis = user(1), user(2)
    hers = membership(team, ana, AGENT, created=3, updated_at=at(4))
    await store(uow_factory, team, other, ana, luis, hers)
    async with uow_factory() as uow:
        assert await uow.memberships.get(team.id, ana.id) == hers
        assert await uow.memberships.get(team.id, luis.id) is None
        assert await uow.memberships.get(other.id, ana.id) is None
        assert await uow.memberships.get(uuid4(), ana.id) is None


async def test_a_person_joins_a_workspace_once(uow_factory: UnitOfWorkFactory) -> None:
    team, other = workspace(1), workspace(2, created=1)
    ana = user(1)
    await store(uow_factory, team, other, ana, membership(team, ana))
    async with uow_factory() as uow:
        with pytest.raises(Conflict):
            await uow.memberships.add(membership(team, ana, ADMIN))
        # The transaction stays usable after the clash, and the same person may join another.
        await uow.memberships.add(membership(other, ana, ADMIN))
        await uow.commit()
    async with uow_factory() as uow:
        found = await uow.memberships.get(team.id, ana.id)
        assert found is not None
        assert found.role is MEMBER
        assert await workspaces_of(uow, ana.id) == [team, other]


async def test_joining_a_missing_workspace_is_not_found(uow_factory: UnitOfWorkFactory) -> None:
    ana = user(1)
    await store(uow_factory, ana)
    async with uow_factory() as uow:
        with pytest.raises(NotFound):
            await uow.memberships.add(membership(workspace(1), ana))


async def test_update_changes_the_role(uow_factory: UnitOfWorkFactory) -> None:
    team, ana = workspace(1), user(1)
    original = membership(team, ana)
    await store(uow_factory, team, ana, original)
    promoted = original.as_role(ADMIN, at(7))
    async with uow_factory() as uow:
        await uow.memberships.update(promoted)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.memberships.get(team.id, ana.id) == promoted


async def test_update_of_a_missing_membership_is_not_found(
    uow_factory: UnitOfWorkFactory,
) -> None:
    team, ana = workspace(1), user(1)
    await store(uow_factory, team, ana)
    async with uow_factory() as uow:
        with pytest.raises(NotFound):
            await uow.memberships.update(membership(team, ana, ADMIN))


async def test_remove_ends_a_membership_once(uow_factory: UnitOfWorkFactory) -> None:
    team, other = workspace(1), workspace(2)
    ana = user(1)
    await store(uow_factory, team, other, ana, membership(team, ana), membership(other, ana))
    async with uow_factory() as uow:
        assert await uow.memberships.remove(team.id, ana.id)
        assert not await uow.memberships.remove(team.id, ana.id)
        assert not await uow.memberships.remove(team.id, uuid4())
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.memberships.get(team.id, ana.id) is None
        assert await uow.memberships.get(other.id, ana.id) is not None
        assert await uow.users.get(ana.id) == ana


@pytest.mark.parametrize("order", list(Order))
@pytest.mark.parametrize("limit", [1, 3])
async def test_list_pages_through_a_workspace_s_members_only(
    uow_factory: UnitOfWorkFactory, order: Order, limit: int
) -> None:
    team, other = workspace(1), workspace(2)
    people = [user(n) for n in range(6)]
    members = [
        membership(team, person, role, created=n // 2)
        for n, (person, role) in enumerate(zip(people, [ADMIN, AGENT, MEMBER] * 2, strict=True))
    ]
    elsewhere = [membership(other, person, created=1) for person in people[:3]]
    await store(uow_factory, team, other, *people, *members, *elsewhere)
    async with uow_factory() as uow:
        pages = await walk(lambda page: uow.memberships.list(team.id, page), limit, order)
        assert (await uow.memberships.list(uuid4(), PageRequest())).items == []
    assert len(pages) > 1
    assert [item for page in pages for item in page] == expected_order(members, _key, order)


async def test_lock_admins_names_the_workspace_s_active_admins(
    uow_factory: UnitOfWorkFactory,
) -> None:
    team, other = workspace(1), workspace(2)
    ana, bea = user(1), user(2)
    gone = user(3, is_active=False)
    agent, member = user(4), user(5)
    # A platform admin who is only a member here is not one of this workspace's admins.
    platform = user(6, is_admin=True)
    theirs = user(7)
    await store(
        uow_factory,
        team,
        other,
        ana,
        bea,
        gone,
        agent,
        member,
        platform,
        theirs,
        membership(team, ana, ADMIN),
        membership(team, bea, ADMIN),
        membership(team, gone, ADMIN),
        membership(team, agent, AGENT),
        membership(team, member, MEMBER),
        membership(team, platform, MEMBER),
        membership(other, theirs, ADMIN),
        membership(other, member, ADMIN),
    )
    async with uow_factory() as uow:
        assert await uow.memberships.lock_admins(team.id) == {ana.id, bea.id}
        assert await uow.memberships.lock_admins(other.id) == {theirs.id, member.id}
        assert await uow.memberships.lock_admins(uuid4()) == frozenset()


async def test_two_admins_demoting_each_other_at_once_leave_one(
    uow_factory: UnitOfWorkFactory,
) -> None:
    """What lock_admins is for: the second to lock waits for the first and counts again."""

    async def demote(team: Workspace, actor: User, target: Membership) -> bool:
        async with uow_factory() as uow:
            if not await uow.memberships.lock_admins(team.id) - {target.user_id}:
                return False
            await asyncio.sleep(0.01)  # the other has time to lock meanwhile, if it can
            await uow.memberships.update(target.as_role(MEMBER, at(1)))
            await uow.commit()
            return True

    for round_ in range(5):
        team = workspace(round_)
        ana, luis = user(2 * round_), user(2 * round_ + 1)
        hers, his = membership(team, ana, ADMIN), membership(team, luis, ADMIN)
        await store(uow_factory, team, ana, luis, hers, his)
        outcomes = await asyncio.gather(demote(team, ana, his), demote(team, luis, hers))
        assert sorted(outcomes) == [False, True]
        async with uow_factory() as uow:
            assert len(await uow.memberships.lock_admins(team.id)) == 1


async def test_user_ids_names_everyone_in_the_workspace(uow_factory: UnitOfWorkFactory) -> None:
    team, other, empty = workspace(1), workspace(2), workspace(3)
    people = [user(n) for n in range(4)]
    await store(
        uow_factory,
        team,
        other,
        empty,
        *people,
        membership(team, people[0], ADMIN),
        membership(team, people[1], AGENT),
        membership(team, people[2]),
        membership(other, people[3]),
    )
    async with uow_factory() as uow:
        assert sorted(await uow.memberships.user_ids(team.id)) == sorted(
            person.id for person in people[:3]
        )
        assert await uow.memberships.user_ids(other.id) == [people[3].id]
        assert await uow.memberships.user_ids(empty.id) == []


async def test_deleting_a_user_ends_their_memberships(uow_factory: UnitOfWorkFactory) -> None:
    team, other = workspace(1), workspace(2)
    ana, luis = user(1), user(2)
    await store(
        uow_factory,
        team,
        other,
        ana,
        luis,
        membership(team, ana, ADMIN),
        membership(other, ana),
        membership(team, luis),
    )
    async with uow_factory() as uow:
        await uow.users.delete(ana.id)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.memberships.get(team.id, ana.id) is None
        assert await uow.memberships.get(other.id, ana.id) is None
        assert await uow.memberships.user_ids(team.id) == [luis.id]
        assert await uow.memberships.user_ids(other.id) == []
        assert await workspaces_of(uow, ana.id) == []
        # The workspaces stay, emptied.
        assert await uow.workspaces.get(other.id) == other


async def test_a_membership_added_without_commit_is_undone(
    uow_factory: UnitOfWorkFactory,
) -> None:
    team, ana = workspace(1), user(1)
    await store(uow_factory, team, ana)
    async with uow_factory() as uow:
        await uow.workspaces.add(workspace(2))
        await uow.memberships.add(membership(team, ana))
    async with uow_factory() as uow:
        assert await uow.memberships.get(team.id, ana.id) is None
        assert await uow.workspaces.get_by_slug("workspace-2") is None


async def _get(uow_factory: UnitOfWorkFactory, workspace_id: UUID) -> Workspace:
    async with uow_factory() as uow:
        found = await uow.workspaces.get(workspace_id)
    assert found is not None
    return found


async def workspaces_of(uow: UnitOfWork, user_id: UUID) -> list[Workspace]:
    return [joined.workspace for joined in await uow.workspaces.of_user(user_id)]
