"""LoginChallengeRepository port."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from uuid import UUID

from ignacio.domain import LoginChallenge, PhoneNumber


class LoginChallengeRepository(Protocol):
    async def add(self, challenge: LoginChallenge) -> None:
        """Store a new challenge."""
        ...

    async def latest_for(self, phone: PhoneNumber) -> LoginChallenge | None:
        """The most recent unused challenge for this number, expired or not, or None."""
        ...

    async def record_failed_attempt(self, challenge_id: UUID) -> int:
        """Count one wrong code against the challenge, atomically; returns the new count."""
        ...

    async def consume(self, challenge_id: UUID, now: datetime) -> bool:
        """Mark the challenge used; False if it was already used (it is single-use)."""
        ...

    async def retire_for(self, phone: PhoneNumber, now: datetime) -> None:
        """Mark every unused challenge for this number used, so only a newer one can log in."""
        ...
