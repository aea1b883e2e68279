"""RequestOtp: ask for a one-time login code over WhatsApp."""

from __future__ import annotations

import msgspec

from ignacio.application.ports import (
    Clock,
    IdGenerator,
    JobQueue,
    RateLimit,
    RateLimiter,
    UnitOfWorkFactory,
)
from ignacio.domain import LoginChallenge, OtpPolicy, PhoneNumber, RateLimited


class OtpRequestLimits(msgspec.Struct, frozen=True, kw_only=True):
    per_phone: RateLimit = RateLimit(amount=5, seconds=15 * 60)
    per_client: RateLimit = RateLimit(amount=20, seconds=15 * 60)


class RequestOtpCommand(msgspec.Struct, frozen=True, kw_only=True):
    phone: str
    client_address: str | None = None


class RequestOtpResult(msgspec.Struct, frozen=True, kw_only=True):
    phone: PhoneNumber
    expires_in_seconds: int


class RequestOtp:
    """Ask for a login code for a phone number.

    - The number must be a valid phone number (E.164 once normalised).
    - Requests are limited per number and per client address.
    - A new request retires every earlier code for the number.
    - The answer is the same, and takes the same work, whatever the number: whether it has an
      account is looked up after the answer, by SendLoginCode (a job), which sends a code only
      to active members, or to new numbers when registration is open. So neither the answer nor
      its timing tells anybody which numbers have accounts.
    - WhatsApp refusing the code is not the requester's error: it is logged, no code arrives,
      and the person may ask again.
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        queue: JobQueue,
        limiter: RateLimiter,
        clock: Clock,
        ids: IdGenerator,
        policy: OtpPolicy,
        limits: OtpRequestLimits,
    ) -> None:
        self._uow = uow
        self._queue = queue
        self._limiter = limiter
        self._clock = clock
        self._ids = ids
        self._policy = policy
        self._limits = limits

    async def __call__(self, command: RequestOtpCommand) -> RequestOtpResult:
        phone = PhoneNumber.parse(command.phone)
        if command.client_address:
            await self._limit("otp-client", command.client_address, self._limits.per_client)
        await self._limit("otp-phone", phone.e164, self._limits.per_phone)

        now = self._clock.now()
        challenge = LoginChallenge.requested(
            id=self._ids.new_id(), phone=phone, now=now, policy=self._policy
        )
        async with self._uow() as uow:
            await uow.login_challenges.retire_for(phone, now)
            await uow.login_challenges.add(challenge)
            await uow.commit()
        await self._queue.enqueue_login_code(challenge.id)
        return RequestOtpResult(
            phone=phone, expires_in_seconds=int(self._policy.ttl.total_seconds())
        )

    async def _limit(self, namespace: str, key: str, limit: RateLimit) -> None:
        wait = await self._limiter.hit(namespace, key, limit)
        if wait is not None:
            raise RateLimited(
                f"Too many code requests. Try again in {wait} seconds.", retry_after=wait
            )
