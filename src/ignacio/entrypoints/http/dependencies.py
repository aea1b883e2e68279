"""Bridges from the container to Litestar's dependency injection, and the caller's identity."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from dependency_injector import providers
from litestar import Request
from litestar.di import NamedDependency, Provide
from litestar.params import QueryParameter

from ignacio.application.use_cases.authenticate import Authenticate, Principal
from ignacio.domain import AuthenticationFailed, Order, PageRequest
from ignacio.domain.pagination import MAX_PAGE_SIZE, decode_cursor
from ignacio.entrypoints.container import Container

# Where use cases live: a factory of one of these is a use case handlers may ask for.
_USE_CASES = "ignacio.application.use_cases."

Limit = Annotated[int, QueryParameter(ge=1, le=MAX_PAGE_SIZE, description="Items per page")]
Cursor = Annotated[
    str | None, QueryParameter(max_length=200, description="`nextCursor` of the previous page")
]
OrderQuery = Annotated[
    Order, QueryParameter(description="`desc`: newest first; `asc`: oldest first")
]


def page_request(limit: int, cursor: str | None, order: Order) -> PageRequest:
    return PageRequest(limit=limit, after=decode_cursor(cursor) if cursor else None, order=order)


def _resolver(provider: providers.Provider[Any]) -> Callable[[], Any]:
    # A fresh resolution per request, so providers overridden in tests take effect at once.
    def resolve() -> Any:
        return provider()

    return resolve


def use_case_dependencies(container: Container) -> dict[str, Provide]:
    """Every use case the container provides, by its provider's name, for handlers to declare
    as `NamedDependency[...]`: nothing to keep in step by hand."""
    return {
        name: Provide(_resolver(getattr(container, name)), sync_to_thread=False)
        for name, provider in Container.providers.items()
        if isinstance(provider, providers.Factory)
        and provider.cls.__module__.startswith(_USE_CASES)
    }


def webhook_auth_dependencies(container: Container) -> dict[str, Provide]:
    """Who may call the webhooks (signatures, the verify token), as the container configured it."""
    return {
        name: Provide(_resolver(getattr(container, name)), sync_to_thread=False)
        for name in ("whatsapp_webhook_auth", "twilio_webhook_auth")
    }


async def provide_principal(
    request: Request[Any, Any, Any], authenticate: NamedDependency[Authenticate]
) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationFailed(
            "Log in first, then send the access token as 'Authorization: Bearer <token>'."
        )
    return await authenticate(token.strip())


def client_address(request: Request[Any, Any, Any]) -> str | None:
    return request.client.host if request.client else None
