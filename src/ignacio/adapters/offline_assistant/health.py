"""The offline assistant's health probe: it needs no model, so there is nothing to check."""

from __future__ import annotations

from ignacio.domain import CheckName, HealthCheck


class OfflineAssistantProbe:
    """Says that answers come from the offline assistant: working, and a hint that a model can
    be configured."""

    async def check(self) -> HealthCheck:
        return HealthCheck.passed(CheckName.MODEL, "offline assistant (no model configured)")
