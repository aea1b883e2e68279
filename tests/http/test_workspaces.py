"""/workspaces: the organisations, their assistants' settings and their teams."""

from __future__ import annotations

from typing import Any

from tests.http.conftest import Api

ANA = "+34612345678"
BEA = "+34612345679"
CARLOS = "+34612345670"


async def me(api: Api, headers: dict[str, str]) -> dict[str, Any]:
    body: dict[str, Any] = (await api.client.get("/users/me", headers=headers)).json()
    return body


async def test_a_new_member_is_in_the_default_workspace_and_sees_only_it(api: Api) -> None:
    headers = await api.headers_for(ANA)

    listed = await api.client.get("/workspaces", headers=headers)

    assert listed.status_code == 200, listed.text
    (workspace,) = listed.json()["items"]
    assert (workspace["slug"], workspace["name"], workspace["role"]) == (
        "default",
        "Action Lab",
        "member",
    )
    by_slug = await api.client.get("/workspaces/default", headers=headers)
    by_id = await api.client.get(f"/workspaces/{workspace['id']}", headers=headers)
    assert by_slug.json() == by_id.json() == workspace
    every = await api.client.get("/workspaces", params={"every": "true"}, headers=headers)
    assert every.json()["items"] == [workspace]


async def test_a_platform_admin_creates_a_workspace_and_invites_its_admin(api: Api) -> None:
    admin = await api.admin_headers()

    created = await api.client.post(
        "/workspaces",
        json={"name": "Clínica Sol", "assistant": {"name": "Sol", "language": "es"}},
        headers=admin,
    )
    assert created.status_code == 201, created.text
    clinic = created.json()
    assert clinic["slug"] == "clinica-sol"
    assert clinic["assistant"] == {
        "name": "Sol",
        "instructions": None,
        "language": "es",
        "model": None,
        "webSearch": None,
        "timezone": None,
    }
    taken = await api.client.post(
        "/workspaces", json={"name": "Other", "slug": "clinica-sol"}, headers=admin
    )
    assert taken.status_code == 409

    invited = await api.client.post(
        "/workspaces/clinica-sol/members",
        json={"phoneNumber": BEA, "role": "admin", "name": "Bea"},
        headers=admin,
    )
    assert invited.status_code == 201, invited.text
    assert (invited.json()["role"], invited.json()["user"]["name"]) == ("admin", "Bea")

    bea = await api.headers_for(BEA)
    mine = (await api.client.get("/workspaces", headers=bea)).json()["items"]
    assert {(w["slug"], w["role"]) for w in mine} == {("clinica-sol", "admin")}
    every = (await api.client.get("/workspaces?every=true", headers=admin)).json()["items"]
    assert [w["slug"] for w in every] == ["default", "clinica-sol"]

    # What happened in the clinic is in the clinic's log.
    in_clinic = admin | {"Ignacio-Workspace": "clinica-sol"}
    audit = (await api.client.get("/admin/audit-log", headers=in_clinic)).json()["items"]
    assert {"workspace.create", "workspace.member_add"} <= {entry["action"] for entry in audit}


async def test_a_workspace_admin_sets_the_assistant_and_the_team(api: Api) -> None:
    admin = await api.admin_headers()
    await api.client.post("/workspaces", json={"name": "Clinic"}, headers=admin)
    await api.client.post(
        "/workspaces/clinic/members", json={"phoneNumber": BEA, "role": "admin"}, headers=admin
    )
    bea = await api.headers_for(BEA)

    updated = await api.client.patch(
        "/workspaces/clinic",
        json={
            "name": "Clínica Sol",
            "assistant": {"name": "Sol", "instructions": "Offer an appointment."},
            "access": "registered",
        },
        headers=bea,
    )
    assert updated.status_code == 200, updated.text
    body = updated.json()
    assert (body["slug"], body["name"], body["access"]) == ("clinic", "Clínica Sol", "registered")
    assert body["assistant"]["instructions"] == "Offer an appointment."
    reset = await api.client.patch("/workspaces/clinic", json={"access": None}, headers=bea)
    assert reset.json()["access"] is None
    assert reset.json()["assistant"]["name"] == "Sol"

    added = await api.client.post(
        "/workspaces/clinic/members", json={"phoneNumber": CARLOS, "role": "agent"}, headers=bea
    )
    carlos_id = added.json()["user"]["id"]
    again = await api.client.post(
        "/workspaces/clinic/members", json={"phoneNumber": CARLOS}, headers=bea
    )
    assert again.status_code == 409
    members = (await api.client.get("/workspaces/clinic/members", headers=bea)).json()["items"]
    assert [(m["user"]["phoneNumber"], m["role"]) for m in members] == [
        (BEA, "admin"),
        (CARLOS, "agent"),
    ]

    carlos = await api.headers_for(CARLOS)
    assert (await api.client.get("/workspaces/clinic/members", headers=carlos)).status_code == 200
    for method, path, body in [
        ("PATCH", "/workspaces/clinic", {"name": "Mine"}),
        ("POST", "/workspaces/clinic/members", {"phoneNumber": ANA}),
        ("PUT", f"/workspaces/clinic/members/{carlos_id}", {"role": "admin"}),
        ("DELETE", f"/workspaces/clinic/members/{carlos_id}", None),
        ("POST", "/workspaces", {"name": "Another"}),
    ]:
        refused = await api.client.request(method, path, json=body, headers=carlos)
        assert refused.status_code == 403, (method, path, refused.text)

    promoted = await api.client.put(
        f"/workspaces/clinic/members/{carlos_id}", json={"role": "admin"}, headers=bea
    )
    assert promoted.json()["role"] == "admin"
    removed = await api.client.delete(f"/workspaces/clinic/members/{carlos_id}", headers=bea)
    assert removed.status_code == 204
    assert (await api.client.get("/workspaces/clinic", headers=carlos)).status_code == 404


async def test_the_last_admin_of_a_workspace_stays(api: Api) -> None:
    admin = await api.admin_headers()
    await api.client.post("/workspaces", json={"name": "Clinic"}, headers=admin)
    added = await api.client.post(
        "/workspaces/clinic/members", json={"phoneNumber": BEA, "role": "admin"}, headers=admin
    )
    bea_id = added.json()["user"]["id"]

    demoted = await api.client.put(
        f"/workspaces/clinic/members/{bea_id}", json={"role": "member"}, headers=admin
    )
    removed = await api.client.delete(f"/workspaces/clinic/members/{bea_id}", headers=admin)
    # Nor through the platform's own user endpoints.
    deactivated = await api.client.put(f"/users/{bea_id}", json={"isActive": False}, headers=admin)
    deleted = await api.client.delete(f"/users/{bea_id}", headers=admin)

    assert demoted.status_code == removed.status_code == 409
    assert deactivated.status_code == deleted.status_code == 409
    assert "last admin of Clinic" in demoted.json()["message"]
    assert "last admin of Clinic" in deactivated.json()["message"]
    await api.client.post(
        "/workspaces/clinic/members", json={"phoneNumber": CARLOS, "role": "admin"}, headers=admin
    )
    replaced = await api.client.put(f"/users/{bea_id}", json={"isActive": False}, headers=admin)
    assert replaced.status_code == 200, replaced.text


async def test_a_workspace_is_invisible_to_people_outside_it(api: Api) -> None:
    admin = await api.admin_headers()
    clinic = (await api.client.post("/workspaces", json={"name": "Clinic"}, headers=admin)).json()
    ana = await api.headers_for(ANA)
    ana_id = (await me(api, ana))["id"]

    for method, path, body in [
        ("GET", "/workspaces/clinic", None),
        ("GET", f"/workspaces/{clinic['id']}", None),
        ("PATCH", "/workspaces/clinic", {"name": "Mine"}),
        ("GET", "/workspaces/clinic/members", None),
        ("POST", "/workspaces/clinic/members", {"phoneNumber": ANA, "role": "admin"}),
        ("PUT", f"/workspaces/clinic/members/{ana_id}", {"role": "admin"}),
        ("DELETE", f"/workspaces/clinic/members/{ana_id}", None),
        ("GET", "/workspaces/nowhere", None),
    ]:
        response = await api.client.request(method, path, json=body, headers=ana)
        assert response.status_code == 404, (method, path, response.text)
        assert response.json()["message"] == "There is no such workspace."


async def test_bad_workspace_input_is_refused_with_a_reason(api: Api) -> None:
    admin = await api.admin_headers()
    for body in [
        {"name": "  "},
        {"name": "Clinic", "slug": "Not A Slug"},
        {"name": "Clinic", "assistant": {"language": "Spanish please"}},
        {"name": "Clinic", "access": "everyone"},
        {"name": "Clinic", "unknown": 1},
    ]:
        response = await api.client.post("/workspaces", json=body, headers=admin)
        assert response.status_code == 400, (body, response.text)
        assert response.json()["message"]
