"""MemberSessions in Redis (IGNACIO_REDIS_URL), shared by every process, on coredis (the client
the `limits` library already uses for the rate limits).

A session is a hash at `<key_prefix>:member-session:<workspace>:<member>`: the session as JSON,
and when it expires (milliseconds since the epoch, by the caller's clock). Redis drops the key
once `ttl` has passed; the stored expiry lets a read judge by the caller's clock too, so both
agree with the database's adapter. `put` and `renew` are scripts, each one atomic step.

When Redis cannot be reached a read finds no session and a write is lost, with a warning: a
Redis outage sends messages to the member's latest conversation, it does not stop them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import coredis
import msgspec
import structlog
from coredis.exceptions import RedisError

from ignacio.domain.member_sessions import MemberSession

DEFAULT_KEY_PREFIX = "ignacio"

_PUT = """
redis.call('HSET', KEYS[1], 'session', ARGV[1], 'expires', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
"""
_RENEW = """
local expires = redis.call('HGET', KEYS[1], 'expires')
if not expires or tonumber(expires) <= tonumber(ARGV[1]) then
  return 0
end
redis.call('HSET', KEYS[1], 'expires', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
"""

log = structlog.get_logger(__name__)


class RedisMemberSessions:
    def __init__(self, url: str, *, key_prefix: str = DEFAULT_KEY_PREFIX) -> None:
        # `limits` takes `async+redis://`; Redis itself, the plain URL.
        self._client = coredis.Redis.from_url(url.removeprefix("async+"), decode_responses=True)
        self._prefix = key_prefix

    def __repr__(self) -> str:
        return "RedisMemberSessions()"

    def _key(self, workspace_id: UUID, user_id: UUID) -> str:
        return f"{self._prefix}:member-session:{workspace_id}:{user_id}"

    async def get(self, workspace_id: UUID, user_id: UUID, now: datetime) -> MemberSession | None:
        try:
            raw, expires = await self._client.hmget(
                self._key(workspace_id, user_id), ["session", "expires"]
            )
        except RedisError as error:
            log.warning("member_session_storage_unavailable", error=type(error).__name__)
            return None
        if raw is None or expires is None or int(expires) <= _millis(now):
            return None
        session = msgspec.json.decode(raw, type=MemberSession)
        return msgspec.structs.replace(session, expires_at=_datetime(int(expires)))

    async def put(self, session: MemberSession, ttl: timedelta) -> None:
        try:
            await self._client.eval(
                _PUT,
                keys=[self._key(session.workspace_id, session.user_id)],
                args=[
                    msgspec.json.encode(session).decode(),
                    str(_millis(session.expires_at)),
                    str(_ttl_millis(ttl)),
                ],
            )
        except RedisError as error:
            log.warning("member_session_storage_unavailable", error=type(error).__name__)

    async def renew(self, workspace_id: UUID, user_id: UUID, now: datetime, ttl: timedelta) -> bool:
        try:
            renewed = await self._client.eval(
                _RENEW,
                keys=[self._key(workspace_id, user_id)],
                args=[str(_millis(now)), str(_millis(now + ttl)), str(_ttl_millis(ttl))],
            )
        except RedisError as error:
            log.warning("member_session_storage_unavailable", error=type(error).__name__)
            return False
        return bool(renewed)

    async def end(self, workspace_id: UUID, user_id: UUID) -> None:
        try:
            await self._client.delete([self._key(workspace_id, user_id)])
        except RedisError as error:
            log.warning("member_session_storage_unavailable", error=type(error).__name__)

    async def close(self) -> None:
        """Let go of the connections (a test's clean-up)."""
        self._client.connection_pool.disconnect()


def _millis(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def _ttl_millis(ttl: timedelta) -> int:
    return max(1, int(ttl.total_seconds() * 1000))


def _datetime(millis: int) -> datetime:
    return datetime.fromtimestamp(millis / 1000, tz=UTC)


__all__ = ["DEFAULT_KEY_PREFIX", "RedisMemberSessions"]
