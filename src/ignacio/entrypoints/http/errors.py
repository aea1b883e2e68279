"""Every error the API returns, mapped in one place to a status and a body a person can act on."""

from __future__ import annotations

from typing import Any

import structlog
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import (
    HTTP_400_BAD_REQUEST,
    HTTP_401_UNAUTHORIZED,
    HTTP_403_FORBIDDEN,
    HTTP_404_NOT_FOUND,
    HTTP_409_CONFLICT,
    HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    HTTP_415_UNSUPPORTED_MEDIA_TYPE,
    HTTP_429_TOO_MANY_REQUESTS,
    HTTP_500_INTERNAL_SERVER_ERROR,
    HTTP_503_SERVICE_UNAVAILABLE,
)

from ignacio.adapters.sql import BUSY_RETRY_AFTER_SECONDS, database_busy
from ignacio.domain import (
    AuthenticationFailed,
    Busy,
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    RateLimited,
    TooLarge,
    UnsupportedFileType,
    UpstreamUnavailable,
)
from ignacio.entrypoints.http.schemas import ErrorBody

log = structlog.get_logger(__name__)

STATUS_OF: dict[type[DomainError], int] = {
    InvalidInput: HTTP_400_BAD_REQUEST,
    TooLarge: HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    UnsupportedFileType: HTTP_415_UNSUPPORTED_MEDIA_TYPE,
    AuthenticationFailed: HTTP_401_UNAUTHORIZED,
    PermissionDenied: HTTP_403_FORBIDDEN,
    NotFound: HTTP_404_NOT_FOUND,
    Conflict: HTTP_409_CONFLICT,
    RateLimited: HTTP_429_TOO_MANY_REQUESTS,
    UpstreamUnavailable: HTTP_503_SERVICE_UNAVAILABLE,
    Busy: HTTP_503_SERVICE_UNAVAILABLE,
}


def _status_of(error: DomainError) -> int:
    for kind in type(error).__mro__:
        if kind in STATUS_OF:
            return STATUS_OF[kind]
    return HTTP_400_BAD_REQUEST


def domain_error(_: Request[Any, Any, Any], error: DomainError) -> Response[ErrorBody]:
    status = _status_of(error)
    headers: dict[str, str] = {}
    if isinstance(error, RateLimited | Busy):
        headers["Retry-After"] = str(error.retry_after)
    if isinstance(error, AuthenticationFailed):
        headers["WWW-Authenticate"] = "Bearer"
    return Response(
        ErrorBody(error=error.code, message=error.message), status_code=status, headers=headers
    )


def validation_error(_: Request[Any, Any, Any], error: ValidationException) -> Response[ErrorBody]:
    return Response(
        ErrorBody(
            error="invalid_input",
            message=_validation_message(error),
            details=error.extra,
        ),
        status_code=HTTP_400_BAD_REQUEST,
    )


def http_error(_: Request[Any, Any, Any], error: HTTPException) -> Response[ErrorBody]:
    return Response(
        ErrorBody(error=_slug(error.status_code), message=error.detail),
        status_code=error.status_code,
        headers=error.headers,
    )


def unexpected_error(request: Request[Any, Any, Any], error: Exception) -> Response[ErrorBody]:
    if database_busy(error):
        # Load, not a fault: the request did nothing and may be sent again shortly.
        log.warning("database busy", path=request.url.path, error=str(error).splitlines()[0])
        return Response(
            ErrorBody(
                error="busy",
                message="The database is busy; nothing was changed. Please try again shortly.",
            ),
            status_code=HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(BUSY_RETRY_AFTER_SECONDS)},
        )
    log.exception("unhandled error", path=request.url.path, error_type=type(error).__name__)
    return Response(
        ErrorBody(
            error="internal_error",
            message="Something went wrong on our side. It has been logged; please try again.",
        ),
        status_code=HTTP_500_INTERNAL_SERVER_ERROR,
    )


def _validation_message(error: ValidationException) -> str:
    extra = error.extra
    if isinstance(extra, list) and extra and isinstance(extra[0], dict):
        first = extra[0]
        key = first.get("key")
        reason = first.get("message", "is not valid")
        return f"{key}: {reason}" if key else str(reason)
    return "The request is not valid: " + str(error.detail)


def _slug(status: int) -> str:
    return {
        400: "bad_request",
        401: "authentication_failed",
        403: "permission_denied",
        404: "not_found",
        405: "method_not_allowed",
        413: "too_large",
        415: "unsupported_media_type",
        429: "rate_limited",
    }.get(status, "error" if status < 500 else "internal_error")


EXCEPTION_HANDLERS: dict[type[Exception] | int, Any] = {
    DomainError: domain_error,
    ValidationException: validation_error,
    HTTPException: http_error,
    Exception: unexpected_error,
}
