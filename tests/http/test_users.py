"""/users: profiles, and user management for admins."""

from __future__ import annotations

from tests.http.conftest import Api


async def test_me_read_and_update(api: Api) -> None:
    headers = await api.headers_for("+34612345678")
    response = await api.client.put("/users/me", json={"name": "Ana"}, headers=headers)
    assert response.status_code == 200
    assert response.json()["name"] == "Ana"
    assert (await api.client.get("/users/me", headers=headers)).json()["name"] == "Ana"
    bad = await api.client.put("/users/me", json={"name": "x" * 256}, headers=headers)
    assert bad.status_code == 400


async def test_members_get_403_on_admin_endpoints(api: Api) -> None:
    headers = await api.headers_for("+34612345678")
    me = (await api.client.get("/users/me", headers=headers)).json()
    for method, path, body in [
        ("GET", "/users", None),
        ("POST", "/users", {"phoneNumber": "+34612345670"}),
        ("PUT", f"/users/{me['id']}", {"isAdmin": True}),
        ("DELETE", f"/users/{me['id']}", None),
        ("GET", "/admin/conversations", None),
        ("GET", f"/admin/users/{me['id']}/conversations", None),
        ("GET", "/admin/audit-log", None),
    ]:
        response = await api.client.request(method, path, json=body, headers=headers)
        assert response.status_code == 403, (method, path, response.text)
        assert response.json()["message"].startswith("Only an admin")


async def test_admin_manages_users_and_every_action_is_audited(api: Api) -> None:
    admin = await api.admin_headers()

    created = await api.client.post(
        "/users", json={"phoneNumber": "+34 612 345 670", "name": "Bea"}, headers=admin
    )
    assert created.status_code == 201
    user = created.json()
    assert user["phoneNumber"] == "+34612345670" and user["isAdmin"] is False

    duplicate = await api.client.post("/users", json={"phoneNumber": "+34612345670"}, headers=admin)
    assert duplicate.status_code == 409

    promoted = await api.client.put(f"/users/{user['id']}", json={"isAdmin": True}, headers=admin)
    assert promoted.json()["isAdmin"] is True

    listed = await api.client.get("/users", params={"search": "bea"}, headers=admin)
    assert [u["id"] for u in listed.json()["items"]] == [user["id"]]

    deleted = await api.client.delete(f"/users/{user['id']}", headers=admin)
    assert deleted.status_code == 204
    missing = await api.client.put(f"/users/{user['id']}", json={"name": "x"}, headers=admin)
    assert missing.status_code == 404

    # Managing users is the platform's business, in no workspace's log.
    platform = {"platform": "true"}
    log = (
        await api.client.get("/admin/audit-log", params={"order": "asc"} | platform, headers=admin)
    ).json()
    assert [entry["action"] for entry in log["items"]][-4:] == [
        "user.create",
        "user.update",
        "user.list",
        "user.delete",
    ]
    assert all(entry["actorId"] for entry in log["items"][-4:])
    changes = await api.client.get(
        "/admin/audit-log", params={"order": "asc", "kind": "changes"} | platform, headers=admin
    )
    assert [entry["action"] for entry in changes.json()["items"]][-3:] == [
        "user.create",
        "user.update",
        "user.delete",
    ]
    reads = await api.client.get(
        "/admin/audit-log", params={"kind": "reads"} | platform, headers=admin
    )
    assert {entry["action"] for entry in reads.json()["items"]} == {"user.list"}
    unknown = await api.client.get("/admin/audit-log", params={"kind": "views"}, headers=admin)
    assert unknown.status_code == 400


async def test_a_deactivated_member_cannot_log_in(api: Api) -> None:
    admin = await api.admin_headers()
    member = await api.login("+34612345678")
    response = await api.client.put(
        f"/users/{member['user']['id']}", json={"isActive": False}, headers=admin
    )
    assert response.status_code == 200

    old_token = {"Authorization": f"Bearer {member['accessToken']}"}
    assert (await api.client.get("/users/me", headers=old_token)).status_code == 401
    await api.client.post("/auth/request-otp", json={"phoneNumber": "+34612345678"})
    await api.system.settle()
    codes = api.system.channel.codes_to("+34612345678")
    attempt = await api.client.post(
        "/auth/verify-otp", json={"phoneNumber": "+34612345678", "code": codes[-1]}
    )
    assert attempt.status_code == 401
    assert len(codes) == 1  # no new code was sent


async def test_bad_ids_and_bodies(api: Api) -> None:
    admin = await api.admin_headers()
    assert (await api.client.put("/users/not-a-uuid", json={}, headers=admin)).status_code == 404
    bad = await api.client.put(
        "/users/00000000-0000-0000-0000-000000000000", json={"isAdmin": "yes"}, headers=admin
    )
    assert bad.status_code == 400
    assert "isAdmin" in bad.json()["message"]
