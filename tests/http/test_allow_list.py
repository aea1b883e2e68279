"""/admin/allowlist: admins list, add and remove the numbers that may talk to Ignacio."""

from __future__ import annotations

from tests.http.conftest import Api


async def test_admins_manage_the_allow_list_and_every_action_is_audited(api: Api) -> None:
    admin = await api.admin_headers()

    added = await api.client.post(
        "/admin/allowlist",
        json={"phoneNumber": "+34 612 345 678", "note": "Lucía, Action Lab"},
        headers=admin,
    )
    again = await api.client.post(
        "/admin/allowlist", json={"phoneNumber": "+34612345678"}, headers=admin
    )
    listed = await api.client.get("/admin/allowlist", headers=admin)
    entry = added.json()
    removed = await api.client.delete(f"/admin/allowlist/{entry['id']}", headers=admin)
    removed_again = await api.client.delete(f"/admin/allowlist/{entry['id']}", headers=admin)
    after = await api.client.get("/admin/allowlist", headers=admin)

    assert added.status_code == 201, added.text
    assert entry["phoneNumber"] == "+34612345678"
    assert entry["note"] == "Lucía, Action Lab"
    assert set(entry) == {"id", "phoneNumber", "note", "addedBy", "createdAt"}
    assert again.status_code == 409
    assert [e["id"] for e in listed.json()["items"]] == [entry["id"]]
    assert (removed.status_code, removed_again.status_code) == (204, 404)
    assert after.json() == {"items": [], "nextCursor": None}
    log = (await api.client.get("/admin/audit-log", params={"order": "asc"}, headers=admin)).json()[
        "items"
    ]
    actions = [e["action"] for e in log if e["action"].startswith("allowlist.")]
    assert sorted(actions) == [
        "allowlist.add",
        "allowlist.list",
        "allowlist.list",
        "allowlist.remove",
    ]
    assert all("+34612345678" not in str(e) for e in log)


async def test_members_cannot_see_or_change_the_allow_list(api: Api) -> None:
    member = await api.headers_for("+34612345678")

    responses = [
        await api.client.get("/admin/allowlist", headers=member),
        await api.client.post(
            "/admin/allowlist", json={"phoneNumber": "+34699999999"}, headers=member
        ),
        await api.client.delete(
            "/admin/allowlist/00000000-0000-0000-0000-000000000000", headers=member
        ),
    ]

    assert [r.status_code for r in responses] == [403, 403, 403]


async def test_bad_numbers_and_notes_are_400(api: Api) -> None:
    admin = await api.admin_headers()

    responses = [
        await api.client.post("/admin/allowlist", json={"phoneNumber": "12"}, headers=admin),
        await api.client.post(
            "/admin/allowlist",
            json={"phoneNumber": "+34699999999", "note": "x" * 256},
            headers=admin,
        ),
        await api.client.post(
            "/admin/allowlist",
            json={"phoneNumber": "+34699999999", "note": "line\nbreak"},
            headers=admin,
        ),
    ]

    assert [r.status_code for r in responses] == [400, 400, 400]
