"""SessionRepository contract, including token rotation under concurrency."""

from __future__ import annotations

import msgspec
import pytest

from ignacio.application.ports import UnitOfWorkFactory
from ignacio.domain import Conflict, NotFound
from tests.contract.builders import at, concurrently, session, store, user


async def test_a_stored_session_reads_back_unchanged(uow_factory: UnitOfWorkFactory) -> None:
    owner = user(1)
    device = session(owner, user_agent="Mozilla/5.0", client_address="2001:db8::1")
    bare = session(owner)
    await store(uow_factory, owner, device, bare)
    async with uow_factory() as uow:
        assert await uow.sessions.get(device.id) == device
        assert await uow.sessions.get(bare.id) == bare
        assert await uow.sessions.get_by_token_hash(device.token_hash) == device
        assert await uow.sessions.get_by_token_hash("unknown") is None
        assert await uow.sessions.get(session(owner).id) is None


async def test_a_session_needs_an_existing_user(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        with pytest.raises(NotFound):
            await uow.sessions.add(session(user(1)))


async def test_token_hashes_are_unique(uow_factory: UnitOfWorkFactory) -> None:
    owner = user(1)
    await store(uow_factory, owner, session(owner, token_hash="same"))
    async with uow_factory() as uow:
        with pytest.raises(Conflict):
            await uow.sessions.add(session(owner, token_hash="same"))


async def test_rotate_swaps_the_current_token_only(uow_factory: UnitOfWorkFactory) -> None:
    owner = user(1)
    device = session(owner, token_hash="first")
    await store(uow_factory, owner, device)
    async with uow_factory() as uow:
        assert await uow.sessions.rotate(device.id, "first", "second", at(7200), at(60)) is True
        assert await uow.sessions.rotate(device.id, "first", "third", at(7200), at(61)) is False
        assert await uow.sessions.rotate(session(owner).id, "second", "x", at(1), at(1)) is False
        await uow.commit()
    async with uow_factory() as uow:
        rotated = await uow.sessions.get(device.id)
        assert await uow.sessions.get_by_token_hash("first") is None
    assert rotated is not None
    assert (rotated.token_hash, rotated.expires_at, rotated.last_used_at) == (
        "second",
        at(7200),
        at(60),
    )


async def test_a_rotated_out_token_revokes_its_session(uow_factory: UnitOfWorkFactory) -> None:
    owner = user(1)
    device, other = session(owner, token_hash="first"), session(owner, token_hash="elsewhere")
    await store(uow_factory, owner, device, other)
    async with uow_factory() as uow:
        assert await uow.sessions.rotate(device.id, "first", "second", at(7200), at(60)) is True
        assert await uow.sessions.rotate(device.id, "second", "third", at(7200), at(70)) is True
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.sessions.revoke_for_retired_token("unknown", at(80)) is None
        assert await uow.sessions.revoke_for_retired_token("third", at(80)) is None
        assert await uow.sessions.revoke_for_retired_token("first", at(80)) == device.id
        await uow.commit()
    async with uow_factory() as uow:
        revoked = await uow.sessions.get(device.id)
        assert revoked is not None
        assert revoked.revoked_at == at(80)
        assert await uow.sessions.get(other.id) == other
        # Already ended: presenting another old token changes nothing.
        assert await uow.sessions.revoke_for_retired_token("second", at(90)) is None
        ended = await uow.sessions.get(device.id)
        assert ended is not None
        assert ended.revoked_at == at(80)


async def test_retired_tokens_go_with_their_user(uow_factory: UnitOfWorkFactory) -> None:
    owner = user(1)
    device = session(owner, token_hash="first")
    await store(uow_factory, owner, device)
    async with uow_factory() as uow:
        assert await uow.sessions.rotate(device.id, "first", "second", at(7200), at(60)) is True
        await uow.commit()
    async with uow_factory() as uow:
        await uow.users.delete(owner.id)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.sessions.revoke_for_retired_token("first", at(80)) is None


async def test_a_revoked_session_does_not_rotate(uow_factory: UnitOfWorkFactory) -> None:
    owner = user(1)
    device = session(owner, token_hash="first")
    await store(uow_factory, owner, device)
    async with uow_factory() as uow:
        await uow.sessions.revoke(device.id, at(10))
        await uow.sessions.revoke(device.id, at(20))
        assert await uow.sessions.rotate(device.id, "first", "second", at(7200), at(30)) is False
        await uow.commit()
    async with uow_factory() as uow:
        revoked = await uow.sessions.get(device.id)
    assert revoked is not None
    assert revoked.revoked_at == at(10)
    assert not revoked.is_live(at(11))


async def test_concurrent_refreshes_rotate_exactly_once(uow_factory: UnitOfWorkFactory) -> None:
    owner = user(1)
    device = session(owner, token_hash="current")
    await store(uow_factory, owner, device)

    async def refresh(index: int) -> bool:
        async with uow_factory() as uow:
            rotated = await uow.sessions.rotate(
                device.id, "current", f"next-{index}", at(7200), at(index)
            )
            await uow.commit()
            return rotated

    assert sorted(await concurrently(10, refresh)) == [False] * 9 + [True]


async def test_revoke_all_for_user_ends_live_sessions_only(uow_factory: UnitOfWorkFactory) -> None:
    ana, luis = user(1), user(2)
    live = [session(ana) for _ in range(3)]
    expired = session(ana, expires_at=at(-1))
    revoked = session(ana, revoked_at=at(-5))
    theirs = session(luis)
    await store(uow_factory, ana, luis, *live, expired, revoked, theirs)
    async with uow_factory() as uow:
        assert await uow.sessions.revoke_all_for_user(ana.id, at(0)) == 3
        assert await uow.sessions.revoke_all_for_user(ana.id, at(1)) == 0
        await uow.commit()
    async with uow_factory() as uow:
        for item in live:
            ended = await uow.sessions.get(item.id)
            assert ended is not None
            assert ended.revoked_at == at(0)
        still_revoked = await uow.sessions.get(revoked.id)
        assert still_revoked is not None
        assert still_revoked.revoked_at == at(-5)
        assert await uow.sessions.get(theirs.id) == theirs


async def test_revoke_all_for_user_can_keep_one(uow_factory: UnitOfWorkFactory) -> None:
    ana = user(1)
    here, phone, laptop = session(ana), session(ana), session(ana)
    await store(uow_factory, ana, here, phone, laptop)
    async with uow_factory() as uow:
        assert await uow.sessions.revoke_all_for_user(ana.id, at(0), keep=here.id) == 2
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.sessions.get(here.id) == here
        for other in (phone, laptop):
            ended = await uow.sessions.get(other.id)
            assert ended is not None
            assert ended.revoked_at == at(0)


async def test_live_sessions_are_listed_most_recently_used_first(
    uow_factory: UnitOfWorkFactory,
) -> None:
    ana, luis = user(1), user(2)
    old = session(ana, last_used_at=at(10), user_agent="Mozilla/5.0", client_address="192.0.2.1")
    recent = session(ana, last_used_at=at(50))
    middle = session(ana, last_used_at=at(30))
    expired = session(ana, last_used_at=at(90), expires_at=at(100))
    revoked = session(ana, last_used_at=at(80), revoked_at=at(85))
    theirs = session(luis, last_used_at=at(70))
    await store(uow_factory, ana, luis, old, recent, middle, expired, revoked, theirs)
    async with uow_factory(read_only=True) as uow:
        assert await uow.sessions.list_live_for_user(ana.id, at(100), 10) == [recent, middle, old]
        assert await uow.sessions.list_live_for_user(ana.id, at(99), 10) == [
            expired,
            recent,
            middle,
            old,
        ]
        assert await uow.sessions.list_live_for_user(ana.id, at(100), 2) == [recent, middle]
        assert await uow.sessions.list_live_for_user(luis.id, at(100), 10) == [theirs]
        assert await uow.sessions.list_live_for_user(user(3).id, at(100), 10) == []


async def test_sessions_used_at_the_same_moment_are_listed_newest_id_first(
    uow_factory: UnitOfWorkFactory,
) -> None:
    ana = user(1)
    twins = [session(ana, last_used_at=at(5)) for _ in range(4)]
    await store(uow_factory, ana, *twins)
    async with uow_factory(read_only=True) as uow:
        listed = await uow.sessions.list_live_for_user(ana.id, at(6), 10)
    assert listed == sorted(twins, key=lambda s: s.id.bytes, reverse=True)


async def test_revoke_own_ends_only_the_owner_s_live_session(
    uow_factory: UnitOfWorkFactory,
) -> None:
    ana, luis = user(1), user(2)
    mine, theirs = session(ana, user_agent="Mozilla/5.0"), session(luis)
    expired = session(ana, expires_at=at(5))
    await store(uow_factory, ana, luis, mine, theirs, expired)
    async with uow_factory() as uow:
        # Someone else's session, an expired one and an unknown id look alike: nothing to end.
        assert await uow.sessions.revoke_own(ana.id, theirs.id, at(10)) is None
        assert await uow.sessions.revoke_own(ana.id, expired.id, at(10)) is None
        assert await uow.sessions.revoke_own(ana.id, session(ana).id, at(10)) is None
        revoked = await uow.sessions.revoke_own(ana.id, mine.id, at(10))
        assert revoked == msgspec.structs.replace(mine, revoked_at=at(10))
        # Once ended it is no longer live: ending it again finds nothing.
        assert await uow.sessions.revoke_own(ana.id, mine.id, at(11)) is None
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.sessions.get(mine.id) == revoked
        assert await uow.sessions.get(theirs.id) == theirs
        assert await uow.sessions.get(expired.id) == expired


async def test_concurrent_revocations_of_one_session_end_it_once(
    uow_factory: UnitOfWorkFactory,
) -> None:
    ana = user(1)
    device = session(ana)
    await store(uow_factory, ana, device)

    async def revoke(index: int) -> bool:
        async with uow_factory() as uow:
            revoked = await uow.sessions.revoke_own(ana.id, device.id, at(index))
            await uow.commit()
            return revoked is not None

    assert sorted(await concurrently(5, revoke)) == [False] * 4 + [True]


async def test_prune_forgets_sessions_long_expired_oldest_first(
    uow_factory: UnitOfWorkFactory,
) -> None:
    owner = user(1)
    oldest = session(owner, token_hash="a", expires_at=at(10))
    old = session(owner, token_hash="b", expires_at=at(20), revoked_at=at(5))
    recent = session(owner, token_hash="c", expires_at=at(100))
    await store(uow_factory, owner, oldest, old, recent)
    async with uow_factory() as uow:
        assert await uow.sessions.rotate(old.id, "b", "b2", at(30), at(6)) is False  # revoked
        assert await uow.sessions.rotate(oldest.id, "a", "a2", at(15), at(1)) is True
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.sessions.prune(at(50), 1) == 1
        assert await uow.sessions.get(oldest.id) is None
        # Its retired token went with it: presenting it again finds no session to end.
        assert await uow.sessions.revoke_for_retired_token("a", at(60)) is None
        assert await uow.sessions.prune(at(50), 10) == 1
        assert await uow.sessions.prune(at(50), 10) == 0
        await uow.commit()
    async with uow_factory(read_only=True) as uow:
        assert await uow.sessions.get(old.id) is None
        assert await uow.sessions.get(recent.id) == recent
