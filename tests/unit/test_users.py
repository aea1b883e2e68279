"""Profiles and user management: GetMe, UpdateMe, ListUsers, CreateUser, UpdateUser, DeleteUser."""

from __future__ import annotations

import pytest

from ignacio.application.use_cases.create_conversation import CreateConversationCommand
from ignacio.application.use_cases.create_user import CreateUserCommand
from ignacio.application.use_cases.list_audit_log import AuditLogQuery
from ignacio.application.use_cases.list_users import ListUsersQuery
from ignacio.application.use_cases.update_me import UpdateMeCommand
from ignacio.application.use_cases.update_user import UpdateUserCommand
from ignacio.domain import Conflict, InvalidInput, NotFound, PermissionDenied, User
from tests.support.system import System


async def make_admin(system: System, phone: str = "+34600000001") -> User:
    return await system.container.create_user()(None, CreateUserCommand(phone=phone, is_admin=True))


async def test_a_member_edits_their_name(system: System) -> None:
    member = (await system.login("+34612345678")).user
    updated = await system.container.update_me()(member, UpdateMeCommand(name="  Ana  "))
    assert updated.name == "Ana"
    assert (await system.container.get_me()(member)).name == "Ana"
    with pytest.raises(InvalidInput):
        await system.container.update_me()(member, UpdateMeCommand(name="   "))


async def test_only_admins_manage_users(system: System) -> None:
    member = (await system.login("+34612345678")).user
    with pytest.raises(PermissionDenied):
        await system.container.list_users()(member, ListUsersQuery())
    with pytest.raises(PermissionDenied):
        await system.container.create_user()(member, CreateUserCommand(phone="+34612345670"))
    with pytest.raises(PermissionDenied):
        await system.container.update_user()(member, member.id, UpdateUserCommand(is_admin=True))
    with pytest.raises(PermissionDenied):
        await system.container.delete_user()(member, member.id)


async def test_an_admin_makes_another_admin_and_it_is_audited(system: System) -> None:
    admin = await make_admin(system)
    member = (await system.login("+34612345678")).user

    promoted = await system.container.update_user()(
        admin, member.id, UpdateUserCommand(is_admin=True)
    )

    assert promoted.is_admin
    entries = (
        await system.container.list_audit_log()(
            await system.access(admin), AuditLogQuery(platform=True)
        )
    ).items
    update = next(entry for entry in entries if entry.action == "user.update")
    assert update.actor_id == admin.id
    assert update.target_id == str(member.id)
    assert update.details == {"changes": {"is_admin": True}}


async def test_the_last_admin_cannot_be_demoted_deactivated_or_deleted(system: System) -> None:
    admin = await make_admin(system)
    other = await make_admin(system, "+34600000002")
    await system.container.update_user()(admin, other.id, UpdateUserCommand(is_active=False))

    with pytest.raises(Conflict):
        await system.container.update_user()(admin, admin.id, UpdateUserCommand(is_admin=False))
    with pytest.raises(Conflict):
        await system.container.update_user()(admin, admin.id, UpdateUserCommand(is_active=False))
    with pytest.raises(Conflict):
        await system.container.delete_user()(admin, admin.id)


async def test_a_number_belongs_to_one_user(system: System) -> None:
    admin = await make_admin(system)
    await system.container.create_user()(admin, CreateUserCommand(phone="+34 612 345 678"))
    with pytest.raises(Conflict):
        await system.container.create_user()(admin, CreateUserCommand(phone="0034612345678"))


async def test_deleting_a_user_removes_their_conversations(system: System) -> None:
    admin = await make_admin(system)
    member = (await system.login("+34612345678")).user
    conversation = await system.container.create_conversation()(
        await system.access(member), CreateConversationCommand()
    )

    await system.container.delete_user()(admin, member.id)

    async with system.container.uow()() as uow:
        assert await uow.users.get(member.id) is None
        assert await uow.conversations.get(conversation.workspace_id, conversation.id) is None
    with pytest.raises(NotFound):
        await system.container.delete_user()(admin, member.id)


async def test_listing_users_searches_names_and_numbers(system: System) -> None:
    admin = await make_admin(system)
    create = system.container.create_user()
    await create(admin, CreateUserCommand(phone="+34612345671", name="Lucía Pérez"))
    await create(admin, CreateUserCommand(phone="+34612345672", name="Marco"))

    by_name = await system.container.list_users()(admin, ListUsersQuery(search="lucía"))
    by_phone = await system.container.list_users()(admin, ListUsersQuery(search="+34 612 345 672"))

    assert [user.name for user in by_name.items] == ["Lucía Pérez"]
    assert [user.name for user in by_phone.items] == ["Marco"]


async def test_the_operator_makes_an_existing_member_admin_by_number(system: System) -> None:
    member = (await system.login("+34612345678")).user

    promoted = await system.container.make_admin()(None, "+34 612 345 678")

    assert promoted.id == member.id
    assert promoted.is_admin
    again = await system.container.make_admin()(None, "+34612345678")
    assert again.is_admin
    entries = (
        await system.container.list_audit_log()(
            await system.access(promoted), AuditLogQuery(platform=True)
        )
    ).items
    assert [entry.action for entry in entries].count("user.update") == 1


async def test_making_admin_a_number_nobody_has_says_how_to_create_one(system: System) -> None:
    with pytest.raises(NotFound, match="ignacio users create"):
        await system.container.make_admin()(None, "+34612345678")


async def test_only_an_admin_makes_admins_by_number(system: System) -> None:
    member = (await system.login("+34612345678")).user
    with pytest.raises(PermissionDenied):
        await system.container.make_admin()(member, "+34612345678")


async def test_making_admin_by_number_names_them_when_a_name_is_given(system: System) -> None:
    await system.login("+34612345678")
    promoted = await system.container.make_admin()(None, "+34612345678", "Ana")
    assert (promoted.is_admin, promoted.name) == (True, "Ana")
