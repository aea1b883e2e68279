"""The Litestar application factory."""

from __future__ import annotations

from litestar import Litestar, Router
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme

import ignacio
from ignacio.entrypoints.container import Container
from ignacio.entrypoints.http.controllers import (
    AdminController,
    AuthController,
    ConversationController,
    ConversationFileController,
    DashboardController,
    FileController,
    GatewayWebhookController,
    InboxController,
    KnowledgeController,
    MemberEventsController,
    MessageLoginController,
    ProgressController,
    RecordController,
    RecordTypeController,
    SessionsController,
    TeamEventsController,
    TwilioWebhookController,
    UserController,
    WhatsAppWebhookController,
    WorkflowController,
    WorkspaceController,
    health,
    linked_file,
)
from ignacio.entrypoints.http.dependencies import (
    provide_principal,
    provide_workspace,
    use_case_dependencies,
    webhook_dependencies,
)
from ignacio.entrypoints.http.error_responses import BEARER_SCHEME, WORKSPACE, document_errors
from ignacio.entrypoints.http.errors import EXCEPTION_HANDLERS
from ignacio.entrypoints.http.middleware import RequestContextMiddleware
from ignacio.entrypoints.http.rate_limit import EVENTS_NAMESPACE, api_rate_limit
from ignacio.entrypoints.http.requests import ClientRequest
from ignacio.entrypoints.http.spa import api_viewer_assets, spa_route_handlers
from ignacio.entrypoints.runtime import close_container, start_processing


def create_app(container: Container, *, long_running: bool = False) -> Litestar:
    """An app on the given container; nothing is opened until the first request needs it.

    `long_running`: the app of `ignacio serve`, which lives as long as its process (see
    `start_processing`)."""
    settings = container.settings()

    async def startup() -> None:
        await start_processing(container, long_running=long_running)

    async def shutdown() -> None:
        await close_container(container)

    app = Litestar(
        route_handlers=[
            *spa_route_handlers(settings.server.web_dir),
            health,
            Router(
                path="/",
                route_handlers=[
                    AuthController,
                    SessionsController,
                    MessageLoginController,
                    UserController,
                    ConversationController,
                    ConversationFileController,
                    FileController,
                    AdminController,
                    WorkspaceController,
                    KnowledgeController,
                    InboxController,
                    WorkflowController,
                    ProgressController,
                    DashboardController,
                    RecordController,
                    RecordTypeController,
                    linked_file,
                ],
                guards=[api_rate_limit(container)],
            ),
            # Live streams: their opens count in a budget of their own (see rate_limit).
            Router(
                path="/",
                route_handlers=[TeamEventsController, MemberEventsController],
                guards=[api_rate_limit(container, EVENTS_NAMESPACE)],
            ),
            WhatsAppWebhookController,
            TwilioWebhookController,
            GatewayWebhookController,
        ],
        dependencies={
            **use_case_dependencies(container),
            **webhook_dependencies(container),
            "principal": Provide(provide_principal),
            WORKSPACE: Provide(provide_workspace),
        },
        exception_handlers=EXCEPTION_HANDLERS,
        middleware=[RequestContextMiddleware()],
        request_class=ClientRequest,
        on_startup=[startup],
        on_shutdown=[shutdown],
        openapi_config=OpenAPIConfig(
            title="Ignacio",
            version=getattr(ignacio, "__version__", "0.1.0"),
            description="An AI assistant reached on WhatsApp and on the web.",
            path="/docs",
            # Swagger UI first: the web build serves its files, so /docs works offline. Scalar
            # (/docs/scalar) comes from a CDN; its standalone bundle brings ~190 npm packages.
            render_plugins=[
                SwaggerRenderPlugin(
                    path=["/", "/swagger"], **api_viewer_assets(settings.server.web_dir)
                ),
                ScalarRenderPlugin(path="/scalar"),
            ],
            components=Components(
                security_schemes={
                    BEARER_SCHEME: SecurityScheme(
                        type="http",
                        scheme="bearer",
                        bearer_format="JWT",
                        description="The accessToken from /auth/verify-otp or /auth/refresh",
                    )
                }
            ),
        ),
        state=State(
            {
                "secure_cookies": settings.server.secure_cookies,
            }
        ),
        logging_config=None,  # structlog is configured by the entrypoint, once
        debug=False,
    )
    document_errors(app)
    return app
