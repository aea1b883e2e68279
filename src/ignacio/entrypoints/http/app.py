"""The Litestar application factory."""

from __future__ import annotations

from litestar import Litestar, Response, get
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.status_codes import HTTP_307_TEMPORARY_REDIRECT

import ignacio
from ignacio.entrypoints.container import Container, close_container, start_processing
from ignacio.entrypoints.http.controllers import (
    AdminController,
    AuthController,
    ConversationController,
    TwilioWebhookController,
    UserController,
    WhatsAppWebhookController,
    health,
)
from ignacio.entrypoints.http.dependencies import provide_principal, use_case_dependencies
from ignacio.entrypoints.http.errors import EXCEPTION_HANDLERS
from ignacio.entrypoints.http.middleware import RequestContextMiddleware
from ignacio.entrypoints.http.rate_limit import api_rate_limit


@get("/", include_in_schema=False)
async def index() -> Response[None]:
    return Response(None, status_code=HTTP_307_TEMPORARY_REDIRECT, headers={"Location": "/docs"})


def create_app(container: Container) -> Litestar:
    """An app on the given container; nothing is opened until the first request needs it."""
    settings = container.settings()

    async def startup() -> None:
        await start_processing(container)

    async def shutdown() -> None:
        await close_container(container)

    return Litestar(
        route_handlers=[
            index,
            health,
            AuthController,
            UserController,
            ConversationController,
            AdminController,
            WhatsAppWebhookController,
            TwilioWebhookController,
        ],
        dependencies={
            **use_case_dependencies(container),
            "principal": Provide(provide_principal),
        },
        exception_handlers=EXCEPTION_HANDLERS,
        guards=[api_rate_limit(container)],
        middleware=[RequestContextMiddleware()],
        on_startup=[startup],
        on_shutdown=[shutdown],
        openapi_config=OpenAPIConfig(
            title="Ignacio",
            version=getattr(ignacio, "__version__", "0.1.0"),
            description="An AI assistant reached on WhatsApp and on the web.",
            path="/docs",
            render_plugins=[ScalarRenderPlugin(path="/"), SwaggerRenderPlugin(path="/swagger")],
            components=Components(
                security_schemes={
                    "BearerToken": SecurityScheme(
                        type="http",
                        scheme="bearer",
                        bearer_format="JWT",
                        description="The accessToken from /auth/verify-otp or /auth/refresh",
                    )
                }
            ),
            security=[{"BearerToken": []}],
        ),
        state=State(
            {
                "secure_cookies": settings.secure_cookies,
                "whatsapp_app_secret": container.webhook_secret(),
                "whatsapp_verify_token": settings.whatsapp_verify_token,
                "twilio_auth_token": settings.twilio_auth_token,
                "twilio_public_url": settings.twilio_public_url,
                "twilio_status_callback_url": settings.twilio_status_callback_url,
            }
        ),
        logging_config=None,  # structlog is configured by the entrypoint, once
        debug=False,
    )
