"""The fake Graph API of bench/capacity.py, in its own process: it receives the answers and
notes when each arrived.

In the benchmark's own process (tests/support/fake_graph.py, a Litestar app in a thread) the
receiver shared one interpreter and its GIL with the load generator, so at 50 msg/s and more
the answers' timestamps measured the benchmark as much as the answerer. This is a plain ASGI app
(no framework: its CPU must not be what is measured) on uvicorn, one process of its own.

It answers what Ignacio asks of the Graph API while answering text: `POST /{version}/{phone
number id}/messages` (a text: noted; a read receipt or typing indicator: accepted) and `GET
/{version}/{phone number id}` (the business number). Each text's `Q<digits>` tokens are noted
with `time.monotonic()` at arrival, the first time each is seen: CLOCK_MONOTONIC is one clock
for every process on a Linux machine, so the benchmark compares it with its own
`time.monotonic()` of the webhook's sending. `GET /bench/count` gives how many tokens have been
answered since the last `POST /bench/reset`; `GET /bench/answers` every token with its time.

    .venv/bin/python bench/graph_receiver.py PORT PHONE_NUMBER_ID
"""

from __future__ import annotations

import itertools
import re
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from asgi_serve import read_body, serve

TOKEN = re.compile(rb"Q\d+")

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


class GraphReceiver:
    def __init__(self, phone_number_id: str) -> None:
        self.phone_number_id = phone_number_id
        self.answered: dict[str, float] = {}
        self.texts = 0
        self.ids = itertools.count(1)

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = await read_body(receive)
        if body is None:
            return
        at = time.monotonic()
        path, method = scope["path"], scope["method"]
        if method == "POST" and path.endswith("/messages"):
            await _respond(send, 200, self.message(body, at))
        elif method == "GET" and path == "/bench/count":
            await _respond(send, 200, {"answered": len(self.answered), "texts": self.texts})
        elif method == "GET" and path == "/bench/answers":
            await _respond(send, 200, self.answered)
        elif method == "POST" and path == "/bench/reset":
            self.answered, self.texts = {}, 0
            await _respond(send, 200, {})
        elif method == "GET" and path.rstrip("/").endswith("/" + self.phone_number_id):
            await _respond(send, 200, self.number())
        else:
            await _respond(send, 404, {"error": {"message": f"no {method} {path} here"}})

    def message(self, body: bytes, at: float) -> dict[str, Any]:
        payload = msgspec.json.decode(body)
        if payload.get("status") == "read":
            return {"success": True}
        if payload.get("type", "text") == "text":
            self.texts += 1
            for token in TOKEN.findall(body):
                self.answered.setdefault(token.decode(), at)
        to = payload.get("to") or payload.get("recipient") or ""
        return {
            "messaging_product": "whatsapp",
            "contacts": [{"input": to, "wa_id": to}],
            "messages": [{"id": f"wamid.BENCH{next(self.ids):012d}"}],
        }

    def number(self) -> dict[str, Any]:
        return {
            "verified_name": "Bench",
            "code_verification_status": "VERIFIED",
            "display_phone_number": "+1 555-0100",
            "quality_rating": "GREEN",
            "platform_type": "CLOUD_API",
            "throughput": {"level": "STANDARD"},
            "id": self.phone_number_id,
        }


async def _respond(send: Send, status: int, body: Any) -> None:
    content = msgspec.json.encode(body)
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(content))]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": content})


if __name__ == "__main__":
    port, phone_number_id = sys.argv[1:3]
    serve(GraphReceiver(phone_number_id), int(port))
