"""HealthProbe port."""

from __future__ import annotations

from typing import Protocol


class HealthProbe(Protocol):
    async def check(self) -> dict[str, str]:
        """Each dependency's state, `ok` or a short reason; never raises."""
        ...
