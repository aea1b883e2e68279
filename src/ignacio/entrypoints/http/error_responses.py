"""The errors the OpenAPI schema documents: the API's own error body (`ErrorBody`, not Litestar's
default) under every status a client can meet, and which operations need the access token.

What every operation shares is declared here, from what the handler needs (`document_errors`):
400 when it takes input, 401 and the bearer token when it needs the caller (a `principal`
dependency, however deep), 404 when its path has parameters (one that does not parse, a
malformed id, matches no route) or it acts in a workspace (one the caller may not see), 413 when it takes a body (past the server's size limit), 429
when the per-address limit counts it. What only some operations answer (403, 404, 409, 503,
...) each handler declares itself, with `error_responses(...)`; fuzzing the schema
(tests/fuzz) fails on any status that is answered but not documented.
"""

from __future__ import annotations

from litestar import Litestar
from litestar.constants import RESERVED_KWARGS
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.routes import HTTPRoute
from litestar.status_codes import (
    HTTP_400_BAD_REQUEST,
    HTTP_401_UNAUTHORIZED,
    HTTP_404_NOT_FOUND,
    HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    HTTP_429_TOO_MANY_REQUESTS,
)

from ignacio.entrypoints.http.rate_limit import is_rate_limited
from ignacio.entrypoints.http.schemas import ErrorBody

BEARER_SCHEME = "BearerToken"
PRINCIPAL = "principal"
WORKSPACE = "workspace_access"
NAMED_WORKSPACE = "team_access"
"""The workspace the path names (`/workspaces/{workspace}/...`), with the caller's rights there."""
"""The dependency that resolves the workspace a request acts in (`provide_workspace`)."""

DESCRIPTIONS: dict[int, str] = {
    400: "The request is not valid: `message` says what to change.",
    401: "No valid access token (log in, or refresh it), or the credentials sent are wrong.",
    403: "The caller may not do this (most often: only an admin may).",
    404: "There is no such thing, or it belongs to someone else.",
    409: "It conflicts with what is stored: `message` says how.",
    413: "The request body is too large.",
    415: "This kind of file is not accepted.",
    429: "Too many requests: try again after the `Retry-After` header's seconds.",
    503: "Unavailable for now (a service Ignacio depends on, or this server's room for live "
    "streams): try again later, after the `Retry-After` header's seconds when it has one.",
}

# Parameters Litestar fills from the connection as they are, with nothing to validate.
_UNCHECKED = RESERVED_KWARGS - {"data"}


def error_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """For a handler's `responses`: the API's error body under each of these statuses."""
    return {
        status: ResponseSpec(
            data_container=ErrorBody, description=DESCRIPTIONS[status], generate_examples=False
        )
        for status in statuses
    }


def document_errors(app: Litestar) -> None:
    """Declare on each operation of `app` the errors all operations share (see the module), and
    the bearer token on those that need it, before the schema is first made.

    The handlers changed are the app's own copies. The schema has no global security
    requirement: Litestar drops an operation's empty `security`, so public operations could not
    opt out of one.
    """
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            if not handler.resolve_include_in_schema():
                continue
            inputs, dependencies = _needs(handler)
            shared: dict[int, ResponseSpec] = {}
            if inputs or route.path_parameters:
                shared |= error_responses(HTTP_400_BAD_REQUEST)
            # The workspace's dependency authenticates the caller itself (provide_workspace).
            if dependencies & {PRINCIPAL, WORKSPACE, NAMED_WORKSPACE}:
                shared |= error_responses(HTTP_401_UNAUTHORIZED)
                # Read when the schema is made, like `responses`: the change shows there.
                handler.security = [{BEARER_SCHEME: []}]
            # A workspace named in the header that the caller may not see is a 404.
            if route.path_parameters or WORKSPACE in dependencies:
                shared |= error_responses(HTTP_404_NOT_FOUND)
            if "data" in inputs:
                shared |= error_responses(HTTP_413_REQUEST_ENTITY_TOO_LARGE)
            if is_rate_limited(handler):
                shared |= error_responses(HTTP_429_TOO_MANY_REQUESTS)
            handler.responses = shared | dict(handler.responses or {})


def _needs(handler: HTTPRouteHandler) -> tuple[set[str], set[str]]:
    """The parameters the handler takes from the request, and the dependencies it uses, its
    dependencies' own included."""
    provided = handler.resolve_dependencies()
    inputs: set[str] = set()
    dependencies: set[str] = set()
    pending = list(handler.parsed_fn_signature.parameters)
    while pending:
        name = pending.pop()
        if name in _UNCHECKED or name in dependencies:
            continue
        if name in provided:
            dependencies.add(name)
            pending.extend(provided[name].parsed_fn_signature.parameters)
        else:
            inputs.add(name)
    return inputs, dependencies


__all__ = ["BEARER_SCHEME", "DESCRIPTIONS", "document_errors", "error_responses"]
