"""LoginChallengeRepository contract, including its atomic operations under concurrency."""

from __future__ import annotations

from sqlalchemy import text

from ignacio.application.ports import UnitOfWorkFactory
from tests.contract.builders import at, challenge, concurrently, phone, store
from tests.contract.conftest import Backend


async def test_latest_for_gives_the_newest_unused_challenge(uow_factory: UnitOfWorkFactory) -> None:
    number = phone(1)
    older, newest, used = (
        challenge(number, created=0),
        challenge(number, created=10),
        challenge(number, created=20, consumed_at=at(21)),
    )
    await store(uow_factory, older, newest, used, challenge(phone(2), created=30))
    async with uow_factory() as uow:
        assert await uow.login_challenges.latest_for(number) == newest
        assert await uow.login_challenges.latest_for(phone(3)) is None


async def test_latest_for_gives_an_expired_challenge_too(uow_factory: UnitOfWorkFactory) -> None:
    expired = challenge(phone(1), created=0, expires_at=at(1))
    await store(uow_factory, expired)
    async with uow_factory() as uow:
        assert await uow.login_challenges.latest_for(phone(1)) == expired


async def test_attempts_are_counted_up_to_the_limit(uow_factory: UnitOfWorkFactory) -> None:
    code = challenge(phone(1))
    await store(uow_factory, code)
    async with uow_factory() as uow:
        assert await uow.login_challenges.count_attempt(code.id, 3) == 1
        assert await uow.login_challenges.count_attempt(code.id, 3) == 2
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.login_challenges.count_attempt(code.id, 3) == 3
        assert await uow.login_challenges.count_attempt(code.id, 3) is None
        await uow.commit()
    async with uow_factory() as uow:
        latest = await uow.login_challenges.latest_for(phone(1))
        assert latest is not None
        assert latest.attempts == 3
        assert await uow.login_challenges.count_attempt(challenge(phone(1)).id, 3) is None


async def test_a_used_challenge_takes_no_attempts(uow_factory: UnitOfWorkFactory) -> None:
    code = challenge(phone(1))
    await store(uow_factory, code)
    async with uow_factory() as uow:
        assert await uow.login_challenges.consume(code.id, at(5), 5) is True
        assert await uow.login_challenges.count_attempt(code.id, 5) is None
        await uow.commit()


async def test_a_challenge_past_its_limit_is_not_consumed(uow_factory: UnitOfWorkFactory) -> None:
    locked = challenge(phone(1), attempts=6)
    await store(uow_factory, locked)
    async with uow_factory() as uow:
        assert await uow.login_challenges.consume(locked.id, at(5), 5) is False
        assert await uow.login_challenges.consume(locked.id, at(5), 6) is True
        await uow.commit()


async def test_a_challenge_is_consumed_once(uow_factory: UnitOfWorkFactory) -> None:
    code = challenge(phone(1))
    await store(uow_factory, code)
    async with uow_factory() as uow:
        assert await uow.login_challenges.consume(code.id, at(5), 5) is True
        assert await uow.login_challenges.consume(code.id, at(6), 5) is False
        assert await uow.login_challenges.consume(challenge(phone(1)).id, at(6), 5) is False
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.login_challenges.latest_for(phone(1)) is None


async def test_retire_for_uses_up_every_unused_challenge_of_the_number(
    uow_factory: UnitOfWorkFactory,
) -> None:
    mine = [challenge(phone(1), created=n) for n in range(3)]
    theirs = challenge(phone(2))
    await store(uow_factory, *mine, theirs)
    async with uow_factory() as uow:
        await uow.login_challenges.retire_for(phone(1), at(100))
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.login_challenges.latest_for(phone(1)) is None
        assert await uow.login_challenges.latest_for(phone(2)) == theirs
        for code in mine:
            assert await uow.login_challenges.consume(code.id, at(101), 5) is False
        fresh = challenge(phone(1), created=200)
        await uow.login_challenges.add(fresh)
        assert await uow.login_challenges.latest_for(phone(1)) == fresh


async def test_concurrent_attempts_never_pass_the_limit(uow_factory: UnitOfWorkFactory) -> None:
    code = challenge(phone(1))
    await store(uow_factory, code)

    async def attempt(_: int) -> int | None:
        async with uow_factory() as uow:
            attempts = await uow.login_challenges.count_attempt(code.id, 5)
            await uow.commit()
            return attempts

    counts = await concurrently(50, attempt)
    assert sorted(count for count in counts if count is not None) == [1, 2, 3, 4, 5]
    async with uow_factory() as uow:
        latest = await uow.login_challenges.latest_for(phone(1))
    assert latest is not None
    assert latest.attempts == 5


async def test_concurrent_consumers_succeed_exactly_once(uow_factory: UnitOfWorkFactory) -> None:
    code = challenge(phone(1))
    await store(uow_factory, code)

    async def log_in(index: int) -> bool:
        async with uow_factory() as uow:
            consumed = await uow.login_challenges.consume(code.id, at(10 + index), 5)
            await uow.commit()
            return consumed

    assert sorted(await concurrently(10, log_in)) == [False] * 9 + [True]


async def test_is_used_column_follows_consumption(sql_backend: Backend) -> None:
    fresh, spent = challenge(phone(1)), challenge(phone(2))
    await store(sql_backend.uow, fresh, spent)
    async with sql_backend.uow() as uow:
        await uow.login_challenges.consume(spent.id, at(1), 5)
        await uow.commit()
    assert sql_backend.engine is not None
    async with sql_backend.engine.connect() as connection:
        rows = await connection.execute(text("SELECT id, is_used FROM otp_codes"))
        used = {str(row.id).replace("-", ""): bool(row.is_used) for row in rows}
    assert used == {fresh.id.hex: False, spent.id.hex: True}


async def test_a_challenge_waiting_for_its_code_gets_one_code(
    uow_factory: UnitOfWorkFactory,
) -> None:
    waiting = challenge(phone(1), code_hash=None)
    await store(uow_factory, waiting)
    async with uow_factory() as uow:
        assert await uow.login_challenges.get(waiting.id) == waiting
        assert await uow.login_challenges.latest_for(phone(1)) == waiting
        assert await uow.login_challenges.set_code(waiting.id, "first") is True
        assert await uow.login_challenges.set_code(waiting.id, "second") is False
        assert await uow.login_challenges.set_code(challenge(phone(1)).id, "x") is False
        await uow.commit()
    async with uow_factory() as uow:
        coded = await uow.login_challenges.get(waiting.id)
        assert coded is not None
        assert coded.code_hash == "first"
        assert await uow.login_challenges.get(challenge(phone(1)).id) is None


async def test_a_retired_challenge_gets_no_code(uow_factory: UnitOfWorkFactory) -> None:
    waiting = challenge(phone(1), code_hash=None)
    await store(uow_factory, waiting)
    async with uow_factory() as uow:
        await uow.login_challenges.retire_for(phone(1), at(10))
        assert await uow.login_challenges.set_code(waiting.id, "late") is False
        await uow.commit()
    async with uow_factory() as uow:
        retired = await uow.login_challenges.get(waiting.id)
    assert retired is not None
    assert (retired.code_hash, retired.consumed_at) == (None, at(10))


async def test_concurrent_senders_draw_exactly_one_code(uow_factory: UnitOfWorkFactory) -> None:
    waiting = challenge(phone(1), code_hash=None)
    await store(uow_factory, waiting)

    async def draw(index: int) -> bool:
        async with uow_factory() as uow:
            drawn = await uow.login_challenges.set_code(waiting.id, f"code-{index}")
            await uow.commit()
            return drawn

    assert sorted(await concurrently(10, draw)) == [False] * 9 + [True]
