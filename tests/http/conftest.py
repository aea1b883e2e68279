"""The real Litestar app, through its ASGI interface, on every adapter set."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager

from ignacio.application.use_cases.create_user import CreateUserCommand
from ignacio.entrypoints.http.app import create_app
from tests.support.databases import migrated_sqlite_file
from tests.support.streaming import StreamingASGITransport
from tests.support.system import System, build_system, settings_for_tests


@dataclass
class Api:
    """A test client with the system behind it, and the steps every test repeats."""

    client: httpx.AsyncClient
    system: System

    async def login(self, phone: str) -> dict[str, Any]:
        response = await self.client.post("/auth/request-otp", json={"phoneNumber": phone})
        assert response.status_code == 200, response.text
        response = await self.client.post(
            "/auth/verify-otp",
            json={"phoneNumber": phone, "code": await self.system.code_for(phone)},
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def headers_for(self, phone: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {(await self.login(phone))['accessToken']}"}

    async def admin_headers(self, phone: str = "+34600000001") -> dict[str, str]:
        await self.system.container.create_user()(
            None, CreateUserCommand(phone=phone, name="Admin", is_admin=True)
        )
        return await self.headers_for(phone)


def database_url_for(request: pytest.FixtureRequest) -> str:
    """The database a fixture parametrised by adapter set (`memory`, `sqlite`, `postgres`) runs
    on: a fresh migrated SQLite file in the test's directory, or the emptied PostgreSQL."""
    if request.param == "sqlite":
        return migrated_sqlite_file(request.getfixturevalue("tmp_path"))
    if request.param == "postgres":
        return str(request.getfixturevalue("postgres_url"))
    return "memory://"


async def bearer(client: httpx.AsyncClient, phone: str, code: str) -> dict[str, str]:
    """Log in with a code the test read off the provider's fake; the Authorization header."""
    response = await client.post("/auth/verify-otp", json={"phoneNumber": phone, "code": code})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['accessToken']}"}


@pytest.fixture(params=["memory", "sqlite", "postgres"])
async def api(request: pytest.FixtureRequest) -> AsyncIterator[Api]:
    """The app on each adapter set: in memory, the embedded SQLite default, and PostgreSQL."""
    database_url = database_url_for(request)
    # Uploaded files go under the test's own directory, never the working tree's ./var.
    data_dir = request.getfixturevalue("tmp_path")
    system = build_system(
        settings_for_tests(IGNACIO_DATABASE_URL=database_url, IGNACIO_DATA_DIR=data_dir),
        fake_clock=False,
    )
    async with serve(system) as client:
        yield Api(client=client, system=system)


@pytest.fixture
async def memory_api() -> AsyncIterator[Api]:
    """The app on the memory set only, for tests that send many requests."""
    system = build_system(fake_clock=False)
    async with serve(system) as client:
        yield Api(client=client, system=system)


@asynccontextmanager
async def serve(system: System, *, streaming: bool = False) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its start-up and shut-down hooks, in the test's own event loop (so tests can
    wait for the in-process job queue), reached through httpx's ASGI transport; `streaming`:
    through one that hands a response over as it is sent (live streams never end)."""
    app = create_app(system.container)
    # The app itself, not LifespanManager's wrapper: the wrapper's lifespan state confuses
    # Litestar's per-request caches.
    async with LifespanManager(app):  # type: ignore[arg-type]
        transport: httpx.AsyncBaseTransport = (
            StreamingASGITransport(app) if streaming else httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        )
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client
