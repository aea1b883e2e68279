"""CheckSystemHealth: everything Ignacio depends on, for admins."""

from __future__ import annotations

from ignacio.application.authorization import require_admin
from ignacio.application.use_cases.check_health import CheckHealth, HealthReport
from ignacio.domain import User


class CheckSystemHealth:
    """Admins only. Runs a wider CheckHealth than the public one: besides the database, the
    file storage, the WhatsApp messages waiting for an answer, the WhatsApp channel's
    credentials and the model. Only the database decides whether an instance can serve (the
    public `/health`); the rest is for a person to act on, so it never takes an instance out
    of a load balancer."""

    def __init__(self, check: CheckHealth) -> None:
        self._check = check

    async def __call__(self, actor: User) -> HealthReport:
        require_admin(actor)
        return await self._check()
