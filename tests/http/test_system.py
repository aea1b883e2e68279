"""/health, /docs and the error shape of things that do not exist."""

from __future__ import annotations

from ignacio.domain import HealthCheck
from tests.http.conftest import Api


async def test_health_checks_the_database(api: Api) -> None:
    response = await api.client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok"}}
    assert response.headers["x-request-id"]


async def test_health_is_503_when_the_database_is_down(api: Api) -> None:
    class DownProbe:
        async def check(self) -> HealthCheck:
            return HealthCheck.failed("database", "unreachable")

    api.system.container.database_probe.override(DownProbe())
    response = await api.client.get("/health")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "unreachable"}


async def test_openapi_lists_seed_paths(api: Api) -> None:
    schema = (await api.client.get("/docs/openapi.json")).json()
    for path in [
        "/auth/request-otp",
        "/auth/verify-otp",
        "/auth/refresh",
        "/auth/logout",
        "/users/me",
        "/users",
        "/users/{user_id}",
        "/conversations",
        "/conversations/{conversation_id}/messages",
        "/admin/conversations",
        "/admin/conversations/{conversation_id}",
        "/admin/users/{user_id}/conversations",
        "/health",
    ]:
        assert path in schema["paths"], path
    assert (await api.client.get("/docs")).status_code == 200


async def test_unknown_paths_are_404_json(api: Api) -> None:
    response = await api.client.get("/nope")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


async def test_a_client_request_id_is_echoed(api: Api) -> None:
    response = await api.client.get("/health", headers={"X-Request-ID": "abc-12345"})
    assert response.headers["x-request-id"] == "abc-12345"


async def test_every_request_gets_an_id_of_its_own(api: Api) -> None:
    ids = {(await api.client.get("/health")).headers["x-request-id"] for _ in range(50)}
    assert len(ids) == 50
    assert all(len(request_id) >= 17 for request_id in ids)
