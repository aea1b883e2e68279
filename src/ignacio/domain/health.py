"""What a health check reports, and when WhatsApp messages waiting to be answered are a problem."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

import msgspec

from ignacio.domain.errors import InvalidInput

MAX_DETAIL_LENGTH = 300
OK = "ok"


class CheckName(StrEnum):
    """The dependencies Ignacio checks; the admin view names each check by one of these."""

    DATABASE = "database"
    STORAGE = "storage"
    QUEUE = "queue"
    WHATSAPP = "whatsapp"
    MODEL = "model"


class HealthCheck(msgspec.Struct, frozen=True, kw_only=True):
    """One dependency's state: whether it works (`ok`), and in `detail` what a person reads:
    `ok`, a note on a working one ("console (nothing to check)"), or a short reason they can act
    on. Never a secret: adapters say which setting to check, not what it holds."""

    name: str
    ok: bool
    detail: str

    def __post_init__(self) -> None:
        if not self.name:
            raise InvalidInput("A health check needs a name.")
        if not self.detail.strip() or len(self.detail) > MAX_DETAIL_LENGTH:
            raise InvalidInput(f"A health check's detail has 1 to {MAX_DETAIL_LENGTH} characters.")
        if not self.ok and self.detail == OK:
            raise InvalidInput("A failed health check says why.")

    @classmethod
    def passed(cls, name: str, detail: str = OK) -> HealthCheck:
        return cls(name=name, ok=True, detail=detail)

    @classmethod
    def failed(cls, name: str, reason: str) -> HealthCheck:
        if len(reason) > MAX_DETAIL_LENGTH:
            reason = reason[: MAX_DETAIL_LENGTH - 3] + "..."
        return cls(name=name, ok=False, detail=reason)


class BacklogPolicy(msgspec.Struct, frozen=True, kw_only=True):
    """Inbound WhatsApp messages waiting for their answer: a few for a few seconds is normal
    (answering takes the model's time); one that has waited past `limit` means nothing is
    answering them (no worker, or every attempt failing)."""

    limit: timedelta = timedelta(minutes=5)

    def check(self, waiting: int, oldest: datetime | None, now: datetime) -> HealthCheck:
        """The queue's check, given how many wait and since when the oldest has."""
        if waiting <= 0 or oldest is None:
            return HealthCheck.passed(CheckName.QUEUE, "nothing waiting")
        waited = max(now - oldest, timedelta(0))
        summary = (
            f"1 waiting, for {_duration(waited)}"
            if waiting == 1
            else f"{waiting} waiting, the oldest for {_duration(waited)}"
        )
        if waited <= self.limit:
            return HealthCheck.passed(CheckName.QUEUE, summary)
        return HealthCheck.failed(
            CheckName.QUEUE,
            f"{summary}: more than {_duration(self.limit)}, so nothing is answering them. "
            "Is a worker running (`ignacio worker`, or IGNACIO_RUN_WORKER), and can it reach "
            "WhatsApp and the model?",
        )


def _duration(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    if minutes < 1:
        return "under a minute"
    if minutes < 120:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min"
