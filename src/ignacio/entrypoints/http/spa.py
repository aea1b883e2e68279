"""The web app: the built SPA (`web/dist`) served under `/app/`, beside the API.

Files are served as they are, with hashed assets cached for a year; every other path under
`/app/` is a client route and gets `index.html`. Without a build, `/app/` says how to make one
and the API runs as usual. `/` redirects to the web app.
"""

from __future__ import annotations

import mimetypes
from html import escape
from pathlib import Path
from typing import Any

from litestar import Response, get
from litestar.exceptions import NotFoundException
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath
from litestar.response import File, Redirect
from litestar.status_codes import HTTP_307_TEMPORARY_REDIRECT, HTTP_503_SERVICE_UNAVAILABLE

import ignacio

MOUNT = "/app"
ASSETS_DIR = "assets"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
SHORT = "public, max-age=3600"
# The SPA loads its own scripts and styles, talks only to this origin, and shows media as
# blob: URLs; nothing may frame it.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' blob: data:",
        "media-src 'self' blob:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
_HTML_HEADERS = {
    "Cache-Control": REVALIDATE,
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}

_NOT_BUILT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Ignacio: the web app is not built</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem">
<h1>The web app is not built yet</h1>
<p>The API is running (see <a href="/docs">/docs</a>), but there is no web app in
<code>{dist}</code>.</p>
<p>Build it with <code>make web</code> (or <code>cd web &amp;&amp; npm ci &amp;&amp; npm run build</code>),
or start Ignacio with <code>make run</code>, which builds it when needed. Then reload this page.</p>
</body></html>
"""


def default_web_dir() -> Path:
    """`web/dist` of the source tree Ignacio runs from (`IGNACIO_WEB_DIR` overrides it)."""
    return Path(ignacio.__file__).resolve().parents[2] / "web" / "dist"


def api_viewer_assets(web_dir: Path | None = None) -> dict[str, Any]:
    """Where /docs loads Swagger UI from: the copy the web build puts in `docs/` (so the page
    works without internet), or nothing (Litestar's default, a CDN) when there is no build."""
    folder = (web_dir or default_web_dir()) / "docs"
    files = {
        "js_url": "swagger-ui-bundle.js",
        "standalone_preset_js_url": "swagger-ui-standalone-preset.js",
        "css_url": "swagger-ui.css",
    }
    if not all((folder / name).is_file() for name in files.values()):
        return {}
    return {option: f"{MOUNT}/docs/{name}" for option, name in files.items()} | {
        # Litestar's default icon is on a CDN too.
        "favicon": f"<link rel='icon' type='image/svg+xml' href='{MOUNT}/favicon.svg'>"
    }


@get("/", include_in_schema=False, sync_to_thread=False)
def root_redirect() -> Redirect:
    return Redirect(f"{MOUNT}/", status_code=HTTP_307_TEMPORARY_REDIRECT)


def spa_route_handlers(web_dir: Path | None = None) -> list[HTTPRouteHandler]:
    """`/`, `/app` and everything under `/app/`, serving the build in `web_dir`."""
    root = (web_dir or default_web_dir()).resolve()

    def index_html() -> Response[bytes] | File:
        index = root / "index.html"
        if not index.is_file():
            return Response(
                _NOT_BUILT.format(dist=escape(str(root))).encode(),
                status_code=HTTP_503_SERVICE_UNAVAILABLE,
                media_type="text/html; charset=utf-8",
                headers={"Cache-Control": "no-store"},
            )
        return File(
            index,
            media_type="text/html; charset=utf-8",
            content_disposition_type="inline",
            headers=_HTML_HEADERS,
        )

    @get(MOUNT, include_in_schema=False, sync_to_thread=False)
    def web_app() -> Response[bytes] | File:
        return index_html()

    @get(f"{MOUNT}/{{file_path:path}}", include_in_schema=False, sync_to_thread=False)
    def web_app_path(file_path: FromPath[str]) -> Response[bytes] | File:
        relative = file_path.strip("/")
        if not relative:
            return index_html()
        candidate = (root / relative).resolve()
        if candidate.is_relative_to(root) and candidate.is_file():
            return _file(candidate, relative)
        if relative.startswith(f"{ASSETS_DIR}/") or "." in relative.rsplit("/", 1)[-1]:
            raise NotFoundException(f"There is no {MOUNT}/{relative}.")
        return index_html()

    return [root_redirect, web_app, web_app_path]


def _file(path: Path, relative: str) -> File:
    if relative == "index.html":
        headers = _HTML_HEADERS
    elif relative.startswith(f"{ASSETS_DIR}/"):
        headers = {"Cache-Control": IMMUTABLE, "X-Content-Type-Options": "nosniff"}
    else:
        headers = {"Cache-Control": SHORT, "X-Content-Type-Options": "nosniff"}
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if media_type.startswith("text/") or media_type in {"application/javascript"}:
        media_type += "; charset=utf-8"
    return File(path, media_type=media_type, content_disposition_type="inline", headers=headers)
