"""API fuzzing: schemathesis against Ignacio's own OpenAPI schema, through the real app.

One test per operation of the schema, whatever operations the app has when the tests are
collected (new endpoints are fuzzed without touching this file). Each sends a bounded number of
generated requests (the coverage phase's boundary cases, then `MAX_EXAMPLES` random ones, with a
fixed seed: the same requests on every run), with an admin's access token, to the app on the
embedded adapter set (SQLite file, local storage; WhatsApp and the assistant faked). Every
response must not be a server error, and must conform to the schema: a documented status code,
content type and body.

Nothing is excluded. The operations that must not take the token are fuzzed too: login with
made-up numbers and codes, and the webhooks unsigned (they must refuse with the status they
document). Signed webhook bodies are fuzzed separately, below, since their signature covers the
exact bytes, which schemathesis chooses.
"""

from __future__ import annotations

import asyncio
import copy
import functools
import json
import re
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import hypothesis
import pytest
import requests
import schemathesis
from hypothesis import strategies as st
from schemathesis import checks as general_checks
from schemathesis.python import asgi
from schemathesis.specs.openapi import checks as openapi_checks

from ignacio.adapters.whatsapp_cloud import sign
from ignacio.application.use_cases.create_user import CreateUserCommand
from ignacio.entrypoints.http.app import create_app
from ignacio.entrypoints.runtime import close_container
from tests.support.databases import (
    drop_postgres_database,
    migrated_sqlite_file,
    postgres_database_or_skip,
)
from tests.support.fakes import TEST_APP_SECRET
from tests.support.system import System, build_system, settings_for_tests

SEED = 20261122
MAX_EXAMPLES = 25
ADMIN = "+34600000001"
MEMBER = "+34600000002"
CHECKS = [
    general_checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_schema_conformance,
]
CONFORMANCE = Path(__file__).resolve().parents[3] / "shared" / "conformance" / "whatsapp-cloud"


def _openapi_document() -> dict[str, Any]:
    """The schema as the app serves it, from an app on the memory set (nothing opened)."""
    document: dict[str, Any] = create_app(build_system().container).openapi_schema.to_schema()
    return document


schema = schemathesis.openapi.from_dict(
    _openapi_document(),
    config=schemathesis.Config.from_dict(
        {"seed": SEED, "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True}}
    ),
)


class Caller:
    """The app behind schemathesis' ASGI client (one event loop for every request), with an
    admin's access token that is renewed whenever a request ends its session (a logout)."""

    def __init__(self, client: requests.Session, system: System) -> None:
        self.client = client
        self.system = system
        self.headers: dict[str, str] = {}
        self.ids: dict[str, str] = {}

    def make_ids(self) -> dict[str, str]:
        """Things that exist, so that bad input reaches the database: a member, and one of
        the admin's conversations."""
        member = self.client.post(
            "/users", json={"phoneNumber": MEMBER}, headers=self.headers
        ).json()
        conversation = self.client.post("/conversations", json={}, headers=self.headers).json()
        return {"user_id": member["id"], "conversation_id": conversation["id"]}

    def log_in(self) -> None:
        sent = len(self.system.channel.codes_to(ADMIN))
        requested = self.client.post("/auth/request-otp", json={"phoneNumber": ADMIN})
        assert requested.status_code == 200, requested.text
        code = self._next_code(sent)
        verified = self.client.post("/auth/verify-otp", json={"phoneNumber": ADMIN, "code": code})
        assert verified.status_code == 200, verified.text
        self.headers = {"Authorization": f"Bearer {verified.json()['accessToken']}"}

    def _next_code(self, sent: int) -> str:
        """The code sent after the first `sent` ones: a job sends it, after the answer, on the
        app's event loop (which runs in the client's own thread)."""
        deadline = time.monotonic() + 10
        while len(codes := self.system.channel.codes_to(ADMIN)) <= sent:
            assert time.monotonic() < deadline, "no login code was sent"
            time.sleep(0.01)
        return codes[-1]

    def keep_logged_in(self) -> None:
        if self.client.get("/users/me", headers=self.headers).status_code == 401:
            self.log_in()


@pytest.fixture(scope="module")
def caller(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Caller]:
    directory = tmp_path_factory.mktemp("fuzz")
    yield from _caller(migrated_sqlite_file(directory), directory)


@pytest.fixture(scope="module")
def postgres_caller(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Caller]:
    """The app on a PostgreSQL database of its own: the database that refuses NUL in text."""
    url = postgres_database_or_skip()
    try:
        yield from _caller(url, tmp_path_factory.mktemp("fuzz-postgres"))
    finally:
        drop_postgres_database(url)


def _caller(database_url: str, directory: Path) -> Iterator[Caller]:
    settings = settings_for_tests(
        IGNACIO_DATABASE_URL=database_url,
        IGNACIO_DATA_DIR=directory,
        # Thousands of requests from one address, and a login after every logout.
        IGNACIO_API_RATE_LIMIT=0,
        IGNACIO_OTP_REQUESTS_PER_PHONE=1_000_000,
        IGNACIO_OTP_REQUESTS_PER_CLIENT=1_000_000,
        # A live stream's response is read to its end: let it end at once.
        IGNACIO_EVENT_STREAM_SECONDS=timedelta(milliseconds=100),
    )
    setup = build_system(settings, fake_clock=False)

    async def make_admin() -> None:
        try:
            await setup.container.create_user()(
                None, CreateUserCommand(phone=ADMIN, name="Fuzzing Admin", is_admin=True)
            )
        finally:
            await close_container(setup.container)

    asyncio.run(make_admin())
    system = build_system(settings, fake_clock=False)
    # Litestar's precise ASGI types are not the plain ones schemathesis declares.
    app: Any = create_app(system.container)
    try:
        with asgi.get_client(app) as client:
            caller = Caller(client, system)
            caller.log_in()
            yield caller
    finally:
        asgi.shutdown_lifespans()  # the app's shutdown: the queue stops, the database closes


@schema.parametrize()
def test_operation_conforms_to_the_schema(case: schemathesis.Case[Any], caller: Caller) -> None:
    try:
        case.call_and_validate(session=caller.client, headers=caller.headers, checks=CHECKS)
    finally:
        caller.keep_logged_in()


# Bad input sent to every operation: JSON nested too deeply, bodies that are not UTF-8, and NUL
# in every string of a body and of the query, on SQLite and on PostgreSQL (which stores no NUL).

DEEPLY_NESTED = b"[" * 100_000 + b"]" * 100_000
NOT_UTF8 = b'{"name": "\xff\xfe"}'
DOCUMENT = _openapi_document()
OPERATIONS = [
    (method.upper(), path, operation)
    for path, methods in DOCUMENT["paths"].items()
    for method, operation in methods.items()
]
JSON_OPERATIONS = [
    pytest.param(method, path, operation, id=f"{method} {path}")
    for method, path, operation in OPERATIONS
    if "application/json" in operation.get("requestBody", {}).get("content", {})
]
QUERY_OPERATIONS = [
    pytest.param(method, path, operation, id=f"{method} {path}")
    for method, path, operation in OPERATIONS
    if any(parameter["in"] == "query" for parameter in operation.get("parameters", []))
]
# Strings a request would carry, each with a NUL inside, so that the request gets as far as the
# database: a made-up value would be refused before it.
NUL_STRINGS = {"phoneNumber": "+34 612 345\x00 671", "code": "123\x00456"}


def _with_nul(schema: dict[str, Any], name: str = "") -> Any:
    """A value of the schema with NUL in every string it holds."""
    if "$ref" in schema:
        schema = DOCUMENT["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    for key in ("oneOf", "anyOf"):
        if key in schema:
            choices = [choice for choice in schema[key] if choice.get("type") != "null"]
            return _with_nul(choices[0], name)
    kind = schema.get("type")
    if kind == "object":
        properties = schema.get("properties", {})
        return {key: _with_nul(value, key) for key, value in properties.items()}
    if kind == "array":
        return [_with_nul(schema.get("items", {}), name)]
    if kind == "boolean":
        return False
    if kind == "integer":
        return 1
    return NUL_STRINGS.get(name, "Te\x00xt")


def _path(caller: Caller, path: str) -> str:
    """The path with ids that exist where the caller has them (else made up: a 404)."""
    for name, value in caller.ids.items():
        path = path.replace("{" + name + "}", value)
    return re.sub(r"\{[^}]+\}", str(uuid.uuid4()), path)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_caller(request: pytest.FixtureRequest) -> Caller:
    chosen: Caller = request.getfixturevalue(
        "caller" if request.param == "sqlite" else "postgres_caller"
    )
    if not chosen.ids:
        chosen.ids = chosen.make_ids()
    return chosen


@pytest.mark.parametrize(("method", "path", "operation"), JSON_OPERATIONS)
def test_bad_json_bodies_are_never_a_5xx(
    any_caller: Caller, method: str, path: str, operation: dict[str, Any]
) -> None:
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    with_nul = json.dumps(_with_nul(schema)).encode()
    try:
        for body in (DEEPLY_NESTED, NOT_UTF8, with_nul):
            response = any_caller.client.request(
                method,
                _path(any_caller, path),
                data=body,
                headers=any_caller.headers | {"Content-Type": "application/json"},
            )
            assert response.status_code < 500, (body[:60], response.text)
            if body is not with_nul:
                assert response.status_code in (400, 401, 403), (body[:60], response.text)
    finally:
        any_caller.keep_logged_in()


@pytest.mark.parametrize(("method", "path", "operation"), QUERY_OPERATIONS)
def test_nul_in_the_query_is_never_a_5xx(
    any_caller: Caller, method: str, path: str, operation: dict[str, Any]
) -> None:
    params = {
        parameter["name"]: "a\x00b"
        for parameter in operation["parameters"]
        if parameter["in"] == "query"
    }
    try:
        response = any_caller.client.request(
            method, _path(any_caller, path), params=params, headers=any_caller.headers
        )
        assert response.status_code < 500, response.text
    finally:
        any_caller.keep_logged_in()


# Signed webhook deliveries: real Meta payloads, mutated.


@functools.cache
def _conformance_bodies() -> list[Any]:
    bodies: list[Any] = []
    for path in sorted(CONFORMANCE.glob("*.json")):
        bodies.extend(json.loads(path.read_text()).values())
    return bodies


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3)
    ),
    max_leaves=10,
)


@st.composite
def mutated_deliveries(draw: st.DrawFn) -> Any:
    """A real webhook body with one to three of its values (at any depth) replaced by arbitrary
    JSON or removed: malformed the way a buggy or hostile sender would, but deep enough to get
    past the parser's first checks."""
    body = copy.deepcopy(draw(st.sampled_from(_conformance_bodies())))
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        parent: Any = None
        key: Any = None
        node = body
        while isinstance(node, dict | list) and node and draw(st.booleans()):
            keys = list(node) if isinstance(node, dict) else list(range(len(node)))
            parent, key = node, draw(st.sampled_from(keys))
            node = node[key]
        if parent is None:
            continue
        if draw(st.booleans()):
            parent[key] = draw(json_values)
        elif isinstance(parent, dict):
            del parent[key]
        else:
            parent.pop(key)
    return body


@hypothesis.settings(max_examples=80, derandomize=True, deadline=None)
@hypothesis.given(body=mutated_deliveries())
def test_mutated_signed_deliveries_are_stored_or_refused_never_a_5xx(
    body: Any, caller: Caller
) -> None:
    raw = json.dumps(body).encode()
    response = caller.client.post(
        "/webhooks/whatsapp",
        data=raw,
        headers={
            "Content-Type": "application/json",
            "X-Hub-Signature-256": sign(raw, TEST_APP_SECRET),
        },
    )
    assert response.status_code in (200, 400), response.text
    if response.status_code == 200:
        assert set(response.json()) == {"messages", "updates"}
