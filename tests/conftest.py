"""Fixtures every test directory may use."""

from tests.support.databases import postgres_database_url, postgres_url, sqlite_url
from tests.support.procrastinate import procrastinate_url
from tests.support.redis import redis_prefix, redis_url

__all__ = [
    "postgres_database_url",
    "postgres_url",
    "procrastinate_url",
    "redis_prefix",
    "redis_url",
    "sqlite_url",
]
