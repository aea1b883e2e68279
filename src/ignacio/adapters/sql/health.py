"""The database health probe."""

from __future__ import annotations

import asyncio

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from ignacio.adapters.sql.engine import BEGIN_MODE_OPTION


class SqlHealthProbe:
    """`SELECT 1` within a time limit; reports `ok` or a short reason and never raises."""

    def __init__(self, engine: AsyncEngine, timeout_seconds: float = 5.0) -> None:
        self._engine = engine
        self._timeout = timeout_seconds

    async def check(self) -> dict[str, str]:
        try:
            async with asyncio.timeout(self._timeout), self._engine.connect() as connection:
                await connection.execution_options(**{BEGIN_MODE_OPTION: "deferred"})
                await connection.execute(text("SELECT 1"))
        except TimeoutError:
            return {"database": "timeout"}
        except Exception as error:  # a probe reports failures, it does not raise them
            # The class name only: messages can carry host names or credentials.
            return {"database": f"unavailable ({type(error).__name__})"}
        return {"database": "ok"}
