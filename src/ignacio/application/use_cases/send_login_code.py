"""SendLoginCode: draw the code of a requested login challenge and send it, after the answer."""

from __future__ import annotations

import logging
from uuid import UUID

from ignacio.application.ports import Channel, Clock, SecretHasher, SendFailure, UnitOfWorkFactory
from ignacio.domain import OtpCode, RegistrationPolicy

# Standard logging: the core takes no logging framework; the entrypoint renders these with structlog.
log = logging.getLogger(__name__)


class SendLoginCode:
    """Draw a requested challenge's code and send it over WhatsApp (a job, after RequestOtp).

    - Every challenge gets a code, whether or not its number may log in, so that what is stored,
      and how verifying a code answers, is the same for every number; only active members (and
      new numbers when registration is open) are sent theirs.
    - A challenge gets one code: the job may run again (a retry, a crash) and never draws or
      sends a second one. A challenge already retired by a newer request, or expired, gets none.
    - If WhatsApp refuses the code, that is logged and the job ends: the person gets no code and
      may ask again. Neither the code nor the number is ever logged. A job lost before it ran
      (the in-process queue stopped) is not queued again: its code would arrive late, if at all,
      and the person asks again sooner.
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        channel: Channel,
        hasher: SecretHasher,
        clock: Clock,
        registration: RegistrationPolicy,
    ) -> None:
        self._uow = uow
        self._channel = channel
        self._hasher = hasher
        self._clock = clock
        self._registration = registration

    async def __call__(self, challenge_id: UUID) -> None:
        now = self._clock.now()
        code = OtpCode.generate()
        async with self._uow() as uow:
            challenge = await uow.login_challenges.get(challenge_id)
            if challenge is None or not challenge.awaits_code(now):
                return
            if not await uow.login_challenges.set_code(
                challenge_id, self._hasher.digest(code.digits)
            ):
                return
            user = await uow.users.get_by_phone(challenge.phone)
            await uow.commit()
        may_log_in = (
            user.is_active if user is not None else self._registration is RegistrationPolicy.OPEN
        )
        if not may_log_in:
            return
        try:
            await self._channel.send_login_code(challenge.phone, code.digits)
        except SendFailure as failure:
            log.warning(
                "a login code could not be sent; the person may ask again",
                extra={
                    "challenge_id": str(challenge_id),
                    "error_code": failure.code,
                    "retriable": failure.retriable,
                },
            )
