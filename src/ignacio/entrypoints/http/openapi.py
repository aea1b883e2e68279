"""The API's OpenAPI document, made from the app itself without serving it.

`scripts/generate-api-client` writes it to `web/openapi.json`, from which the web app's typed
client is generated; a test checks that the checked-in copy matches the code.

    python -m ignacio.entrypoints.http.openapi web/openapi.json
"""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path

from ignacio.entrypoints.config import Settings
from ignacio.entrypoints.container import build_container

# Placeholders so that building the app touches no disk and reads no environment; the document
# does not depend on them.
_PLACEHOLDER_SETTINGS = Settings.from_variables(
    {
        "IGNACIO_DATABASE_URL": "memory://",
        "JWT_SECRET_KEY": "openapi-placeholder-secret-that-is-long-enough",
        "IGNACIO_PHONE_KEY": base64.b64encode(bytes(32)).decode(),
        "WHATSAPP_APP_SECRET": "openapi-placeholder",
    }
)


def openapi_document() -> str:
    """The OpenAPI document as pretty-printed JSON (ending in a newline), keys sorted so that the
    same code always gives the same bytes (some parts of the schema are built from sets)."""
    from ignacio.entrypoints.http.app import create_app

    app = create_app(build_container(_PLACEHOLDER_SETTINGS))
    schema = app.openapi_schema.to_schema()
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    document = openapi_document()
    if not arguments or arguments[0] == "-":
        sys.stdout.write(document)
    else:
        Path(arguments[0]).write_text(document, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
