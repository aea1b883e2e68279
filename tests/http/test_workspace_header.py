"""Which workspace a request acts in: the `Ignacio-Workspace` header (an id or a short name), or
the caller's only workspace; someone in several names one."""

from __future__ import annotations

from typing import Any

from tests.http.conftest import Api

ANA = "+34612345678"
HEADER = "Ignacio-Workspace"
SEVERAL = (
    "You belong to several workspaces (default, clinica-sol): name one with the "
    "Ignacio-Workspace header."
)


async def _titles(api: Api, headers: dict[str, str]) -> list[str]:
    response = await api.client.get("/conversations", headers=headers)
    assert response.status_code == 200, response.text
    return [item["title"] for item in response.json()["items"]]


async def test_one_workspace_needs_no_header_and_several_need_one(api: Api) -> None:
    admin = await api.admin_headers()
    clinic: dict[str, Any] = (
        await api.client.post("/workspaces", json={"name": "Clínica Sol"}, headers=admin)
    ).json()
    ana = await api.headers_for(ANA)
    home = await api.client.post("/conversations", json={"title": "Home"}, headers=ana)
    assert home.status_code == 201, home.text
    assert await _titles(api, ana) == ["Home"]

    joined = await api.client.post(
        "/workspaces/clinica-sol/members", json={"phoneNumber": ANA}, headers=admin
    )
    assert joined.status_code == 201, joined.text
    several = await api.client.get("/conversations", headers=ana)
    assert several.status_code == 400
    assert several.json()["message"] == SEVERAL

    in_clinic = ana | {HEADER: "clinica-sol"}
    created = await api.client.post("/conversations", json={"title": "Sol"}, headers=in_clinic)
    assert created.status_code == 201, created.text
    assert await _titles(api, in_clinic) == ["Sol"]
    assert await _titles(api, ana | {HEADER: clinic["id"]}) == ["Sol"]
    assert await _titles(api, ana | {HEADER: "default"}) == ["Home"]
    # A conversation is reached only in its own workspace.
    elsewhere = await api.client.get(
        f"/conversations/{created.json()['id']}/messages", headers=ana | {HEADER: "default"}
    )
    assert elsewhere.status_code == 404
    there = await api.client.get(
        f"/conversations/{created.json()['id']}/messages", headers=in_clinic
    )
    assert there.status_code == 200


async def test_a_workspace_the_caller_is_not_in_is_not_found(api: Api) -> None:
    admin = await api.admin_headers()
    other: dict[str, Any] = (
        await api.client.post("/workspaces", json={"name": "Other"}, headers=admin)
    ).json()
    ana = await api.headers_for(ANA)

    for named in ("other", other["id"], "nowhere", "00000000-0000-0000-0000-000000000000"):
        response = await api.client.get("/conversations", headers=ana | {HEADER: named})
        assert response.status_code == 404, (named, response.text)
        assert response.json()["message"] == "There is no such workspace."


async def test_a_platform_admin_acts_in_any_workspace(api: Api) -> None:
    admin = await api.admin_headers()
    await api.client.post("/workspaces", json={"name": "Other"}, headers=admin)

    for headers in (admin, admin | {HEADER: "other"}, admin | {HEADER: "default"}):
        response = await api.client.get("/admin/conversations", headers=headers)
        assert response.status_code == 200, response.text
    created = await api.client.post(
        "/admin/allowlist", json={"phoneNumber": "+34699999999"}, headers=admin | {HEADER: "other"}
    )
    assert created.status_code == 201, created.text
    there = await api.client.get("/admin/allowlist", headers=admin | {HEADER: "other"})
    here = await api.client.get("/admin/allowlist", headers=admin)
    assert [e["id"] for e in there.json()["items"]] == [created.json()["id"]]
    assert here.json()["items"] == []


async def test_the_header_is_documented_where_it_is_read(api: Api) -> None:
    document: dict[str, Any] = (await api.client.get("/docs/openapi.json")).json()

    def reads_header(path: str, method: str) -> bool:
        parameters = document["paths"][path][method].get("parameters", [])
        return any(p["in"] == "header" and p["name"] == HEADER for p in parameters)

    assert reads_header("/conversations", "get")
    assert reads_header("/files/{file_id}", "get")
    assert reads_header("/admin/audit-log", "get")
    assert not reads_header("/workspaces/{workspace}", "get")
    assert not reads_header("/users/me", "get")
    header = next(
        p for p in document["paths"]["/conversations"]["get"]["parameters"] if p["name"] == HEADER
    )
    assert header["required"] is False
