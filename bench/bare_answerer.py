"""The baseline of bench/capacity.py: the least a process must do to answer a WhatsApp message
with a model, and nothing else.

A plain ASGI app on uvicorn, one process: `POST /webhooks/whatsapp` checks the signature,
decodes the body with msgspec, answers 200 and, in a task, asks the model (one chat completion)
and sends its answer to the Graph API, each on a new connection (bench/lean_http.py: httpx's
pool costs CPU growing with the square of the requests in flight, and at hundreds of completions
waiting that, not answering, was the baseline's limit). No database, no queue, no cap on turns in
flight: its wait is the model's time plus the HTTP exchanges, and its rate what the load
generator offers. What Ignacio does on top (keeping,
de-duplicating, ordering, the agent SDK) is the difference.

    .venv/bin/python bench/bare_answerer.py PORT MODEL_URL GRAPH_URL
"""

from __future__ import annotations

import asyncio
import hmac
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from asgi_serve import read_body, serve
from fake_model import KEY
from lean_http import Endpoint
from tests.support.fake_graph import DEFAULT_PHONE_NUMBER_ID, DEFAULT_TOKEN
from webhook_ingest import APP_SECRET  # puts the checkout on sys.path, for tests.support

from ignacio.adapters.whatsapp_cloud import sign

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


class BareAnswerer:
    def __init__(self, model_url: str, graph_url: str) -> None:
        self.model = Endpoint(model_url)
        self.graph = Endpoint(graph_url)
        self.model_headers = {
            "Authorization": f"Bearer {KEY}",
            "Content-Type": "application/json",
        }
        self.graph_headers = {
            "Authorization": f"Bearer {DEFAULT_TOKEN}",
            "Content-Type": "application/json",
        }
        self.tasks: set[asyncio.Task[None]] = set()

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = await read_body(receive)
        if body is None:
            return
        signature = dict(scope["headers"]).get(b"x-hub-signature-256", b"").decode()
        if not hmac.compare_digest(signature, sign(body, APP_SECRET)):
            await _respond(send, 401)
            return
        value = msgspec.json.decode(body)["entry"][0]["changes"][0]["value"]
        for message in value.get("messages", []):
            task = asyncio.create_task(self.answer(message["from"], message["text"]["body"]))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
        await _respond(send, 200)

    async def answer(self, sender: str, text: str) -> None:
        request = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": text}]}
        status, completion = await self.model.post(
            "/chat/completions", msgspec.json.encode(request), self.model_headers
        )
        if status != 200:
            raise RuntimeError(f"the model answered {status}")
        answer = msgspec.json.decode(completion)["choices"][0]["message"]["content"]
        message = {
            "messaging_product": "whatsapp",
            "to": sender,
            "type": "text",
            "text": {"body": answer},
        }
        status, _ = await self.graph.post(
            f"/v21.0/{DEFAULT_PHONE_NUMBER_ID}/messages",
            msgspec.json.encode(message),
            self.graph_headers,
        )
        if status != 200:
            raise RuntimeError(f"the Graph API answered {status}")


async def _respond(send: Send, status: int) -> None:
    await send({"type": "http.response.start", "status": status, "headers": []})
    await send({"type": "http.response.body", "body": b""})


if __name__ == "__main__":
    port, model_url, graph_url = sys.argv[1:4]
    serve(BareAnswerer(model_url, graph_url), int(port))
