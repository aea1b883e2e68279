"""The ceiling: a bare Litestar + msgspec endpoint that decodes a webhook body and answers 200.

python bench/bare_app.py PORT
"""

from __future__ import annotations

import sys
from typing import Any

import msgspec
import uvicorn
from litestar import Litestar, Request, post


class Body(msgspec.Struct):
    object: str
    entry: list[Any]


@post("/webhooks/whatsapp", status_code=200)
async def receive(request: Request[Any, Any, Any]) -> dict[str, int]:
    body = msgspec.json.decode(await request.body(), type=Body)
    return {"entries": len(body.entry)}


app = Litestar([receive], logging_config=None)

if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)
