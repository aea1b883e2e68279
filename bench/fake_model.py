"""A fake OpenAI-compatible model for capacity benchmarks: every chat completion takes a fixed
time, however many are asked at once.

A plain ASGI app (no framework: at hundreds of requests at once its own CPU must not be what is
measured) served by uvicorn in its own process. `POST /v1/chat/completions` waits `--delay`
seconds (`asyncio.sleep`: waiting costs nothing, so hundreds wait together) and answers
"Answer to <the tokens>", the tokens being every `Q<digits>` in the user messages after the
last assistant message: the member's new words, one message or a burst, not the history. The
benchmark finds in the answer the messages it answers. `GET /v1/models[/{id}]` answer for any
model. `GET /stats` gives the completions in flight now, the most in flight at once since the
last `POST /stats/reset`, and the completions served. `POST /config` with `{"delay": seconds}`
changes the completion time (0: an instant model) and with `{"hold": true}` holds every
completion until `{"hold": false}` (a backlog builds while the model does not answer).

    .venv/bin/python bench/fake_model.py --port 8900 [--delay 2]
    .venv/bin/python bench/fake_model.py --check 200   # 200 at once: should take ~one delay
"""

from __future__ import annotations

import argparse
import asyncio
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import msgspec
from asgi_serve import read_body, serve

TOKEN = re.compile(r"Q\d+")
KEY = "sk-bench-fake-model"

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


class FakeModel:
    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.in_flight = 0
        self.peak = 0
        self.served = 0
        self.released = asyncio.Event()
        self.released.set()

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = await read_body(receive)
        if body is None:
            return
        path, method = scope["path"], scope["method"]
        if method == "POST" and path.endswith("/chat/completions"):
            await _respond(send, 200, await self.complete(msgspec.json.decode(body)))
        elif method == "GET" and path == "/stats":
            stats = {"in_flight": self.in_flight, "peak": self.peak, "served": self.served}
            await _respond(send, 200, stats)
        elif method == "POST" and path == "/config":
            change = msgspec.json.decode(body)
            if "delay" in change:
                self.delay = float(change["delay"])
            if change.get("hold") is True:
                self.released.clear()
            elif change.get("hold") is False:
                self.released.set()
            await _respond(send, 200, {"delay": self.delay, "hold": not self.released.is_set()})
        elif method == "POST" and path == "/stats/reset":
            self.peak, self.served = self.in_flight, 0
            await _respond(send, 200, {})
        elif method == "GET" and path.rstrip("/").endswith("/models"):
            await _respond(send, 200, {"object": "list", "data": [_model("gpt-4o-mini")]})
        elif method == "GET" and "/models/" in path:
            await _respond(send, 200, _model(path.rsplit("/", 1)[1]))
        else:
            await _respond(send, 404, {"error": {"message": f"no {method} {path} here"}})

    async def complete(self, request: dict[str, Any]) -> dict[str, Any]:
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            await self.released.wait()
            if self.delay > 0:
                await asyncio.sleep(self.delay)
        finally:
            self.in_flight -= 1
        self.served += 1
        return {
            "id": f"chatcmpl-{self.served}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": request.get("model", "gpt-4o-mini"),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": _answer(request)},
                    "finish_reason": "stop",
                    "logprobs": None,
                }
            ],
            "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
        }


def _answer(request: dict[str, Any]) -> str:
    new: list[str] = []
    for message in request.get("messages", []):
        if message.get("role") == "assistant":
            new = []
        elif message.get("role") == "user":
            new += TOKEN.findall(msgspec.json.encode(message.get("content")).decode())
    return "Answer to " + " ".join(dict.fromkeys(new)) if new else "Answer."


def _model(name: str) -> dict[str, Any]:
    return {"id": name, "object": "model", "created": 1_715_367_049, "owned_by": "system"}


async def _respond(send: Send, status: int, body: dict[str, Any]) -> None:
    content = msgspec.json.encode(body)
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(content))]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": content})


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def fake_model(delay: float) -> Iterator[str]:
    """The fake in its own process, until the block ends; yields its `/v1` URL."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, __file__, "--port", str(port), "--delay", str(delay)]
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/stats", timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the fake model did not start") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        process.terminate()
        process.wait(timeout=30)


# One client for the control calls: `httpx.get` builds a client, and its TLS context, each time
# (tens of milliseconds of CPU, seconds when polled on a busy machine).
_CONTROL = threading.local()


def control() -> httpx.Client:
    """This thread's client for control calls to the local fakes."""
    client: httpx.Client | None = getattr(_CONTROL, "client", None)
    if client is None:
        client = _CONTROL.client = httpx.Client(timeout=30)
    return client


def stats(base_url: str) -> dict[str, int]:
    result: dict[str, int] = control().get(base_url.removesuffix("/v1") + "/stats").json()
    return result


def configure(base_url: str, **change: float | bool) -> None:
    """Change the fake's completion time (`delay=`) or hold its completions (`hold=`)."""
    control().post(base_url.removesuffix("/v1") + "/config", json=change).raise_for_status()


def reset(base_url: str) -> None:
    control().post(base_url.removesuffix("/v1") + "/stats/reset").raise_for_status()


async def _check(base_url: str, count: int) -> tuple[float, list[float]]:
    """All `count` requests at once, each on its own connection opened beforehand: the seconds
    until the last answer, and each one's. Plain asyncio streams, not httpx: at hundreds of
    requests at once httpx's pool costs seconds of the client's CPU, which is not the fake's."""
    port = int(base_url.rsplit(":", 1)[1].split("/")[0])
    connections = [await asyncio.open_connection("127.0.0.1", port) for _ in range(count)]

    async def one(n: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> float:
        body = msgspec.json.encode(
            {"model": "m", "messages": [{"role": "user", "content": f"Q{n}"}]}
        )
        started = time.monotonic()
        writer.write(
            b"POST /v1/chat/completions HTTP/1.1\r\nhost: fake\r\n"
            b"content-type: application/json\r\ncontent-length: %d\r\n\r\n%s" % (len(body), body)
        )
        await reader.readuntil(b"\r\n\r\n")
        answer = await reader.read(65536)
        elapsed = time.monotonic() - started
        writer.close()
        assert f"Answer to Q{n}".encode() in answer, answer
        return elapsed

    started = time.monotonic()
    each = await asyncio.gather(*(one(n, *pair) for n, pair in enumerate(connections)))
    return time.monotonic() - started, sorted(each)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--port", type=int)
    parser.add_argument("--delay", type=float, default=2.0)
    parser.add_argument("--check", type=int, help="send this many requests at once, and time them")
    arguments = parser.parse_args()
    if arguments.check:
        with fake_model(arguments.delay) as url:
            elapsed, each = asyncio.run(_check(url, arguments.check))
            print(
                f"{arguments.check} completions at once, {arguments.delay:g} s each: "
                f"{elapsed:.2f} s until the last answer (each: fastest {each[0]:.2f} s, "
                f"median {each[len(each) // 2]:.2f} s, slowest {each[-1]:.2f} s); "
                f"peak in flight at the fake {stats(url)['peak']}"
            )
        return
    serve(FakeModel(arguments.delay), arguments.port)


if __name__ == "__main__":
    main()
