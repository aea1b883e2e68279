"""What every provider adapter speaking HTTP needs alike: reading `Retry-After`, classing a
request that got no answer, and reading a download without letting it grow past a limit.

Shared here, beside the adapter packages and in none of them, so that the packages stay
independent of each other.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from ignacio.application.ports import SendFailure


def retry_after_seconds(header: str | None, now: datetime | None = None) -> float | None:
    """A `Retry-After` header (seconds, or an HTTP date) as seconds to wait; None if absent or bad."""
    if not header:
        return None
    try:
        seconds = float(header.strip())
    except ValueError:
        try:
            when = parsedate_to_datetime(header)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if not math.isfinite(seconds):
        return None
    return max(seconds, 0.0)


def network_failure(error: httpx.HTTPError, provider: str) -> SendFailure:
    """A request that got no answer (timeout, refused connection, broken stream): it may pass."""
    if isinstance(error, httpx.TimeoutException):
        return SendFailure(f"{provider} did not answer in time.", retriable=True)
    return SendFailure(f"Could not reach {provider} ({type(error).__name__}).", retriable=True)


async def read_limited(
    response: httpx.Response, max_bytes: int, too_large: Callable[[], SendFailure]
) -> bytes:
    """The body of a streamed response, refused (`too_large()`) as soon as it passes `max_bytes`,
    by its declared length or by what actually arrives."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise too_large()
    content = bytearray()
    async for chunk in response.aiter_bytes():
        content.extend(chunk)
        if len(content) > max_bytes:
            raise too_large()
    return bytes(content)
