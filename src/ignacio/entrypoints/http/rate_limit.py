"""Requests per client address on the HTTP API, counted in the shared rate limiter (so every
instance behind one Redis counts together).

The guard sits on the API's routes only (see `create_app`): health checks, webhooks and the web
app's static files are not limited: the providers' deliveries are authenticated, WhatsApp
senders have limits of their own, and loading the web app is not an API call. Kept off those
routes rather than skipped inside, because Litestar copies the route handler for every guard it
runs: 4% of a webhook's acknowledgement.

The live event streams count in a budget of their own (`EVENTS_NAMESPACE`, as many opens per
minute as the API's limit): a stream is one request for as long as it lasts, opened again only
when its connection drops or its token expires, and a page busy with ordinary requests must not
leave itself unable to reconnect its live updates. Counting the opens at all still bounds a
client that reconnects in a loop.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler
from litestar.types import Guard

from ignacio.application.ports import RateLimit
from ignacio.domain import RateLimited
from ignacio.entrypoints.container import Container

NAMESPACE = "api-client"
EVENTS_NAMESPACE = "api-events"
_LIMITS_API_RATE = "ignacio_limits_api_rate"


def api_rate_limit(container: Container, namespace: str = NAMESPACE) -> Guard:
    """A guard that answers 429 with Retry-After (the API's error body) once an address has made
    IGNACIO_API_RATE_LIMIT requests in the last minute (counted in `namespace`); 0 turns it
    off."""
    per_minute = container.settings().limits.api_per_minute
    limit = RateLimit(amount=max(per_minute, 1), seconds=60)

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        if per_minute == 0:
            return
        address = connection.client.host if connection.client else "unknown"
        wait = await container.rate_limiter().hit(namespace, address, limit)
        if wait is not None:
            raise RateLimited(
                f"Too many requests from this address. Try again in {wait} seconds.",
                retry_after=wait,
            )

    setattr(guard, _LIMITS_API_RATE, True)
    return guard


def is_rate_limited(handler: BaseRouteHandler) -> bool:
    """Whether the API's rate limit guards this route (to document its 429)."""
    return any(getattr(guard, _LIMITS_API_RATE, False) for guard in handler.resolve_guards())
