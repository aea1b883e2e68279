"""Requests per client address on the HTTP API, counted in the shared rate limiter (so every
instance behind one Redis counts together). Health checks, webhooks and the web app's static
files are not limited: the providers' deliveries are authenticated, WhatsApp senders have limits
of their own, and loading the web app is not an API call."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler
from litestar.types import Guard

from ignacio.application.ports import RateLimit
from ignacio.domain import RateLimited
from ignacio.entrypoints.container import Container

NAMESPACE = "api-client"
EXEMPT_PATHS = frozenset({"/health", "/", "/app"})
EXEMPT_PREFIXES = ("/webhooks/", "/app/")


def api_rate_limit(container: Container) -> Guard:
    """A guard that answers 429 with Retry-After (the API's error body) once an address has made
    IGNACIO_API_RATE_LIMIT requests in the last minute; 0 turns it off."""
    per_minute = container.settings().api_rate_limit
    limit = RateLimit(amount=max(per_minute, 1), seconds=60)

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        if per_minute == 0:
            return
        path = connection.scope["path"]
        if path in EXEMPT_PATHS or path.startswith(EXEMPT_PREFIXES):
            return
        address = connection.client.host if connection.client else "unknown"
        wait = await container.rate_limiter().hit(NAMESPACE, address, limit)
        if wait is not None:
            raise RateLimited(
                f"Too many requests from this address. Try again in {wait} seconds.",
                retry_after=wait,
            )

    return guard
