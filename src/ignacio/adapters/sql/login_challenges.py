"""LoginChallengeRepository over SQLAlchemy Core: `otp_codes`, the login codes asked for.

Each rule that must hold under concurrent attempts (a code set once, attempts counted up to a
limit, a code consumed once) is one conditional UPDATE: the database decides, never a read
followed by a write.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import update

from ignacio.adapters.sql.mapping import FieldMap, encrypted_phone, per_cipher
from ignacio.adapters.sql.queries import ConnectionSource, insert_new
from ignacio.adapters.sql.tables import otp_codes
from ignacio.application.ports import PhoneCipher
from ignacio.domain import LoginChallenge, PhoneNumber


@per_cipher
def _fields(cipher: PhoneCipher) -> FieldMap[LoginChallenge]:
    return FieldMap(
        LoginChallenge,
        otp_codes,
        "id",
        encrypted_phone(cipher),
        "code_hash",
        "attempts",
        "expires_at",
        "consumed_at",
        "created_at",
    )


class SqlLoginChallengeRepository:
    def __init__(self, connection: ConnectionSource, cipher: PhoneCipher) -> None:
        self._connection = connection
        self._cipher = cipher
        self._fields = _fields(cipher)

    async def add(self, challenge: LoginChallenge) -> None:
        await insert_new(
            self._connection(),
            otp_codes,
            self._fields.insert_values(challenge),
            conflict="A login challenge with this id already exists.",
        )

    async def latest_for(self, phone: PhoneNumber) -> LoginChallenge | None:
        statement = (
            self._fields.select()
            .where(
                otp_codes.c.phone_lookup == self._cipher.lookup_key(phone),
                otp_codes.c.consumed_at.is_(None),
            )
            .order_by(otp_codes.c.created_at.desc(), otp_codes.c.id.desc())
            .limit(1)
        )
        return await self._fields.first(self._connection(), statement)

    async def get(self, challenge_id: UUID) -> LoginChallenge | None:
        statement = self._fields.select().where(otp_codes.c.id == challenge_id)
        return await self._fields.first(self._connection(), statement)

    async def set_code(self, challenge_id: UUID, code_hash: str) -> bool:
        c = otp_codes.c
        statement = (
            update(otp_codes)
            .where(c.id == challenge_id, c.code_hash.is_(None), c.consumed_at.is_(None))
            .values(code_hash=code_hash)
        )
        return (await self._connection().execute(statement)).rowcount == 1

    async def count_attempt(self, challenge_id: UUID, limit: int) -> int | None:
        # One statement: PostgreSQL re-checks the condition on the row a concurrent attempt has
        # just updated, so no two attempts ever get the same count, and none gets past `limit`.
        c = otp_codes.c
        statement = (
            update(otp_codes)
            .where(c.id == challenge_id, c.consumed_at.is_(None), c.attempts < limit)
            .values(attempts=c.attempts + 1)
            .returning(c.attempts)
        )
        attempts = (await self._connection().execute(statement)).scalar_one_or_none()
        return None if attempts is None else int(attempts)

    async def consume(self, challenge_id: UUID, now: datetime, limit: int) -> bool:
        c = otp_codes.c
        statement = (
            update(otp_codes)
            .where(c.id == challenge_id, c.consumed_at.is_(None), c.attempts <= limit)
            .values(consumed_at=now)
        )
        return (await self._connection().execute(statement)).rowcount == 1

    async def retire_for(self, phone: PhoneNumber, now: datetime) -> None:
        statement = (
            update(otp_codes)
            .where(
                otp_codes.c.phone_lookup == self._cipher.lookup_key(phone),
                otp_codes.c.consumed_at.is_(None),
            )
            .values(consumed_at=now)
        )
        await self._connection().execute(statement)
