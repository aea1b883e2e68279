"""Reading a streamed response from the app in the test's own event loop, and its Server-Sent
Events.

httpx's ASGITransport runs the app to the end before it answers, which a live stream never
reaches. `StreamingASGITransport` answers once the response starts and hands its body over as
the app sends it; closing the response tells the app that the client went away, as a server
would.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx

_CLOSED = object()


class StreamingASGITransport(httpx.AsyncBaseTransport):
    def __init__(self, app: Any, client: tuple[str, int] = ("127.0.0.1", 123)) -> None:
        self._app = app
        self._client = client

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = b"".join([chunk async for chunk in request.stream])  # type: ignore[union-attr]
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": request.method,
            "headers": [(key.lower(), value) for key, value in request.headers.raw],
            "scheme": request.url.scheme,
            "path": request.url.path,
            "raw_path": request.url.raw_path.split(b"?")[0],
            "query_string": request.url.query,
            "server": (request.url.host, request.url.port or 80),
            "client": self._client,
            "root_path": "",
        }
        chunks: asyncio.Queue[object] = asyncio.Queue()
        started = asyncio.Event()
        gone = asyncio.Event()
        response: dict[str, Any] = {}
        sent_request = False

        async def receive() -> dict[str, Any]:
            nonlocal sent_request
            if not sent_request:
                sent_request = True
                return {"type": "http.request", "body": body, "more_body": False}
            await gone.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                response["status"] = message["status"]
                response["headers"] = message.get("headers", [])
                started.set()
            elif message["type"] == "http.response.body":
                if message.get("body"):
                    chunks.put_nowait(message["body"])
                if not message.get("more_body", False):
                    chunks.put_nowait(_CLOSED)
                    # As uvicorn: once the response is complete, the app hears a disconnect.
                    gone.set()

        task = asyncio.create_task(self._app(scope, receive, send))
        waiting = asyncio.create_task(started.wait())
        await asyncio.wait({task, waiting}, return_when=asyncio.FIRST_COMPLETED)
        if not started.is_set():
            waiting.cancel()
            task.result()  # the app's error
            raise RuntimeError("the app ended without a response")
        return httpx.Response(
            response["status"],
            headers=response["headers"],
            stream=_Body(chunks, task, gone),
            request=request,
        )


class _Body(httpx.AsyncByteStream):
    def __init__(self, chunks: asyncio.Queue[object], task: asyncio.Task[Any], gone: asyncio.Event):
        self._chunks = chunks
        self._task = task
        self._gone = gone

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while True:
            getting = asyncio.ensure_future(self._chunks.get())
            await asyncio.wait({getting, self._task}, return_when=asyncio.FIRST_COMPLETED)
            if not getting.done():
                getting.cancel()
                self._task.result()
                return
            chunk = getting.result()
            if chunk is _CLOSED:
                return
            assert isinstance(chunk, bytes)
            yield chunk

    async def aclose(self) -> None:
        self._gone.set()
        try:
            await asyncio.wait_for(asyncio.shield(self._task), 5)
        except TimeoutError:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


@dataclass
class Sse:
    """One Server-Sent Event: its fields as sent (`data` decoded from JSON)."""

    event: str
    data: Any
    id: int | None = None


@dataclass
class SseReader:
    """The events of a streamed response, one at a time; comments (`: idle`) and field-less
    frames (`retry:`) are skipped, and counted."""

    response: httpx.Response
    comments: int = 0
    _lines: AsyncIterator[str] | None = field(default=None, repr=False)

    async def next(self, within: float = 10.0) -> Sse:
        """The next event; fails if none comes within `within` seconds (a safety net, far
        above what a test waits)."""
        async with asyncio.timeout(within):
            while True:
                event = await self._frame()
                if event is not None:
                    return event

    async def _frame(self) -> Sse | None:
        if self._lines is None:
            self._lines = self.response.aiter_lines()
        fields: dict[str, str] = {}
        async for line in self._lines:
            if line == "":
                if not fields:
                    continue
                break
            if line.startswith(":"):
                self.comments += 1
                continue
            name, _, value = line.partition(":")
            fields[name] = value.removeprefix(" ")
        else:
            raise AssertionError("the stream ended")
        if "event" not in fields and "data" not in fields:
            return None
        return Sse(
            event=fields.get("event", "message"),
            data=json.loads(fields["data"]) if "data" in fields else None,
            id=int(fields["id"]) if "id" in fields else None,
        )


@contextlib.asynccontextmanager
async def events(
    client: httpx.AsyncClient, path: str, headers: dict[str, str], **params: Any
) -> AsyncIterator[SseReader]:
    """The stream at `path`, open (it must answer 200) until the block ends; `params` go in the
    query."""
    async with client.stream("GET", path, headers=headers, params=params or None) as response:
        if response.status_code != 200:
            await response.aread()
            raise AssertionError((response.status_code, response.text))
        assert response.headers["content-type"].startswith("text/event-stream")
        yield SseReader(response)
