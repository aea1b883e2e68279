"""UserRepository contract."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import msgspec
import pytest
from sqlalchemy import text

from ignacio.application.ports import UnitOfWorkFactory
from ignacio.domain import Conflict, NotFound, Order, PageRequest, User
from ignacio.domain.workspaces import Joined, WorkspaceRole
from tests.contract.builders import (
    at,
    challenge,
    expected_order,
    identity,
    membership,
    phone,
    phone_of,
    session,
    store,
    user,
    walk,
    workspace,
)
from tests.contract.conftest import Backend


async def test_a_stored_user_reads_back_unchanged(uow_factory: UnitOfWorkFactory) -> None:
    someone = user(1, name="Ana", is_admin=True)
    await store(uow_factory, someone)
    async with uow_factory() as uow:
        assert await uow.users.get(someone.id) == someone
        assert await uow.users.get_by_phone(phone_of(someone)) == someone
        assert await uow.users.get_by_phone(phone(2)) is None
        assert await uow.users.get(user(3).id) is None


async def test_get_many_finds_the_users_it_can_by_id(uow_factory: UnitOfWorkFactory) -> None:
    ana, luis, eva = user(1, name="Ana"), user(2), user(3, is_active=False)
    await store(uow_factory, ana, luis, eva)
    nobody = user(4).id
    async with uow_factory(read_only=True) as uow:
        # Ids repeated or unknown are asked about all the same; a generator is an iterable too.
        found = await uow.users.get_many(iter([ana.id, eva.id, nobody, ana.id]))
        assert found == {ana.id: ana, eva.id: eva}
        assert await uow.users.get_many([nobody]) == {}
        assert await uow.users.get_many([]) == {}


async def test_in_session_with_workspaces_reads_the_user_and_their_workspaces_at_once(
    uow_factory: UnitOfWorkFactory,
) -> None:
    ana, luis, eva = user(1, name="Ana"), user(2), user(3)
    newer, older = workspace(1, created=9), workspace(2, created=1)
    hers, his, ended, eva_s = (
        session(ana),
        session(luis),
        session(ana, revoked_at=at(-1)),
        session(eva),
    )
    await store(
        uow_factory,
        ana,
        luis,
        eva,
        newer,
        older,
        hers,
        his,
        ended,
        eva_s,
        membership(newer, ana, WorkspaceRole.ADMIN),
        membership(older, ana),
        membership(newer, luis, WorkspaceRole.AGENT),
    )
    async with uow_factory(read_only=True) as uow:
        # Oldest workspace first, each with the person's own role; nobody else's memberships.
        assert await uow.users.in_session_with_workspaces(ana.id, hers.id) == (
            ana,
            [
                Joined(workspace=older, role=WorkspaceRole.MEMBER),
                Joined(workspace=newer, role=WorkspaceRole.ADMIN),
            ],
        )
        assert await uow.users.in_session_with_workspaces(luis.id, his.id) == (
            luis,
            [Joined(workspace=newer, role=WorkspaceRole.AGENT)],
        )
        assert await uow.users.in_session_with_workspaces(eva.id, eva_s.id) == (eva, [])
        assert await uow.users.in_session_with_workspaces(ana.id, ended.id) is None
        assert await uow.users.in_session_with_workspaces(luis.id, hers.id) is None


async def test_get_in_session_finds_the_user_of_an_open_session_only(
    uow_factory: UnitOfWorkFactory,
) -> None:
    ana, luis = user(1, name="Ana"), user(2, is_active=False)
    hers, ended, his = session(ana), session(ana, revoked_at=at(-1)), session(luis)
    await store(uow_factory, ana, luis, hers, ended, his)
    async with uow_factory(read_only=True) as uow:
        assert await uow.users.get_in_session(ana.id, hers.id) == ana
        assert await uow.users.get_in_session(ana.id, ended.id) is None
        assert await uow.users.get_in_session(ana.id, his.id) is None
        assert await uow.users.get_in_session(luis.id, hers.id) is None
        assert await uow.users.get_in_session(ana.id, session(ana).id) is None
        assert await uow.users.get_in_session(user(3).id, hers.id) is None
        # Whether an inactive member may still act is the caller's rule, not the repository's.
        assert await uow.users.get_in_session(luis.id, his.id) == luis


async def test_datetimes_round_trip_exactly_and_aware(uow_factory: UnitOfWorkFactory) -> None:
    india = timezone(timedelta(hours=5, minutes=30))
    moment = datetime(2026, 5, 17, 23, 59, 58, 999999, tzinfo=india)
    someone = user(1, created_at=moment, updated_at=moment + timedelta(microseconds=1))
    await store(uow_factory, someone)
    async with uow_factory() as uow:
        read = await uow.users.get(someone.id)
    assert read is not None
    assert read.created_at == moment
    assert read.updated_at - read.created_at == timedelta(microseconds=1)
    assert read.created_at.utcoffset() is not None


async def test_a_phone_number_belongs_to_one_user(uow_factory: UnitOfWorkFactory) -> None:
    first = user(1)
    await store(uow_factory, first)
    async with uow_factory() as uow:
        with pytest.raises(Conflict):
            await uow.users.add(user(1, name="Impostor"))
        # The clash does not spoil the transaction.
        second = user(2)
        await uow.users.add(second)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.users.get_by_phone(phone(1)) == first
        assert await uow.users.get(second.id) == second


async def test_update_replaces_the_user(uow_factory: UnitOfWorkFactory) -> None:
    someone = user(1, name="Ana")
    await store(uow_factory, someone)
    changed = msgspec.structs.replace(
        someone, name="Ana María", is_admin=True, is_active=False, updated_at=at(60)
    )
    async with uow_factory() as uow:
        await uow.users.update(changed)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.users.get(someone.id) == changed


async def test_update_of_a_missing_user_is_not_found(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        with pytest.raises(NotFound):
            await uow.users.update(user(1))


async def test_update_to_a_taken_number_is_a_conflict(uow_factory: UnitOfWorkFactory) -> None:
    first, second = user(1), user(2)
    await store(uow_factory, first, second)
    async with uow_factory() as uow:
        with pytest.raises(Conflict):
            await uow.users.update(msgspec.structs.replace(second, phone=first.phone))
        await uow.users.update(msgspec.structs.replace(second, name="Still usable"))
        await uow.commit()
    async with uow_factory() as uow:
        read = await uow.users.get(second.id)
        assert read is not None
        assert read.phone == second.phone
        assert read.name == "Still usable"


async def test_delete_removes_the_user_and_ignores_unknown_ids(
    uow_factory: UnitOfWorkFactory,
) -> None:
    gone, kept = user(1), user(2)
    await store(uow_factory, gone, kept)
    async with uow_factory() as uow:
        await uow.users.delete(gone.id)
        await uow.users.delete(user(3).id)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.users.get(gone.id) is None
        assert await uow.users.get_by_phone(phone_of(gone)) is None
        assert await uow.users.get(kept.id) == kept


async def test_lock_active_admins_names_the_active_admins(uow_factory: UnitOfWorkFactory) -> None:
    admins = [user(1, is_admin=True), user(2, is_admin=True)]
    await store(uow_factory, *admins, user(3, is_admin=True, is_active=False), user(4))
    async with uow_factory() as uow:
        assert await uow.users.lock_active_admins() == {admin.id for admin in admins}


@pytest.mark.parametrize("order", list(Order))
@pytest.mark.parametrize("limit", [1, 3, 4])
async def test_list_pages_through_every_user_once(
    uow_factory: UnitOfWorkFactory, order: Order, limit: int
) -> None:
    # Several users share a creation time: the id breaks the tie, across page boundaries too.
    users = [user(n, created=n // 4) for n in range(11)]
    await store(uow_factory, *users)
    async with uow_factory() as uow:
        pages = await walk(uow.users.list, limit, order)
    listed = [item for page in pages for item in page]
    assert listed == expected_order(users, lambda u: (u.created_at, u.id), order)


async def test_list_defaults_to_newest_first(uow_factory: UnitOfWorkFactory) -> None:
    old, new = user(1, created=0), user(2, created=10)
    await store(uow_factory, old, new)
    async with uow_factory() as uow:
        page = await uow.users.list(PageRequest())
    assert page.items == [new, old]
    assert page.next is None


async def test_search_matches_names_case_insensitively(uow_factory: UnitOfWorkFactory) -> None:
    ana, mariana, luis, nameless = (
        user(1, name="Ana López"),
        user(2, name="MARIANA"),
        user(3, name="Luis"),
        user(4),
    )
    await store(uow_factory, ana, mariana, luis, nameless)
    found = await _search(uow_factory, "ana")
    assert {u.id for u in found} == {ana.id, mariana.id}
    everyone = [ana, mariana, luis, nameless]
    assert await _search(uow_factory, "  ") == expected_order(
        everyone, lambda u: (u.created_at, u.id), Order.NEWEST_FIRST
    )


async def test_search_matches_a_whole_phone_number(uow_factory: UnitOfWorkFactory) -> None:
    ana, luis = user(1, name="Ana"), user(2, name="Luis")
    await store(uow_factory, ana, luis)
    assert await _search(uow_factory, "+34 600 000 002") == [luis]
    assert await _search(uow_factory, "0034600000002") == [luis]
    assert await _search(uow_factory, "+34 600 000 009") == []
    assert await _search(uow_factory, "600000") == []  # part of a number reveals nothing


async def test_search_matches_part_of_a_whatsapp_username(uow_factory: UnitOfWorkFactory) -> None:
    hidden, named, other = user(1, phone=None), user(2, name="Lucía"), user(3, name="Luis")
    await store(
        uow_factory,
        hidden,
        named,
        other,
        identity(hidden, "US.1", username="lucia.g"),
        identity(other, "US.2", username="luis_50"),
    )
    assert await _search(uow_factory, "@Lucia") == [hidden]
    assert {u.id for u in await _search(uow_factory, "lucía")} == {named.id}
    assert await _search(uow_factory, "s_5") == [other]  # wildcards are literal here too
    assert await _search(uow_factory, "@") == []


async def test_search_treats_wildcards_literally(uow_factory: UnitOfWorkFactory) -> None:
    await store(uow_factory, user(1, name="100% Ana"), user(2, name="Ana_B"), user(3, name="AnaXB"))
    assert [u.name for u in await _search(uow_factory, "0%")] == ["100% Ana"]
    assert [u.name for u in await _search(uow_factory, "a_b")] == ["Ana_B"]


async def _search(uow_factory: UnitOfWorkFactory, search: str) -> list[User]:
    async with uow_factory() as uow:
        return (await uow.users.list(PageRequest(limit=200), search=search)).items


async def test_phone_numbers_are_not_stored_in_plain_text(sql_backend: Backend) -> None:
    someone = user(7, name="Ana")
    await store(sql_backend.uow, someone, challenge(phone_of(someone)))
    national = phone_of(someone).e164.removeprefix("+34")
    assert sql_backend.engine is not None
    async with sql_backend.engine.connect() as connection:
        for table in ("users", "otp_codes"):
            rows = (await connection.execute(text(f"SELECT * FROM {table}"))).all()  # noqa: S608
            assert rows
            assert all(national not in repr(tuple(row)) for row in rows)
    if sql_backend.name == "sqlite":
        assert sql_backend.url is not None
        await sql_backend.engine.dispose()
        database = Path(sql_backend.url.split("///", 1)[1])
        files = [database, database.with_name(database.name + "-wal")]
        raw = b"".join(path.read_bytes() for path in files if path.exists())
        assert len(raw) > 0
        assert national.encode() not in raw
        assert national.encode("utf-16-le") not in raw
