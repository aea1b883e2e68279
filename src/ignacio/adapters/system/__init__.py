"""The real clock and identifier generator."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class RandomIdGenerator:
    """UUID4: unguessable, so an id in a URL reveals nothing about others."""

    def new_id(self) -> uuid.UUID:
        return uuid.uuid4()


__all__ = ["RandomIdGenerator", "SystemClock"]
