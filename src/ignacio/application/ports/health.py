"""HealthProbe port."""

from __future__ import annotations

from typing import Protocol

from ignacio.domain import HealthCheck


class HealthProbe(Protocol):
    async def check(self) -> HealthCheck:
        """One dependency's state, within the probe's own time limit; never raises, and never
        puts a secret (a key, a token, a password in a URL) in what it says."""
        ...
