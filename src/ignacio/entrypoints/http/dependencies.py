"""Bridges from the container to Litestar's dependency injection, and the caller's identity."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from dependency_injector import providers
from litestar import Request
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, HeaderParameter, QueryParameter

from ignacio.application.use_cases.accept_webhook import AcceptWebhook
from ignacio.application.use_cases.authenticate import Authenticate, Principal
from ignacio.application.use_cases.workspace_channels import FindNumberCredentials
from ignacio.application.workspaces import WORKSPACE_HEADER
from ignacio.domain import AuthenticationFailed, Order, PageRequest
from ignacio.domain.pagination import MAX_PAGE_SIZE, decode_cursor
from ignacio.domain.workspaces import WorkspaceAccess
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

WorkspaceHeader = Annotated[
    str | None,
    HeaderParameter(
        name=WORKSPACE_HEADER,
        min_length=1,
        max_length=40,
        description="The workspace the request acts in: its id or short name. Needed only by "
        "people in several workspaces; without it, the caller's only workspace.",
    ),
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


AuthT = TypeVar("AuthT")


@dataclass(frozen=True, slots=True)
class Webhook(Generic[AuthT]):
    """What a webhook delivery needs (its provider's authenticator, the credentials of the
    workspaces' own numbers, AcceptWebhook) as one dependency: Litestar resolves independent
    dependencies in a task group of their own (litestar#4563), which cost the acknowledgement
    a fifth of its throughput."""

    auth: AuthT
    accept: AcceptWebhook
    numbers: FindNumberCredentials


def webhook_dependencies(container: Container) -> dict[str, Provide]:
    """Who may call the webhooks (signatures, the verify token), as the container configured
    it, with what keeps their deliveries."""

    def provider_webhook(auth: providers.Provider[Any]) -> Callable[[], Webhook[Any]]:
        def resolve() -> Webhook[Any]:
            return Webhook(
                auth=auth(),
                accept=container.accept_webhook(),
                numbers=container.find_number_credentials(),
            )

        return resolve

    return {
        "whatsapp_webhook_auth": Provide(
            _resolver(container.whatsapp_webhook_auth), sync_to_thread=False
        ),
        "whatsapp_webhook": Provide(
            provider_webhook(container.whatsapp_webhook_auth), sync_to_thread=False
        ),
        "twilio_webhook": Provide(
            provider_webhook(container.twilio_webhook_auth), sync_to_thread=False
        ),
        "gateway_webhook": Provide(
            provider_webhook(container.gateway_webhook_auth), sync_to_thread=False
        ),
    }


def bearer_token(request: Request[Any, Any, Any]) -> str:
    """The access token the request carries (`Authorization: Bearer ...`); never in a URL."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationFailed(
            "Log in first, then send the access token as 'Authorization: Bearer <token>'."
        )
    return token.strip()


async def provide_principal(
    request: Request[Any, Any, Any], authenticate: NamedDependency[Authenticate]
) -> Principal:
    return await authenticate(bearer_token(request))


async def provide_workspace(
    request: Request[Any, Any, Any],
    authenticate: NamedDependency[Authenticate],
    workspace_header: WorkspaceHeader = None,
) -> WorkspaceAccess:
    """The caller, the workspace the request acts in (the `Ignacio-Workspace` header, or the
    caller's only one) and their rights there, on one connection; 404 for a workspace they may
    not see, 400 when they are in several and named none. (Not built on `principal`: that
    would be a second unit of work on every request in a workspace.)"""
    return await authenticate.in_workspace(bearer_token(request), workspace_header)


async def provide_named_workspace(
    request: Request[Any, Any, Any],
    authenticate: NamedDependency[Authenticate],
    workspace: FromPath[str],
) -> WorkspaceAccess:
    """`provide_workspace` for the routes that name the workspace in their path
    (`/workspaces/{workspace}/...`)."""
    return await authenticate.in_workspace(bearer_token(request), workspace)


def client_address(request: Request[Any, Any, Any]) -> str | None:
    return request.client.host if request.client else None
