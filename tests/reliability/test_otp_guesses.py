"""Drill 5: a burst of guesses at one login code. Fifty verifications of the same number arrive at
once, each in its own unit of work (its own connection): forty-nine wrong codes and the right one.
However they interleave, at most the policy's five codes are compared with the stored hash, and
at most one of them logs in.

On PostgreSQL, where transactions really run side by side, reading the attempt count and then
writing it let every guess through (up to 9 counted per code, and the right one logged in every
time); the attempt is now counted by one conditional statement before the code is compared.
"""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta
from uuid import uuid4

from ignacio.adapters.security import HmacSecretHasher
from ignacio.application.use_cases.verify_otp import VerifyOtpCommand
from ignacio.domain import DomainError, LoginChallenge, PhoneNumber
from ignacio.entrypoints.container import build_container
from ignacio.entrypoints.runtime import close_container
from tests.support.system import settings_for_tests

GUESSES = 50
PHONE = "+34612345678"
RIGHT = "424242"


class CountingHasher:
    """The real hasher, counting how many codes were compared with a stored hash."""

    def __init__(self) -> None:
        self._hasher = HmacSecretHasher(b"k" * 32)
        self.compared = 0

    def digest(self, secret: str) -> str:
        return self._hasher.digest(secret)

    def matches(self, secret: str, digest: str) -> bool:
        self.compared += 1
        return self._hasher.matches(secret, digest)


async def test_fifty_concurrent_guesses_get_at_most_five_comparisons_and_one_login(
    database: tuple[str, dict[str, str]],
) -> None:
    url, _ = database
    container = build_container(settings_for_tests(IGNACIO_DATABASE_URL=url))
    hasher = CountingHasher()
    container.hasher.override(hasher)
    try:
        now = container.clock().now()
        phone = PhoneNumber.parse(PHONE)
        async with container.uow()() as uow:
            await uow.login_challenges.add(
                LoginChallenge(
                    id=uuid4(),
                    phone=phone,
                    code_hash=hasher.digest(RIGHT),
                    expires_at=now + timedelta(minutes=5),
                    created_at=now,
                )
            )
            await uow.commit()
        wrong = [f"{n:06d}" for n in range(GUESSES - 1)]
        guesses = [*wrong, RIGHT]
        random.Random(13).shuffle(guesses)
        verify = container.verify_otp()

        async def guess(code: str) -> bool:
            try:
                await verify(VerifyOtpCommand(phone=PHONE, code=code))
            except DomainError:
                return False
            return True

        logins = await asyncio.gather(*(guess(code) for code in guesses))

        print(
            f"\n{GUESSES} concurrent guesses: {hasher.compared} compared, {sum(logins)} logged in"
        )
        assert hasher.compared <= container.otp_policy().max_attempts
        assert sum(logins) <= 1
        async with container.uow()() as uow:
            challenge = await uow.login_challenges.latest_for(phone)
        if challenge is not None:
            assert challenge.attempts <= container.otp_policy().max_attempts
    finally:
        await close_container(container)
