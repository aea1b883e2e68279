"""MessageLoginRepository contract, its compare-and-set under concurrency included."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import msgspec

from ignacio.application.ports import UnitOfWorkFactory
from ignacio.domain import Conflict
from ignacio.domain.message_login import MESSAGE_LOGIN_TTL, MessageLogin, MessageLoginState
from tests.contract.builders import at, concurrently, store, user, workspace


def started(
    workspace_id: UUID, code: str = "123456", *, created: float = 0, **fields: Any
) -> MessageLogin:
    login = MessageLogin.started(
        id=uuid4(),
        workspace_id=workspace_id,
        code_hash="code-" + code,
        browser_token_hash="browser-" + uuid4().hex,
        device="Firefox on Windows",
        now=at(created),
    )
    return msgspec.structs.replace(login, **fields)


async def add(uow_factory: UnitOfWorkFactory, *logins: MessageLogin) -> None:
    async with uow_factory() as uow:
        for login in logins:
            await uow.message_logins.add(login)
        await uow.commit()


async def get(uow_factory: UnitOfWorkFactory, login_id: UUID) -> MessageLogin | None:
    async with uow_factory() as uow:
        return await uow.message_logins.get(login_id)


async def test_a_login_is_stored_and_read_back_whole(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    ana = user(1)
    await store(uow_factory, ana)
    login = started(home)
    link = MessageLogin.started(
        id=uuid4(),
        workspace_id=home,
        code_hash="code-222222",
        browser_token_hash="browser-link",
        device=None,
        now=at(0),
        account_id=ana.id,
    )
    linked = link.linked_by(ana.id, at(1))
    await add(uow_factory, login, linked)
    assert await get(uow_factory, login.id) == login
    assert await get(uow_factory, linked.id) == linked
    assert await get(uow_factory, uuid4()) is None


async def test_a_code_is_unique_among_a_workspaces_live_codes(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    lab = workspace(1)
    await store(uow_factory, lab)
    await add(uow_factory, started(home, "123456"))
    async with uow_factory() as uow:
        try:
            await uow.message_logins.add(started(home, "123456"))
        except Conflict:
            pass
        else:
            raise AssertionError("two waiting logins of one workspace share a code")
        # The transaction is still usable (how a new code is drawn), and other workspaces and
        # other codes are free.
        await uow.message_logins.add(started(home, "654321"))
        await uow.message_logins.add(started(lab.id, "123456"))
        await uow.commit()


async def test_the_waiting_login_is_found_by_workspace_and_code_until_it_expires(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    lab = workspace(1)
    await store(uow_factory, lab)
    login = started(home, "123456")
    await add(uow_factory, login, started(lab.id, "999999"))
    async with uow_factory() as uow:
        logins = uow.message_logins
        assert await logins.waiting_with_code(home, "code-123456", at(1)) == login
        assert await logins.waiting_with_code(lab.id, "code-123456", at(1)) is None
        assert await logins.waiting_with_code(home, "code-999999", at(1)) is None
        expiry = MESSAGE_LOGIN_TTL.total_seconds()
        assert await logins.waiting_with_code(home, "code-123456", at(expiry)) is None


async def test_replace_moves_a_login_only_from_the_state_it_was_read_in(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    ana, luis = user(1), user(2)
    await store(uow_factory, ana, luis)
    login = started(home)
    await add(uow_factory, login)
    claimed = login.claimed_by(ana.id, at(5))
    async with uow_factory() as uow:
        assert await uow.message_logins.replace(login, claimed) is True
        # Read as waiting, it is claimed now: a second claim is refused.
        assert await uow.message_logins.replace(login, login.claimed_by(luis.id, at(6))) is False
        await uow.commit()
    stored = await get(uow_factory, login.id)
    assert stored == claimed
    assert stored is not None
    assert stored.code_hash is None
    async with uow_factory() as uow:
        # Its code is spent: not found, and free for another login.
        assert await uow.message_logins.waiting_with_code(home, "code-123456", at(6)) is None
        await uow.message_logins.add(started(home, "123456", created=6))
        await uow.commit()


async def test_claims_of_gives_the_members_open_claims_newest_first(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    ana, luis = user(1), user(2)
    lab = workspace(1)
    await store(uow_factory, ana, luis, lab)
    older, newer, luis_claim, elsewhere, answered = (
        started(home, "111111"),
        started(home, "222222"),
        started(home, "333333"),
        started(lab.id, "444444"),
        started(home, "555555"),
    )
    await add(uow_factory, older, newer, luis_claim, elsewhere, answered)
    async with uow_factory() as uow:
        logins = uow.message_logins
        for login, member, second in [
            (older, ana, 1),
            (newer, ana, 2),
            (luis_claim, luis, 3),
            (elsewhere, ana, 4),
            (answered, ana, 5),
        ]:
            assert await logins.replace(login, login.claimed_by(member.id, at(second)))
        claimed = await logins.get(answered.id)
        assert claimed is not None
        assert await logins.replace(claimed, claimed.confirmed_by(ana.id, at(6)))
        await uow.commit()
    async with uow_factory() as uow:
        claims = await uow.message_logins.claims_of(home, ana.id)
    assert [claim.id for claim in claims] == [newer.id, older.id]


async def test_release_expired_frees_codes_and_forgets_the_long_expired(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    lab = workspace(1)
    await store(uow_factory, lab)
    fresh = started(home, "111111", created=4000)
    expired = started(home, "222222", created=2000)
    long_expired = started(home, "333333", created=0)
    other = started(lab.id, "444444", created=0)
    await add(uow_factory, fresh, expired, long_expired, other)
    now = at(2000) + MESSAGE_LOGIN_TTL + timedelta(minutes=30)
    async with uow_factory() as uow:
        await uow.message_logins.release_expired(home, now)
        await uow.commit()
    assert await get(uow_factory, fresh.id) == fresh
    released = await get(uow_factory, expired.id)
    assert released == msgspec.structs.replace(expired, code_hash=None)
    assert await get(uow_factory, long_expired.id) is None  # expired over an hour before
    assert await get(uow_factory, other.id) == other  # another workspace's, untouched
    async with uow_factory() as uow:
        await uow.message_logins.add(started(home, "222222", created=4000))
        await uow.commit()


async def test_a_login_goes_with_its_workspace_and_its_people(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    ana = user(1)
    await store(uow_factory, ana)
    login = started(home)
    await add(uow_factory, login)
    async with uow_factory() as uow:
        assert await uow.message_logins.replace(login, login.claimed_by(ana.id, at(1)))
        await uow.users.delete(ana.id)
        await uow.commit()
    assert await get(uow_factory, login.id) is None


async def test_concurrent_claims_of_one_code_succeed_exactly_once(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    people = [user(n) for n in range(1, 11)]
    await store(uow_factory, *people)
    login = started(home)
    await add(uow_factory, login)

    async def claim(index: int) -> bool:
        async with uow_factory() as uow:
            found = await uow.message_logins.waiting_with_code(home, "code-123456", at(1))
            if found is None:
                return False
            won = await uow.message_logins.replace(found, found.claimed_by(people[index].id, at(1)))
            await uow.commit()
            return won

    assert sorted(await concurrently(10, claim)) == [False] * 9 + [True]


async def test_two_yes_or_two_polls_at_once_move_a_login_once(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    ana = user(1)
    await store(uow_factory, ana)
    login = started(home)
    claimed = login.claimed_by(ana.id, at(1))
    await add(uow_factory, claimed)

    async def confirm(_: int) -> bool:
        async with uow_factory() as uow:
            won = await uow.message_logins.replace(claimed, claimed.confirmed_by(ana.id, at(2)))
            await uow.commit()
            return won

    assert sorted(await concurrently(8, confirm)) == [False] * 7 + [True]
    confirmed = await get(uow_factory, login.id)
    assert confirmed is not None
    assert confirmed.state is MessageLoginState.CONFIRMED

    async def collect(_: int) -> bool:
        async with uow_factory() as uow:
            polled = confirmed.polled(confirmed.browser_token_hash, at(3))
            won = await uow.message_logins.replace(confirmed, polled)
            await uow.commit()
            return won

    assert sorted(await concurrently(8, collect)) == [False] * 7 + [True]
    used = await get(uow_factory, login.id)
    assert used is not None
    assert used.state is MessageLoginState.USED


async def test_prune_forgets_logins_expired_before_a_time_in_every_workspace(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    other = workspace(2)
    await store(uow_factory, other)
    first = started(home, "111111", created=0)
    second = started(other.id, "222222", created=60)
    live = started(home, "333333", created=3600)
    await add(uow_factory, first, second, live)
    before = at(60) + MESSAGE_LOGIN_TTL + timedelta(seconds=1)
    async with uow_factory() as uow:
        assert await uow.message_logins.prune(before, 1) == 1
        assert await uow.message_logins.get(first.id) is None
        assert await uow.message_logins.prune(before, 10) == 1
        assert await uow.message_logins.prune(before, 10) == 0
        await uow.commit()
    assert await get(uow_factory, second.id) is None
    assert await get(uow_factory, live.id) == live
