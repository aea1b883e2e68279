"""The baseline of bench/capacity.py: the least a process must do to answer a WhatsApp message
with a model, and nothing else.

A plain ASGI app on uvicorn, one process: `POST /webhooks/whatsapp` checks the signature,
decodes the body with msgspec, answers 200 and, in a task, asks the model (one chat completion
over httpx, the client the openai package uses) and sends its answer to the Graph API. No
database, no queue, no cap on turns in flight: its wait is the model's time plus the HTTP
exchanges, and its rate what the load generator offers. What Ignacio does on top (keeping,
de-duplicating, ordering, the agent SDK) is the difference.

    .venv/bin/python bench/bare_answerer.py PORT MODEL_URL GRAPH_URL
"""

from __future__ import annotations

import asyncio
import hmac
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import msgspec
import uvicorn
from fake_model import KEY
from tests.support.fake_graph import DEFAULT_PHONE_NUMBER_ID, DEFAULT_TOKEN
from webhook_ingest import APP_SECRET  # puts the checkout on sys.path, for tests.support

from ignacio.adapters.whatsapp_cloud import sign

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


class BareAnswerer:
    def __init__(self, model_url: str, graph_url: str) -> None:
        limits = httpx.Limits(max_connections=None, max_keepalive_connections=1000)
        self.model = httpx.AsyncClient(
            base_url=model_url,
            limits=limits,
            timeout=120,
            headers={"Authorization": f"Bearer {KEY}"},
        )
        self.graph = httpx.AsyncClient(
            base_url=graph_url,
            limits=limits,
            timeout=60,
            headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"},
        )
        self.tasks: set[asyncio.Task[None]] = set()

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            event = await receive()
            body += event.get("body", b"")
            if not event.get("more_body"):
                break
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
        completion = await self.model.post(
            "/chat/completions",
            json={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": text}]},
        )
        completion.raise_for_status()
        answer = completion.json()["choices"][0]["message"]["content"]
        sent = await self.graph.post(
            f"/v21.0/{DEFAULT_PHONE_NUMBER_ID}/messages",
            json={
                "messaging_product": "whatsapp",
                "to": sender,
                "type": "text",
                "text": {"body": answer},
            },
        )
        sent.raise_for_status()


async def _respond(send: Send, status: int) -> None:
    await send({"type": "http.response.start", "status": status, "headers": []})
    await send({"type": "http.response.body", "body": b""})


if __name__ == "__main__":
    port, model_url, graph_url = sys.argv[1:4]
    config = uvicorn.Config(
        BareAnswerer(model_url, graph_url),
        port=int(port),
        log_level="warning",
        access_log=False,
        lifespan="off",
        backlog=4096,
    )
    uvicorn.Server(config).run()
