"""/auth: request a code, verify it, refresh, log out; and every way of getting it wrong."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from ignacio.domain import OtpPolicy
from tests.http.conftest import Api

PHONE = "+34612345678"


async def test_login_refresh_and_logout(api: Api) -> None:
    requested = await api.client.post("/auth/request-otp", json={"phoneNumber": "+34 612 345 678"})
    assert requested.status_code == 200
    assert requested.json() == {
        "message": "If +34*****5678 can log in, a code is on its way over WhatsApp.",
        "expiresIn": 300,
    }

    verified = await api.client.post(
        "/auth/verify-otp", json={"phoneNumber": PHONE, "code": await api.system.code_for(PHONE)}
    )
    assert verified.status_code == 200
    body = verified.json()
    assert body["tokenType"] == "bearer"
    assert body["user"]["phoneNumber"] == PHONE
    assert body["isNewUser"] is True
    assert 0 < body["expiresIn"] <= 900
    cookie = verified.headers["set-cookie"]
    assert "ignacio_refresh=" in cookie and "HttpOnly" in cookie and "Path=/auth" in cookie

    me = await api.client.get(
        "/users/me", headers={"Authorization": f"Bearer {body['accessToken']}"}
    )
    assert me.status_code == 200
    assert me.json()["id"] == body["user"]["id"]

    refreshed = await api.client.post("/auth/refresh", json={"refreshToken": body["refreshToken"]})
    assert refreshed.status_code == 200
    new = refreshed.json()
    assert new["refreshToken"] != body["refreshToken"]

    headers = {"Authorization": f"Bearer {new['accessToken']}"}
    out = await api.client.post("/auth/logout", headers=headers)
    assert out.status_code == 200
    assert out.json() == {"sessionsEnded": 1}
    assert (await api.client.get("/users/me", headers=headers)).status_code == 401


async def test_a_replayed_refresh_token_ends_the_whole_session(api: Api) -> None:
    stolen = await api.login(PHONE)
    old_access = {"Authorization": f"Bearer {stolen['accessToken']}"}
    rotated = await api.client.post("/auth/refresh", json={"refreshToken": stolen["refreshToken"]})
    assert rotated.status_code == 200, rotated.text
    newer = rotated.json()
    newer_access = {"Authorization": f"Bearer {newer['accessToken']}"}
    assert (await api.client.get("/users/me", headers=newer_access)).status_code == 200

    replay = await api.client.post("/auth/refresh", json={"refreshToken": stolen["refreshToken"]})

    assert replay.status_code == 401
    assert replay.json()["message"] == "Your session has ended. Log in again."
    after = await api.client.post("/auth/refresh", json={"refreshToken": newer["refreshToken"]})
    assert after.status_code == 401
    assert (await api.client.get("/users/me", headers=newer_access)).status_code == 401
    assert (await api.client.get("/users/me", headers=old_access)).status_code == 401
    # Other sessions of the member are not this one's family: they go on.
    other = await api.login(PHONE)
    other_access = {"Authorization": f"Bearer {other['accessToken']}"}
    assert (await api.client.get("/users/me", headers=other_access)).status_code == 200


async def test_refresh_reads_the_cookie_when_the_body_has_no_token(api: Api) -> None:
    await api.login(PHONE)  # the client keeps the httpOnly cookie, as a browser would
    refreshed = await api.client.post("/auth/refresh")
    assert refreshed.status_code == 200, refreshed.text


async def test_wrong_code_then_too_many_attempts(api: Api) -> None:
    await api.client.post("/auth/request-otp", json={"phoneNumber": PHONE})
    right = await api.system.code_for(PHONE)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"

    statuses = []
    for _ in range(5):
        response = await api.client.post(
            "/auth/verify-otp", json={"phoneNumber": PHONE, "code": wrong}
        )
        statuses.append((response.status_code, response.json()["error"]))
    locked = await api.client.post("/auth/verify-otp", json={"phoneNumber": PHONE, "code": right})

    assert statuses[:4] == [(401, "invalid_code")] * 4
    assert statuses[4] == (401, "too_many_attempts")
    assert locked.status_code == 401
    assert locked.json()["message"] == "Too many wrong codes. Request a new code."


async def test_an_expired_code_says_so(api: Api) -> None:
    api.system.container.otp_policy.override(OtpPolicy(ttl=timedelta(seconds=0.3)))
    await api.client.post("/auth/request-otp", json={"phoneNumber": PHONE})
    code = await api.system.code_for(PHONE)
    await asyncio.sleep(0.3)
    response = await api.client.post("/auth/verify-otp", json={"phoneNumber": PHONE, "code": code})
    assert response.status_code == 401
    assert response.json() == {
        "error": "code_expired",
        "message": "That code has expired. Request a new code.",
        "details": None,
    }


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"phoneNumber": "banana"}, 400),
        ({"phoneNumber": ""}, 400),
        ({}, 400),
        ({"phoneNumber": 34612345678}, 400),
        ({"phoneNumber": PHONE, "extra": 1}, 400),
    ],
)
async def test_bad_code_requests_are_400_with_a_message(
    api: Api, body: dict[str, object], status: int
) -> None:
    response = await api.client.post("/auth/request-otp", json=body)
    assert response.status_code == status
    assert response.json()["error"] == "invalid_input"
    assert response.json()["message"]


async def test_code_requests_are_rate_limited_with_retry_after(api: Api) -> None:
    for _ in range(5):
        assert (
            await api.client.post("/auth/request-otp", json={"phoneNumber": PHONE})
        ).status_code == 200
    limited = await api.client.post("/auth/request-otp", json={"phoneNumber": PHONE})
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) > 0
    assert limited.json()["error"] == "rate_limited"


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer", "Bearer not-a-token", "Basic abc", "Bearer a.b.c"],
)
async def test_protected_endpoints_need_a_valid_token(api: Api, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    for method, path in [
        ("GET", "/users/me"),
        ("GET", "/conversations"),
        ("GET", "/users"),
        ("POST", "/auth/logout"),
    ]:
        response = await api.client.request(method, path, headers=headers)
        assert response.status_code == 401, (method, path)
        assert response.headers["www-authenticate"] == "Bearer"


async def test_a_token_signed_with_another_key_is_refused(api: Api) -> None:
    import jwt

    body = await api.login(PHONE)
    claims = jwt.decode(body["accessToken"], options={"verify_signature": False})
    forged = jwt.encode(claims, "another-secret-key-that-is-long-enough!!", algorithm="HS256")
    response = await api.client.get("/users/me", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401
