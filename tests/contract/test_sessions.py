"""SessionRepository contract, including token rotation under concurrency."""

from __future__ import annotations

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
