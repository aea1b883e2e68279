"""The OpenAPI schema documents the errors the API really answers with, in the body it really
sends, and asks for the access token exactly where one is needed. Regressions of what fuzzing
the schema found (tests/fuzz): Litestar's own 400 body documented instead of ours, 401, 403,
404, 409 and the webhooks' refusals undocumented, and the login operations documented as
needing a token (Litestar drops an operation's empty `security`, so the global one applied)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ignacio.adapters.whatsapp_cloud import sign
from tests.http.conftest import Api
from tests.support.fakes import TEST_APP_SECRET

ERROR_BODY = {"$ref": "#/components/schemas/ErrorBody"}
PUBLIC = {
    ("get", "/health"),
    ("post", "/auth/request-otp"),
    ("post", "/auth/verify-otp"),
    ("post", "/auth/refresh"),
    ("get", "/media/{token}"),
    # A link (`purpose: link`) needs the token; a login, the operation's purpose, cannot.
    ("post", "/auth/message-login"),
    ("post", "/auth/message-login/{login_id}/poll"),
    ("get", "/webhooks/whatsapp"),
    ("post", "/webhooks/whatsapp"),
    ("post", "/webhooks/twilio"),
    ("post", "/webhooks/twilio/status"),
    ("post", "/webhooks/gateway/message"),
    ("post", "/webhooks/gateway/status"),
    ("post", "/webhooks/gateway/delivery"),
}
UNLIMITED = {("get", "/health")} | {op for op in PUBLIC if op[1].startswith("/webhooks/")}


async def openapi(api: Api) -> dict[str, Any]:
    document: dict[str, Any] = (await api.client.get("/docs/openapi.json")).json()
    return document


def operations(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method, path): operation
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in {"get", "put", "post", "delete", "patch"}
    }


def assert_documented(
    document: dict[str, Any], method: str, path: str, response: httpx.Response
) -> None:
    """The response's status is documented for the operation, with its content type."""
    documented = document["paths"][path][method]["responses"]
    assert str(response.status_code) in documented, (response.status_code, sorted(documented))
    content = documented[str(response.status_code)].get("content", {})
    assert response.headers["content-type"].split(";")[0] in content, (response.headers, content)


async def test_the_token_is_required_exactly_where_the_caller_must_be_known(
    memory_api: Api,
) -> None:
    document = await openapi(memory_api)
    assert "security" not in document  # no global requirement that public operations inherit
    for key, operation in operations(document).items():
        if key in PUBLIC:
            assert "security" not in operation, key
        else:
            assert operation["security"] == [{"BearerToken": []}], key
            assert operation["responses"]["401"]["content"]["application/json"] == {
                "schema": ERROR_BODY
            }, key


async def test_errors_every_operation_shares_are_documented_with_the_apis_error_body(
    memory_api: Api,
) -> None:
    document = await openapi(memory_api)
    for (method, path), operation in operations(document).items():
        responses = operation["responses"]
        takes_input = "parameters" in operation or "requestBody" in operation
        if takes_input:
            assert "400" in responses, (method, path)
        if "{" in path:
            assert "404" in responses, (method, path)
        if "requestBody" in operation:
            assert "413" in responses, (method, path)
        assert ("429" in responses) == ((method, path) not in UNLIMITED), (method, path)
        for status, response in responses.items():
            if status.startswith(("4", "5")) and "application/json" in response.get("content", {}):
                schema = response["content"]["application/json"]["schema"]
                expected = "HealthOut" if path == "/health" else "ErrorBody"
                assert schema == {"$ref": f"#/components/schemas/{expected}"}, (method, path)


async def test_a_400_is_the_documented_error_body(memory_api: Api) -> None:
    document = await openapi(memory_api)
    headers = await memory_api.admin_headers()
    response = await memory_api.client.post("/users", json={"nope": 1}, headers=headers)
    assert response.status_code == 400
    assert set(response.json()) == {"error", "message", "details"}
    assert_documented(document, "post", "/users", response)


@pytest.mark.parametrize(
    ("method", "path", "documented_as"),
    [
        ("delete", "/users/not-an-id", "/users/{user_id}"),
        ("delete", "/admin/allowlist/not-an-id", "/admin/allowlist/{entry_id}"),
        ("get", "/conversations/null,null/messages", "/conversations/{conversation_id}/messages"),
    ],
)
async def test_a_malformed_id_is_a_documented_404(
    memory_api: Api, method: str, path: str, documented_as: str
) -> None:
    document = await openapi(memory_api)
    headers = await memory_api.admin_headers()
    response = await memory_api.client.request(method.upper(), path, headers=headers)
    assert response.status_code == 404
    assert_documented(document, method, documented_as, response)


async def test_a_missing_token_is_a_documented_401(memory_api: Api) -> None:
    document = await openapi(memory_api)
    response = await memory_api.client.get("/users/me")
    assert response.status_code == 401
    assert_documented(document, "get", "/users/me", response)


async def test_members_get_a_documented_403_on_admin_operations(memory_api: Api) -> None:
    document = await openapi(memory_api)
    headers = await memory_api.headers_for("+34612345678")
    response = await memory_api.client.get("/admin/audit-log", headers=headers)
    assert response.status_code == 403
    assert_documented(document, "get", "/admin/audit-log", response)


async def test_a_number_listed_twice_is_a_documented_409(memory_api: Api) -> None:
    document = await openapi(memory_api)
    headers = await memory_api.admin_headers()
    entry = {"phoneNumber": "+34612345678"}
    first = await memory_api.client.post("/admin/allowlist", json=entry, headers=headers)
    assert first.status_code == 201
    again = await memory_api.client.post("/admin/allowlist", json=entry, headers=headers)
    assert again.status_code == 409
    assert_documented(document, "post", "/admin/allowlist", again)


async def test_the_webhooks_refusals_are_documented(memory_api: Api) -> None:
    document = await openapi(memory_api)
    client = memory_api.client

    unsigned = await client.post("/webhooks/whatsapp", content=b"{}")
    assert unsigned.status_code == 401
    assert_documented(document, "post", "/webhooks/whatsapp", unsigned)

    not_json = b"not json"
    signed = {"X-Hub-Signature-256": sign(not_json, TEST_APP_SECRET)}
    invalid = await client.post("/webhooks/whatsapp", content=not_json, headers=signed)
    assert invalid.status_code == 400
    assert_documented(document, "post", "/webhooks/whatsapp", invalid)

    wrong_token = await client.get(
        "/webhooks/whatsapp",
        params={"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
    )
    assert wrong_token.status_code == 403
    assert_documented(document, "get", "/webhooks/whatsapp", wrong_token)

    for path in ("/webhooks/twilio", "/webhooks/twilio/status"):
        twilio = await client.post(
            path,
            content=b"From=whatsapp%3A%2B34612345678&Body=hi",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert twilio.status_code == 403
        assert_documented(document, "post", path, twilio)
