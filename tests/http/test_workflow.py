"""Workflow steps over HTTP: an admin sets them, the team sees and corrects a member's progress
from the inbox, filters qualified members and the admin exports the answers; bad input is a clear
4xx, another workspace's conversation is not there."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.http.desk import INBOX, Desk, open_desk

WORKFLOW = "/workspaces/default/workflow"
STEPS: list[dict[str, Any]] = [
    {"key": "email", "prompt": "Ask for the email we should write to.", "type": "email"},
    {
        "key": "stage",
        "prompt": "Ask how far their project is.",
        "type": "choice",
        "options": ["Idea", "Prototype"],
    },
    {"key": "start", "prompt": "Ask when they start.", "type": "date", "required": False},
]


@pytest.fixture(params=["memory", "sqlite", "postgres"])
async def desk(request: pytest.FixtureRequest) -> AsyncIterator[Desk]:
    async with open_desk(request) as opened:
        yield opened


async def test_the_team_follows_a_member_to_qualified_and_the_admin_exports(desk: Desk) -> None:
    client = desk.client
    assert (await client.get(WORKFLOW, headers=desk.agent)).json() == {"steps": []}
    saved = await client.put(WORKFLOW, json={"steps": STEPS}, headers=desk.admin)
    assert saved.status_code == 200, saved.text
    assert [step["key"] for step in saved.json()["steps"]] == ["email", "stage", "start"]
    assert saved.json()["steps"][0] == {**STEPS[0], "required": True, "options": []}
    assert (await client.get(WORKFLOW, headers=desk.agent)).json() == saved.json()

    await desk.member_writes("Hola")
    line = await desk.only_conversation()
    assert line["progress"] == {
        "qualified": False,
        "done": 0,
        "total": 3,
        "requiredDone": 0,
        "required": 2,
    }
    progress = f"{INBOX}/{line['id']}/progress"
    shown = (await client.get(progress, headers=desk.agent)).json()
    assert [(s["step"]["key"], s["answer"]) for s in shown["steps"]] == [
        ("email", None),
        ("stage", None),
        ("start", None),
    ]

    set_email = await client.put(
        f"{progress}/email", json={"value": " Ana@Example.ORG "}, headers=desk.agent
    )
    assert set_email.status_code == 200, set_email.text
    answer = set_email.json()["steps"][0]["answer"]
    assert (answer["value"], answer["setBy"]["name"], answer["counts"]) == (
        "Ana@example.org",
        "Agent 2",
        True,
    )
    wrong = await client.put(f"{progress}/stage", json={"value": "Unicorn"}, headers=desk.agent)
    assert wrong.status_code == 400
    assert "one of: Idea, Prototype" in wrong.json()["message"]
    assert (await desk.inbox(qualified="true")) == []
    await client.put(f"{progress}/stage", json={"value": "idea"}, headers=desk.agent)
    (qualified,) = await desk.inbox(qualified="true")
    assert qualified["progress"]["qualified"] and qualified["progress"]["done"] == 2
    assert await desk.inbox(qualified="false") == []

    exported = await client.get(f"{WORKFLOW}/export.csv", headers=desk.admin)
    assert exported.status_code == 200, exported.text
    assert exported.headers["content-type"].startswith("text/csv")
    assert "attachment" in exported.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(exported.text)))
    assert rows[0] == ["member_id", "name", "phone", "qualified", "email", "stage", "start"]
    assert rows[1][3:] == ["yes", "Ana@example.org", "Idea", ""]
    assert (await client.get(f"{WORKFLOW}/export.csv", headers=desk.agent)).status_code == 403

    # The steps change: the answers stay, the required stage is gone, a new one is open.
    changed = [STEPS[0], {"key": "budget", "prompt": "Ask their budget.", "type": "number"}]
    await client.put(WORKFLOW, json={"steps": changed}, headers=desk.admin)
    shown = (await client.get(progress, headers=desk.agent)).json()
    assert shown["summary"]["qualified"] is False
    assert [a["key"] for a in shown["otherAnswers"]] == ["stage"]
    assert await desk.inbox(qualified="true") == []

    cleared = await client.delete(f"{progress}/email", headers=desk.agent)
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["steps"][0]["answer"] is None
    again = await client.delete(f"{progress}/email", headers=desk.agent)
    assert again.status_code == 404
    audit = (await client.get("/admin/audit-log", headers=desk.admin)).json()["items"]
    actions = {entry["action"] for entry in audit}
    assert {
        "workflow.update",
        "workflow.answer.update",
        "workflow.answer.delete",
        "workflow.download",
    } <= actions


@pytest.mark.parametrize(
    ("steps", "says"),
    [
        ([{**STEPS[0], "key": "E-mail"}], "lowercase letters"),
        ([STEPS[0], STEPS[0]], "share the key"),
        ([{**STEPS[1], "options": []}], "1 to 30 options"),
        ([{**STEPS[0], "type": "colour"}], ""),
        ([{**STEPS[0], "extra": 1}], ""),
        ([{**STEPS[0], "key": f"s{n}"} for n in range(31)], "at most 30"),
        ([{**STEPS[0], "key": f"s{n}"} for n in range(10_000)], ""),
    ],
)
async def test_bad_steps_are_a_clear_400(desk: Desk, steps: list[Any], says: str) -> None:
    response = await desk.client.put(WORKFLOW, json={"steps": steps}, headers=desk.admin)
    assert response.status_code == 400, response.text
    assert says in response.json()["message"]


async def test_only_admins_change_steps_and_only_the_team_reads_progress(desk: Desk) -> None:
    client = desk.client
    refused = await client.put(WORKFLOW, json={"steps": STEPS}, headers=desk.agent)
    assert refused.status_code == 403
    await client.put(WORKFLOW, json={"steps": STEPS}, headers=desk.admin)
    await desk.member_writes("Hola")
    line = await desk.only_conversation()
    # Another workspace's admin finds neither its steps' answers nor the conversation.
    created = await client.post("/workspaces", json={"name": "Elsewhere"}, headers=desk.admin)
    assert created.status_code == 201, created.text
    elsewhere = f"/workspaces/elsewhere/inbox/{line['id']}/progress"
    assert (await client.get(elsewhere, headers=desk.admin)).status_code == 404
    put_elsewhere = await client.put(
        f"{elsewhere}/email", json={"value": "a@example.org"}, headers=desk.admin
    )
    assert put_elsewhere.status_code == 404
    # An unknown key, or a value far too long, is refused with a reason.
    progress = f"{INBOX}/{line['id']}/progress"
    unknown = await client.put(f"{progress}/salary", json={"value": "1"}, headers=desk.agent)
    assert unknown.status_code == 400 and "no step 'salary'" in unknown.json()["message"]
    huge = await client.put(f"{progress}/email", json={"value": "x" * 10_000}, headers=desk.agent)
    assert huge.status_code == 400
