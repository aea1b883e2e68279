"""The memory adapter's health probe: there is nothing that could be down."""

from __future__ import annotations


class MemoryHealthProbe:
    """Always healthy; stands in for the database check in the memory adapter set."""

    async def check(self) -> dict[str, str]:
        return {"database": "ok"}
