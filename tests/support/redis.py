"""The real Redis for rate-limit tests: a unique key prefix per test, its keys deleted after.

The server is IGNACIO_TEST_REDIS_URL (default redis://127.0.0.1:6379/0). Without one the tests
are skipped, except under CI (the `CI` variable is set), where they fail: CI must never pass by
skipping.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import pytest

from ignacio.adapters.ratelimit import LimitsRateLimiter

REDIS_URL_VARIABLE = "IGNACIO_TEST_REDIS_URL"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def redis_server_url() -> str:
    return os.environ.get(REDIS_URL_VARIABLE) or DEFAULT_REDIS_URL


@pytest.fixture
def redis_url() -> str:
    """The test Redis server's URL (skipped, or failed under CI, when it does not answer)."""
    url = redis_server_url()
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), 2):
            pass
    except OSError as error:
        reason = f"Redis is not reachable at {parts.hostname}:{parts.port} ({error})"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI must run the Redis tests.")
        pytest.skip(f"{reason}; set {REDIS_URL_VARIABLE}.")
    return url


@pytest.fixture
async def redis_prefix(redis_url: str) -> AsyncIterator[str]:
    """A key prefix no other test uses; every key under it is deleted afterwards."""
    prefix = f"ignacio-test-{secrets.token_hex(6)}"
    yield prefix
    await LimitsRateLimiter("async+" + redis_url, key_prefix=prefix).storage.reset()
