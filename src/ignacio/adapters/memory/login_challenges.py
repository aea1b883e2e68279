"""LoginChallengeRepository in memory: each conditional update is one test and one write, no await between."""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec

from ignacio.adapters.memory.store import InMemoryStore
from ignacio.domain import Conflict, LoginChallenge, PhoneNumber


class InMemoryLoginChallengeRepository:
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def add(self, challenge: LoginChallenge) -> None:
        if challenge.id in self._store.login_challenges:
            raise Conflict("A login challenge with this id already exists.")
        self._store.login_challenges[challenge.id] = challenge

    async def latest_for(self, phone: PhoneNumber) -> LoginChallenge | None:
        unused = [
            challenge
            for challenge in self._store.login_challenges.values()
            if challenge.phone == phone and challenge.consumed_at is None
        ]
        return max(unused, key=lambda c: (c.created_at, c.id), default=None)

    async def get(self, challenge_id: UUID) -> LoginChallenge | None:
        return self._store.login_challenges.get(challenge_id)

    async def set_code(self, challenge_id: UUID, code_hash: str) -> bool:
        challenge = self._store.login_challenges.get(challenge_id)
        if challenge is None or challenge.is_used or challenge.code_hash is not None:
            return False
        self._replace(challenge, code_hash=code_hash)
        return True

    async def count_attempt(self, challenge_id: UUID, limit: int) -> int | None:
        challenge = self._store.login_challenges.get(challenge_id)
        if challenge is None or challenge.is_used or challenge.attempts >= limit:
            return None
        attempts = challenge.attempts + 1
        self._replace(challenge, attempts=attempts)
        return attempts

    async def consume(self, challenge_id: UUID, now: datetime, limit: int) -> bool:
        challenge = self._store.login_challenges.get(challenge_id)
        if challenge is None or challenge.is_used or challenge.attempts > limit:
            return False
        self._replace(challenge, consumed_at=now)
        return True

    async def retire_for(self, phone: PhoneNumber, now: datetime) -> None:
        for challenge in builtins.list(self._store.login_challenges.values()):
            if challenge.phone == phone and challenge.consumed_at is None:
                self._replace(challenge, consumed_at=now)

    def _replace(self, challenge: LoginChallenge, **changes: Any) -> None:
        self._store.login_challenges[challenge.id] = msgspec.structs.replace(challenge, **changes)
