"""The database's health probes: does it answer, and how many WhatsApp messages wait in it."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from ignacio.adapters.probing import DEFAULT_TIMEOUT_SECONDS, within_limit
from ignacio.adapters.sql.engine import BEGIN_MODE_OPTION
from ignacio.adapters.sql.tables import PROCESSING_PENDING, messages
from ignacio.application.ports import Clock
from ignacio.domain import BacklogPolicy, CheckName, HealthCheck

# Both aggregates read the partial index of pending messages only.
_BACKLOG = select(func.count(), func.min(messages.c.created_at)).where(PROCESSING_PENDING)


class SqlHealthProbe:
    """`SELECT 1` within a time limit; reports `ok` or a short reason and never raises."""

    def __init__(
        self, engine: AsyncEngine, timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    ) -> None:
        self._engine = engine
        self._timeout = timeout_seconds

    async def check(self) -> HealthCheck:
        name = CheckName.DATABASE
        try:
            async with asyncio.timeout(self._timeout), self._engine.connect() as connection:
                await connection.execution_options(**{BEGIN_MODE_OPTION: "deferred"})
                await connection.execute(text("SELECT 1"))
        except TimeoutError:
            return HealthCheck.failed(name, "timeout")
        except Exception as error:  # a probe reports failures, it does not raise them
            # The class name only: messages can carry host names or credentials.
            return HealthCheck.failed(name, f"unavailable ({type(error).__name__})")
        return HealthCheck.passed(name)


class SqlBacklogProbe:
    """Inbound WhatsApp messages whose processing has not finished (the ones the sweeps and
    ResumeProcessing queue again): how many, and how long the oldest has waited, judged by
    `policy`."""

    def __init__(
        self,
        engine: AsyncEngine,
        clock: Clock,
        policy: BacklogPolicy | None = None,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> None:
        self._engine = engine
        self._clock = clock
        self._policy = policy or BacklogPolicy()
        self._timeout = timeout_seconds

    async def check(self) -> HealthCheck:
        return await within_limit(CheckName.QUEUE, self._count, self._timeout, "the database")

    async def _count(self) -> HealthCheck:
        async with self._engine.connect() as connection:
            await connection.execution_options(**{BEGIN_MODE_OPTION: "deferred"})
            waiting, oldest = (await connection.execute(_BACKLOG)).one()
        return self._policy.check(int(waiting), oldest, self._clock.now())
