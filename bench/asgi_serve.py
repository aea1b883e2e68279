"""What the benchmark's fake servers (model, Graph API, bare answerer) share: reading a
request's body off ASGI, and serving on uvicorn in a process of their own, tuned for hundreds
of connections at once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import uvicorn

Receive = Callable[[], Awaitable[dict[str, Any]]]


async def read_body(receive: Receive) -> bytes | None:
    """The request's whole body; None when the client went away first."""
    body = b""
    while True:
        event = await receive()
        if event["type"] == "http.disconnect":
            return None
        chunk: bytes = event.get("body", b"")
        body += chunk
        if not event.get("more_body"):
            return body


def serve(app: Any, port: int) -> None:
    """Serve `app` until stopped: quiet logs, a deep accept backlog, long keep-alive."""
    config = uvicorn.Config(
        app,
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="off",
        backlog=4096,
        timeout_keep_alive=75,
    )
    uvicorn.Server(config).run()
