"""A request id on every log line of a request, and one access log line per request.

A live stream (`text/event-stream`) lasts minutes: it gets a line when it opens (with the time
to open it), besides the line when it ends (`duration_ms` is then how long it stayed open), so
that the log shows streams as they open rather than only once they are over.
"""

from __future__ import annotations

import itertools
import re
import secrets
import time

import structlog
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

log = structlog.get_logger("ignacio.http")

_REQUEST_ID_HEADER = b"x-request-id"
_ACCEPTABLE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_QUIET_PATHS = frozenset({"/health"})
_EVENT_STREAM = b"text/event-stream"
_STREAM_PATH_END = "/events"
# A request id need be unique, not secret: a random prefix per process and a counter. uuid4
# read the system's random source for every request (2% of a webhook's acknowledgement).
_PROCESS_PREFIX = secrets.token_hex(8)
_serials = itertools.count(1)


class RequestContextMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        incoming = dict(scope["headers"]).get(_REQUEST_ID_HEADER, b"").decode("latin-1")
        request_id = (
            incoming if _ACCEPTABLE_ID.match(incoming) else f"{_PROCESS_PREFIX}{next(_serials):x}"
        )
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = message.get("headers", [])
                message["headers"] = [*headers, (_REQUEST_ID_HEADER, request_id.encode())]
                # The path first: the headers of every other response are not looked through.
                if scope["path"].endswith(_STREAM_PATH_END) and any(
                    name.lower() == b"content-type" and value.startswith(_EVENT_STREAM)
                    for name, value in headers
                ):
                    log.info(
                        "stream opened",
                        method=scope.get("method", ""),
                        path=scope["path"],
                        status=status,
                        duration_ms=round((time.perf_counter() - started) * 1000, 2),
                    )
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=request_id):
            try:
                await next_app(scope, receive, send_with_id)
            finally:
                path = scope["path"]
                (log.debug if path in _QUIET_PATHS and status < 500 else log.info)(
                    "request",
                    method=scope.get("method", ""),
                    path=path,
                    status=status,
                    duration_ms=round((time.perf_counter() - started) * 1000, 2),
                )
