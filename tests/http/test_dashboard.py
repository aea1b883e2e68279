"""/workspaces/{w}/dashboard through the real app: a workspace's team reads its activity by
day, shaped for charts; its members may not; a period that is not one is a clear 400."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from tests.http.conftest import Api

BEA, CARLOS, DANI = "+34612345679", "+34612345670", "+34612345671"
DASHBOARD = "/workspaces/clinica-sol/dashboard"
CLINIC = {"Ignacio-Workspace": "clinica-sol"}


async def clinic(api: Api) -> dict[str, dict[str, str]]:
    """Clínica Sol with Bea its admin, Dani its agent and Carlos a member."""
    platform = await api.admin_headers()
    created = await api.client.post("/workspaces", json={"name": "Clínica Sol"}, headers=platform)
    assert created.status_code == 201, created.text
    for phone, role in ((BEA, "admin"), (DANI, "agent"), (CARLOS, "member")):
        invited = await api.client.post(
            "/workspaces/clinica-sol/members",
            json={"phoneNumber": phone, "role": role},
            headers=platform,
        )
        assert invited.status_code == 201, invited.text
    return {
        "platform": platform,
        "admin": await api.headers_for(BEA) | CLINIC,
        "agent": await api.headers_for(DANI) | CLINIC,
        "member": await api.headers_for(CARLOS) | CLINIC,
    }


async def dashboard(api: Api, headers: dict[str, str], **query: Any) -> Any:
    response = await api.client.get(DASHBOARD, params=query, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_the_team_sees_a_members_conversation_on_the_days_chart(api: Api) -> None:
    people = await clinic(api)
    chat = await api.client.post("/conversations", json={}, headers=people["member"])
    assert chat.status_code == 201, chat.text
    for text in ("¿Abrís el sábado?", "¿Y el domingo?"):
        sent = await api.client.post(
            f"/conversations/{chat.json()['id']}/messages",
            json={"content": text},
            headers=people["member"],
        )
        assert sent.status_code == 201, sent.text

    for who in ("agent", "admin", "platform"):
        body = await dashboard(api, people[who])
        # Thirty days, today the last (in UTC, the default calendar).
        assert body["timeZone"] == "UTC"
        assert len(body["days"]) == 30
        assert (
            body["until"] == (date.fromisoformat(body["days"][-1]) + timedelta(days=1)).isoformat()
        )
        web, whatsapp = body["channels"]
        assert (web["channel"], whatsapp["channel"]) == ("web", "whatsapp")
        assert web["conversationsStarted"][-1] == 1
        assert web["conversationsActive"][-1] == 1
        assert web["messagesFromMembers"][-1] == 2
        assert web["messagesFromAssistant"][-1] == 2
        assert sum(web["messagesFromMembers"]) == 2
        assert sum(whatsapp["conversationsActive"]) == 0
        for series in (*web.values(), *whatsapp.values()):
            assert isinstance(series, str) or len(series) == 30
        # The tests' assistant names its model ("echo") and records no tokens nor time.
        (echo,) = body["models"]
        assert echo["model"] == "echo"
        assert echo["answers"][-1] == 2 and sum(echo["answers"]) == 2
        assert echo["totalInputTokens"] == echo["totalOutputTokens"] == 0
        model = body["answers"]["modelTime"]
        assert model["overall"]["count"] == 0 and model["p50Seconds"] == [None] * 30
        # Web answers name no message: nobody waited on WhatsApp.
        assert body["answers"]["memberWait"]["overall"] == {
            "count": 0,
            "p50Seconds": None,
            "p95Seconds": None,
        }
        assert body["handoffs"]["perDay"] == [0] * 30
        assert body["failures"] == {"perDay": [0] * 30, "byReason": []}


async def test_the_member_asking_for_a_person_shows_as_a_handoff_still_waiting(api: Api) -> None:
    people = await clinic(api)
    chat = (await api.client.post("/conversations", json={}, headers=people["member"])).json()
    sent = await api.client.post(
        f"/conversations/{chat['id']}/messages",
        json={"content": "/human"},
        headers=people["member"],
    )
    assert sent.status_code == 201, sent.text
    today = date.fromisoformat((await dashboard(api, people["agent"]))["days"][-1])
    body = await dashboard(
        api,
        people["agent"],
        since=today.isoformat(),
        until=(today + timedelta(days=1)).isoformat(),
    )
    assert body["days"] == [today.isoformat()]
    handoffs = body["handoffs"]
    assert handoffs["perDay"] == [1]
    assert (handoffs["taken"], handoffs["stillWaiting"], handoffs["dismissed"]) == (0, 1, 0)
    assert handoffs["waitForPerson"]["overall"]["count"] == 0


async def test_a_member_may_not_read_the_dashboard(memory_api: Api) -> None:
    people = await clinic(memory_api)
    response = await memory_api.client.get(DASHBOARD, headers=people["member"])
    assert response.status_code == 403, response.text


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ({"since": "2026-03-08", "until": "2026-03-01"}, "'since' must be a day before 'until'"),
        ({"since": "2026-03-01", "until": "2026-03-01"}, "'since' must be a day before 'until'"),
        ({"since": "2024-01-01", "until": "2026-01-01"}, "at most 366 days"),
        ({"timeZone": "Mars/Olympus_Mons"}, "is not a time zone"),
        ({"timeZone": "../../etc/passwd"}, "is not a time zone"),
        ({"since": "1900-01-01", "until": "1900-02-01"}, "between 1970-01-01"),
        ({"since": "yesterday"}, "since"),
    ],
)
async def test_a_period_that_is_not_one_is_a_clear_400(
    memory_api: Api, query: dict[str, str], says: str
) -> None:
    people = await clinic(memory_api)
    response = await memory_api.client.get(DASHBOARD, params=query, headers=people["agent"])
    assert response.status_code == 400, response.text
    assert says in response.text


async def test_a_whole_year_in_a_time_zone_has_a_day_each(memory_api: Api) -> None:
    people = await clinic(memory_api)
    body = await dashboard(
        memory_api,
        people["admin"],
        since="2025-01-01",
        until="2026-01-02",
        timeZone="America/Bogota",
    )
    assert len(body["days"]) == 366
    assert body["days"][0] == "2025-01-01" and body["days"][-1] == "2026-01-01"
    assert body["timeZone"] == "America/Bogota"
    assert len(body["handoffs"]["waitForPerson"]["p95Seconds"]) == 366
