"""VerifyOtp: exchange a login code for a session."""

from __future__ import annotations

import msgspec

from ignacio.application.ports import Clock, IdGenerator, SecretHasher, UnitOfWorkFactory
from ignacio.application.sessions import SessionIssuer
from ignacio.application.workspaces import welcome
from ignacio.domain import (
    AuthenticationFailed,
    CodeExpired,
    InvalidCode,
    IssuedTokens,
    OtpCode,
    OtpPolicy,
    PhoneNumber,
    RegistrationPolicy,
    TooManyAttempts,
    User,
)


class VerifyOtpCommand(msgspec.Struct, frozen=True, kw_only=True):
    phone: str
    code: str
    user_agent: str | None = None
    client_address: str | None = None


class VerifyOtpResult(msgspec.Struct, frozen=True, kw_only=True):
    user: User
    tokens: IssuedTokens
    is_new_user: bool


class VerifyOtp:
    """Log in with the code sent to a phone.

    - Only the latest code for the number counts; it is single-use and valid for the policy's time.
    - A code is stored for every number that asked, sent or not (see SendLoginCode): a wrong
      code gets the same answer whether or not the number has an account.
    - Every attempt counts, and is counted before the code is compared: at most the policy's
      number of attempts are ever compared, however many arrive at once. After that many wrong
      codes the code is locked, even for the right one.
    - A number logs in for the first time only when registration is open; it becomes a member.
    - Deactivated members cannot log in.
    - Success opens a session: a short-lived access token and a rotating refresh token.
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        hasher: SecretHasher,
        sessions: SessionIssuer,
        clock: Clock,
        ids: IdGenerator,
        policy: OtpPolicy,
        registration: RegistrationPolicy,
    ) -> None:
        self._uow = uow
        self._hasher = hasher
        self._sessions = sessions
        self._clock = clock
        self._ids = ids
        self._policy = policy
        self._registration = registration

    async def __call__(self, command: VerifyOtpCommand) -> VerifyOtpResult:
        phone = PhoneNumber.parse(command.phone)
        code = OtpCode.parse(command.code)
        now = self._clock.now()
        limit = self._policy.max_attempts
        async with self._uow() as uow:
            challenge = await uow.login_challenges.latest_for(phone)
            if challenge is None or challenge.code_hash is None:
                raise InvalidCode("That code is not valid. Request a new code and try again.")
            if challenge.is_expired(now):
                raise CodeExpired("That code has expired. Request a new code.")
            # Counted before comparing, in one conditional statement: guesses sent at once
            # cannot all read the same count and all be compared.
            attempts = await uow.login_challenges.count_attempt(challenge.id, limit)
            if attempts is None:
                raise TooManyAttempts("Too many wrong codes. Request a new code.")
            if not self._hasher.matches(code.digits, challenge.code_hash):
                await uow.commit()
                left = limit - attempts
                if left <= 0:
                    raise TooManyAttempts("Too many wrong codes. Request a new code.")
                raise InvalidCode(
                    f"That code is wrong. {left} attempt{'s' if left != 1 else ''} left."
                )
            if not await uow.login_challenges.consume(challenge.id, now, limit):
                raise InvalidCode("That code was already used. Request a new code.")

            user = await uow.users.get_by_phone(phone)
            is_new_user = user is None
            if user is None:
                if self._registration is not RegistrationPolicy.OPEN:
                    raise AuthenticationFailed(
                        "This number is not invited. Ask an admin to add you."
                    )
                user = User(id=self._ids.new_id(), phone=phone, created_at=now, updated_at=now)
                await uow.users.add(user)
                await welcome(uow, self._ids, user, now)
            if not user.is_active:
                raise AuthenticationFailed(
                    "This account is deactivated. Ask an admin to reactivate it."
                )
            tokens = await self._sessions.open(
                uow, user, user_agent=command.user_agent, client_address=command.client_address
            )
            await uow.commit()
        return VerifyOtpResult(user=user, tokens=tokens, is_new_user=is_new_user)
