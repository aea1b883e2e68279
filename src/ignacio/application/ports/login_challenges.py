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

    async def get(self, challenge_id: UUID) -> LoginChallenge | None:
        """The challenge with this id, used or not, or None."""
        ...

    async def set_code(self, challenge_id: UUID, code_hash: str) -> bool:
        """Record the hash of the challenge's code, atomically, if it has none and is unused;
        False otherwise: a challenge gets one code, however often this is retried."""
        ...

    async def latest_for(self, phone: PhoneNumber) -> LoginChallenge | None:
        """The most recent unused challenge for this number, expired or not, or None."""
        ...

    async def count_attempt(self, challenge_id: UUID, limit: int) -> int | None:
        """Count one attempt at the unused challenge if fewer than `limit` were counted, in one
        atomic step; returns the new count, or None (limit reached, used, or unknown): then the
        code must not be compared. Concurrent callers get each count at most once."""
        ...

    async def consume(self, challenge_id: UUID, now: datetime, limit: int) -> bool:
        """Mark the challenge used, atomically, if it is unused and at most `limit` attempts were
        counted; False otherwise (it is single-use, and locked past its limit)."""
        ...

    async def retire_for(self, phone: PhoneNumber, now: datetime) -> None:
        """Mark every unused challenge for this number used, so only a newer one can log in."""
        ...
