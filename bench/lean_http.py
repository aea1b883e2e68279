"""The benchmark's own HTTP client: one POST on a new connection, over plain asyncio streams.

httpx's connection pool scans its connections for every request, so with hundreds of requests
in flight (the load generator at 100 msg/s against a server falling behind, the bare answerer
with hundreds of completions waiting) the client's CPU grows with the square of what is in
flight and becomes what a capacity benchmark measures. A connection per request costs a
loopback handshake and nothing that grows (Meta, too, opens many connections at once).
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit


class Endpoint:
    """Where to POST: a base URL (`http://host:port/prefix`) split once."""

    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.prefix = parts.path.rstrip("/")

    async def post(
        self, path: str, body: bytes, headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        """The status and body of `POST prefix + path`; raises OSError or
        asyncio.IncompleteReadError when the connection fails."""
        reader, writer = await asyncio.open_connection(self.host, self.port)
        try:
            head = (
                f"POST {self.prefix}{path} HTTP/1.1\r\nhost: {self.host}:{self.port}\r\n"
                f"content-length: {len(body)}\r\nconnection: close\r\n"
                + "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
                + "\r\n"
            )
            writer.write(head.encode() + body)
            status_line = await reader.readline()
            if not status_line:
                raise asyncio.IncompleteReadError(b"", None)
            status = int(status_line.split()[1])
            length: int | None = None
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            content = await (reader.readexactly(length) if length is not None else reader.read())
            return status, content
        finally:
            writer.close()
