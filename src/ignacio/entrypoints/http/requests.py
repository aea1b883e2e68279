"""The request every route gets: a client's malformed body is a 400, and text from outside
arrives without NUL characters (see `ignacio.domain.text`).

msgspec raises `RecursionError` for JSON nested deeper than it follows and `UnicodeDecodeError`
for bytes that are not UTF-8; Litestar turns only msgspec's own `DecodeError` into a 400, so
those two escaped as 500s with a traceback. Here they become the `SerializationException`
Litestar answers with a 400, for every route, whatever its handler.

NUL is dropped from every string of a JSON body and from the query string, before any handler
or schema sees them. Multipart forms are parsed by Litestar without the request: their text
(a caption) is cleaned by the controller that reads it, and file names are made safe by the
domain anyway.
"""

from __future__ import annotations

import re
from typing import Any

from litestar import Request
from litestar.connection.base import empty_receive, empty_send
from litestar.exceptions import SerializationException
from litestar.types import Receive, Scope, Send

from ignacio.domain import json_without_nul

NESTED_TOO_DEEPLY = "The JSON body is nested too deeply; send a flatter document."
NOT_UTF8 = "The request body is not valid UTF-8; send JSON encoded in UTF-8."

# JSON can carry NUL only as this escape (a raw NUL byte is malformed JSON): a body without it
# is not walked, which keeps the cost off ordinary requests.
_ESCAPED_NUL = b"\\u0000"
# Percent-encoding is byte by byte, so "%00" is exactly a NUL once decoded; "%2500" is not one.
_NUL_IN_QUERY = re.compile(rb"%00|\x00")


class ClientRequest(Request[Any, Any, Any]):
    def __init__(
        self, scope: Scope, receive: Receive = empty_receive, send: Send = empty_send
    ) -> None:
        query: bytes = scope.get("query_string", b"")
        if b"%00" in query or b"\x00" in query:
            scope["query_string"] = _NUL_IN_QUERY.sub(b"", query)
        super().__init__(scope, receive, send)

    async def json(self) -> Any:
        try:
            decoded = await super().json()
            if _ESCAPED_NUL in await self.body():
                decoded = self._json = self._connection_state.json = json_without_nul(decoded)
        except RecursionError as error:
            raise SerializationException(NESTED_TOO_DEEPLY) from error
        except UnicodeDecodeError as error:
            raise SerializationException(NOT_UTF8) from error
        return decoded
