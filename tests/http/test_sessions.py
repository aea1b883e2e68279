"""/auth/sessions and /auth/logout-all: where a member is logged in, and signing devices out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import uuid4

import pytest

from tests.http.conftest import Api

ANA, LUIS, ADMIN = "+34612345678", "+34699111222", "+34600000001"
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


@dataclass
class Device:
    """One login: its tokens, as the device that logged in holds them."""

    access: dict[str, str]
    refresh_token: str
    session_id: str = ""


async def log_in(api: Api, phone: str, user_agent: str | None = None) -> Device:
    headers = {"User-Agent": user_agent} if user_agent else {}
    requested = await api.client.post("/auth/request-otp", json={"phoneNumber": phone})
    assert requested.status_code == 200, requested.text
    code = await api.system.code_for(phone)
    verified = await api.client.post(
        "/auth/verify-otp", json={"phoneNumber": phone, "code": code}, headers=headers
    )
    assert verified.status_code == 200, verified.text
    body = verified.json()
    device = Device({"Authorization": f"Bearer {body['accessToken']}"}, body["refreshToken"])
    device.session_id = next(s["id"] for s in await sessions_of(api, device) if s["current"])
    return device


async def sessions_of(api: Api, device: Device) -> list[dict[str, Any]]:
    listed = await api.client.get("/auth/sessions", headers=device.access)
    assert listed.status_code == 200, listed.text
    items: list[dict[str, Any]] = listed.json()["items"]
    return items


async def works(api: Api, device: Device) -> bool:
    """Whether the device's access token is still honoured."""
    return (await api.client.get("/users/me", headers=device.access)).status_code == 200


async def refreshes(api: Api, device: Device) -> bool:
    """Whether the device's refresh token is still honoured (it rotates: kept up to date)."""
    response = await api.client.post("/auth/refresh", json={"refreshToken": device.refresh_token})
    if response.status_code != 200:
        assert response.status_code == 401, response.text
        return False
    device.refresh_token = response.json()["refreshToken"]
    device.access = {"Authorization": f"Bearer {response.json()['accessToken']}"}
    return True


async def test_a_member_sees_where_they_are_logged_in(api: Api) -> None:
    laptop = await log_in(api, ANA, FIREFOX)
    phone = await log_in(api, ANA, IPHONE)
    await log_in(api, LUIS, FIREFOX)  # someone else's: never listed

    seen_from_phone = await sessions_of(api, phone)

    assert [(s["id"], s["device"], s["current"]) for s in seen_from_phone] == [
        (phone.session_id, "Safari on iPhone", True),
        (laptop.session_id, "Firefox on Linux", False),
    ]
    for item in seen_from_phone:
        assert set(item) == {
            "id",
            "device",
            "network",
            "createdAt",
            "lastUsedAt",
            "expiresAt",
            "current",
        }
        # The test client connects from 127.0.0.1: only its network is shown.
        assert item["network"] == "127.0.0.0/24"
        assert item["createdAt"] <= item["lastUsedAt"] < item["expiresAt"]
    assert [s["current"] for s in await sessions_of(api, laptop)] == [False, True]


async def test_last_used_moves_when_a_session_renews_its_token(api: Api) -> None:
    laptop = await log_in(api, ANA, FIREFOX)
    phone = await log_in(api, ANA, IPHONE)
    assert [s["id"] for s in await sessions_of(api, phone)] == [phone.session_id, laptop.session_id]

    assert await refreshes(api, laptop)

    first, second = await sessions_of(api, phone)
    assert first["id"] == laptop.session_id
    assert first["lastUsedAt"] > first["createdAt"]
    assert second["id"] == phone.session_id


async def test_signing_a_device_out_ends_its_tokens_at_once(api: Api) -> None:
    laptop = await log_in(api, ANA, FIREFOX)
    phone = await log_in(api, ANA, IPHONE)

    response = await api.client.delete(f"/auth/sessions/{laptop.session_id}", headers=phone.access)

    assert response.status_code == 204, response.text
    # The request's own session goes on: its refresh cookie is left alone.
    assert "set-cookie" not in response.headers
    assert not await works(api, laptop)
    assert not await refreshes(api, laptop)
    assert await works(api, phone)
    assert await refreshes(api, phone)
    assert [s["id"] for s in await sessions_of(api, phone)] == [phone.session_id]
    again = await api.client.delete(f"/auth/sessions/{laptop.session_id}", headers=phone.access)
    assert again.status_code == 404


async def test_another_member_s_session_is_not_found_and_goes_on(api: Api) -> None:
    ana = await log_in(api, ANA, FIREFOX)
    luis = await log_in(api, LUIS, IPHONE)

    theirs = await api.client.delete(f"/auth/sessions/{ana.session_id}", headers=luis.access)
    unknown = await api.client.delete(f"/auth/sessions/{uuid4()}", headers=luis.access)

    # The same answer as for an id that never existed: nothing tells the session exists.
    assert theirs.status_code == unknown.status_code == 404
    assert theirs.json() == unknown.json()
    assert theirs.json()["message"] == "There is no such session."
    assert await works(api, ana)
    assert await refreshes(api, ana)


async def test_signing_out_the_current_session_logs_out(api: Api) -> None:
    laptop = await log_in(api, ANA, FIREFOX)
    phone = await log_in(api, ANA, IPHONE)

    response = await api.client.delete(f"/auth/sessions/{phone.session_id}", headers=phone.access)

    assert response.status_code == 204
    cookie = response.headers["set-cookie"]
    assert "ignacio_refresh=" in cookie and "Max-Age=0" in cookie
    assert not await works(api, phone)
    assert not await refreshes(api, phone)
    assert await works(api, laptop)


async def test_logout_all_ends_every_session_of_the_member(api: Api) -> None:
    devices = [await log_in(api, ANA, agent) for agent in (FIREFOX, IPHONE, None)]
    luis = await log_in(api, LUIS)

    response = await api.client.post("/auth/logout-all", headers=devices[0].access)

    assert response.status_code == 200, response.text
    assert response.json() == {"sessionsEnded": 3}
    assert "Max-Age=0" in response.headers["set-cookie"]
    for device in devices:
        assert not await works(api, device)
        assert not await refreshes(api, device)
    assert await works(api, luis)


async def test_logout_all_can_keep_the_current_session(api: Api) -> None:
    here, laptop, tablet = [await log_in(api, ANA, agent) for agent in (IPHONE, FIREFOX, None)]

    response = await api.client.post("/auth/logout-all?keepCurrent=true", headers=here.access)

    assert response.status_code == 200, response.text
    assert response.json() == {"sessionsEnded": 2}
    assert "set-cookie" not in response.headers
    assert not await works(api, laptop)
    assert not await works(api, tablet)
    assert await works(api, here)
    assert await refreshes(api, here)
    assert [s["id"] for s in await sessions_of(api, here)] == [here.session_id]


async def test_signing_out_is_audited(api: Api) -> None:
    admin = await api.admin_headers(ADMIN)
    laptop = await log_in(api, ANA, FIREFOX)
    phone = await log_in(api, ANA, IPHONE)
    me = (await api.client.get("/users/me", headers=phone.access)).json()

    await api.client.delete(f"/auth/sessions/{laptop.session_id}", headers=phone.access)
    await api.client.post("/auth/logout-all?keepCurrent=true", headers=phone.access)
    await api.client.post("/auth/logout-all", headers=phone.access)

    log = await api.client.get(
        "/admin/audit-log", params={"platform": "true", "actorId": me["id"]}, headers=admin
    )
    assert log.status_code == 200, log.text
    entries = [
        (e["action"], e["targetType"], e["targetId"], e["details"]) for e in log.json()["items"]
    ]
    assert entries == [
        ("session.revoke_all", "user", me["id"], {"sessions_ended": 1, "kept_current": False}),
        ("session.revoke_all", "user", me["id"], {"sessions_ended": 0, "kept_current": True}),
        (
            "session.revoke",
            "session",
            laptop.session_id,
            {"device": "Firefox on Linux", "current": False},
        ),
    ]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/auth/sessions"),
        ("DELETE", f"/auth/sessions/{uuid4()}"),
        ("POST", "/auth/logout-all"),
    ],
)
async def test_the_session_routes_need_a_valid_token(api: Api, method: str, path: str) -> None:
    response = await api.client.request(method, path, headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("session_id", ["not-a-uuid", "1", "%00"])
async def test_a_malformed_session_id_is_a_clear_4xx(memory_api: Api, session_id: str) -> None:
    device = await log_in(memory_api, ANA)
    response = await memory_api.client.delete(f"/auth/sessions/{session_id}", headers=device.access)
    assert 400 <= response.status_code < 500
    assert response.json()["message"]
    assert await works(memory_api, device)
