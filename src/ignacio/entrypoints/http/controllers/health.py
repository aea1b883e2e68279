"""Liveness and readiness."""

from __future__ import annotations

from litestar import Response, get
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE

from ignacio.application.use_cases.check_health import CheckHealth
from ignacio.entrypoints.http.schemas import HealthOut


@get(
    "/health",
    tags=["system"],
    security=[],
    responses={
        HTTP_503_SERVICE_UNAVAILABLE: ResponseSpec(
            HealthOut,
            description="The database does not answer; `checks` says what failed.",
            generate_examples=False,
        )
    },
)
async def health(check_health: NamedDependency[CheckHealth]) -> Response[HealthOut]:
    """200 when the database answers, 503 otherwise; each dependency's state in `checks`.

    For load balancers and the container's health check, so it checks only what keeps this
    instance from serving. Admins see every dependency at `GET /admin/health`."""
    report = await check_health()
    return Response(
        HealthOut(
            status="ok" if report.healthy else "unavailable",
            checks={check.name: check.detail for check in report.checks},
        ),
        status_code=HTTP_200_OK if report.healthy else HTTP_503_SERVICE_UNAVAILABLE,
    )
