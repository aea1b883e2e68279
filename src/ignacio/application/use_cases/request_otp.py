"""RequestOtp: send a one-time login code over WhatsApp."""

from __future__ import annotations

import msgspec

from ignacio.application.ports import (
    Channel,
    Clock,
    IdGenerator,
    RateLimit,
    RateLimiter,
    SecretHasher,
    SendFailure,
    UnitOfWorkFactory,
)
from ignacio.domain import (
    LoginChallenge,
    OtpCode,
    OtpPolicy,
    PhoneNumber,
    RateLimited,
    RegistrationPolicy,
    UpstreamUnavailable,
)


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
    """Send a login code to a phone number.

    - The number must be a valid phone number (E.164 once normalised).
    - Requests are limited per number and per client address.
    - A code is sent only to active members, or to new numbers when registration is open; the
      answer is the same either way, so nobody can probe which numbers have accounts.
    - A new code retires every earlier one for the number. Only its keyed hash is stored.
    - If WhatsApp refuses the code, the caller is told to try again (503), not left waiting.
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        channel: Channel,
        hasher: SecretHasher,
        limiter: RateLimiter,
        clock: Clock,
        ids: IdGenerator,
        policy: OtpPolicy,
        registration: RegistrationPolicy,
        limits: OtpRequestLimits,
    ) -> None:
        self._uow = uow
        self._channel = channel
        self._hasher = hasher
        self._limiter = limiter
        self._clock = clock
        self._ids = ids
        self._policy = policy
        self._registration = registration
        self._limits = limits

    async def __call__(self, command: RequestOtpCommand) -> RequestOtpResult:
        phone = PhoneNumber.parse(command.phone)
        if command.client_address:
            await self._limit("otp-client", command.client_address, self._limits.per_client)
        await self._limit("otp-phone", phone.e164, self._limits.per_phone)

        now = self._clock.now()
        code: OtpCode | None = None
        async with self._uow() as uow:
            user = await uow.users.get_by_phone(phone)
            may_log_in = (
                user.is_active
                if user is not None
                else self._registration is RegistrationPolicy.OPEN
            )
            if may_log_in:
                code = OtpCode.generate()
                await uow.login_challenges.retire_for(phone, now)
                await uow.login_challenges.add(
                    LoginChallenge(
                        id=self._ids.new_id(),
                        phone=phone,
                        code_hash=self._hasher.digest(code.digits),
                        expires_at=now + self._policy.ttl,
                        created_at=now,
                    )
                )
                await uow.commit()
        if code is not None:
            try:
                await self._channel.send_login_code(phone, code.digits)
            except SendFailure as failure:
                raise UpstreamUnavailable(
                    "The code could not be sent over WhatsApp just now. Try again in a minute."
                ) from failure
        return RequestOtpResult(
            phone=phone, expires_in_seconds=int(self._policy.ttl.total_seconds())
        )

    async def _limit(self, namespace: str, key: str, limit: RateLimit) -> None:
        wait = await self._limiter.hit(namespace, key, limit)
        if wait is not None:
            raise RateLimited(
                f"Too many code requests. Try again in {wait} seconds.", retry_after=wait
            )
