"""CheckHealth: is every dependency answering."""

from __future__ import annotations

import msgspec

from ignacio.application.ports import HealthProbe


class HealthReport(msgspec.Struct, frozen=True, kw_only=True):
    healthy: bool
    checks: dict[str, str]


class CheckHealth:
    """Ask every probe; healthy only when all say `ok`."""

    def __init__(self, probes: list[HealthProbe]) -> None:
        self._probes = probes

    async def __call__(self) -> HealthReport:
        checks: dict[str, str] = {}
        for probe in self._probes:
            checks |= await probe.check()
        return HealthReport(healthy=all(state == "ok" for state in checks.values()), checks=checks)
