"""The web app under /app/: its files, client routes, caching, and the API beside it; and the
typed client's schema kept in step with the API."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from ignacio.entrypoints.http.openapi import openapi_document
from tests.http.conftest import serve
from tests.support.system import build_system, settings_for_tests

INDEX = "<!doctype html><title>Ignacio</title><div id=root></div>"
REPOSITORY = Path(__file__).resolve().parents[2]


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    root = tmp_path / "dist"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text(INDEX)
    (root / "assets" / "index-3f2a1b.js").write_text("console.log('hi')")
    (root / "favicon.svg").write_text("<svg/>")
    (tmp_path / "secret.txt").write_text("not for you")
    return root


async def client_on(web_dir: Path) -> AsyncIterator[httpx.AsyncClient]:
    system = build_system(settings_for_tests(IGNACIO_WEB_DIR=web_dir), fake_clock=False)
    async with serve(system) as client:
        yield client


@pytest.fixture
async def web(dist: Path) -> AsyncIterator[httpx.AsyncClient]:
    async for client in client_on(dist):
        yield client


async def test_the_root_redirects_to_the_web_app(web: httpx.AsyncClient) -> None:
    response = await web.get("/")
    assert response.status_code == 307
    assert response.headers["location"] == "/app/"


@pytest.mark.parametrize("path", ["/app", "/app/", "/app/chat", "/app/admin/users/42"])
async def test_client_routes_get_the_index_revalidated_every_time(
    web: httpx.AsyncClient, path: str
) -> None:
    response = await web.get(path)
    assert response.status_code == 200
    assert response.text == INDEX
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-cache"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


async def test_hashed_assets_are_cached_for_a_year(web: httpx.AsyncClient) -> None:
    response = await web.get("/app/assets/index-3f2a1b.js")
    assert response.status_code == 200
    assert response.text == "console.log('hi')"
    assert "javascript" in response.headers["content-type"]
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    other = await web.get("/app/favicon.svg")
    assert other.status_code == 200
    assert other.headers["cache-control"] == "public, max-age=3600"


@pytest.mark.parametrize(
    "path",
    ["/app/assets/gone-123.js", "/app/nothing.png", "/app/../secret.txt", "/app/%2e%2e/secret.txt"],
)
async def test_missing_files_and_escapes_are_404(web: httpx.AsyncClient, path: str) -> None:
    response = await web.get(path)
    assert response.status_code == 404
    assert "not for you" not in response.text


async def test_the_api_keeps_its_paths(web: httpx.AsyncClient) -> None:
    assert (await web.get("/health")).json()["status"] == "ok"
    unknown = await web.get("/nope")
    assert unknown.status_code == 404
    assert unknown.json()["error"] == "not_found"
    assert (await web.get("/conversations")).status_code == 401


async def test_without_a_build_the_app_says_how_to_make_one(tmp_path: Path) -> None:
    async for client in client_on(tmp_path / "no-dist"):
        response = await client.get("/app/chat")
        assert response.status_code == 503
        assert "make run" in response.text
        assert (await client.get("/health")).status_code == 200


def test_the_web_clients_schema_matches_the_api() -> None:
    """web/openapi.json feeds the web app's generated client: after changing the API, run
    `scripts/generate-api-client` and commit what it writes."""
    checked_in = (REPOSITORY / "web" / "openapi.json").read_text(encoding="utf-8")
    assert checked_in == openapi_document(), (
        "web/openapi.json is out of date: run scripts/generate-api-client"
    )


async def test_the_api_docs_load_swagger_ui_from_the_server_when_the_web_app_is_built(
    dist: Path,
) -> None:
    (dist / "docs").mkdir()
    for name in ("swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css"):
        (dist / "docs" / name).write_text(f"/* {name} */")
    async for client in client_on(dist):
        page = (await client.get("/docs")).text
        # A page that works without internet: every script and style comes from this server.
        sources = re.findall(r"""(?:src|href)=["']([^"']+)["']""", page)
        assert sorted(sources) == [
            "/app/docs/swagger-ui-bundle.js",
            "/app/docs/swagger-ui-standalone-preset.js",
            "/app/docs/swagger-ui.css",
            "/app/favicon.svg",
        ]
        for source in sorted(sources)[:3]:
            response = await client.get(source)
            assert response.status_code == 200
            assert response.text == f"/* {source.rsplit('/', 1)[1]} */"
        assert (await client.get("/docs/swagger")).text == page


async def test_without_a_web_build_the_api_docs_still_answer(dist: Path) -> None:
    async for client in client_on(dist):
        response = await client.get("/docs")
        assert response.status_code == 200
        assert "swagger-ui" in response.text
