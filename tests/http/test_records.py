"""Records through the real app: the proposal example from a signed WhatsApp delivery to a
confirmed record its member and the team see in the web app's API, commented on and resolved,
the member told on WhatsApp; record types per workspace; bad values refused with a 400."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from uuid import uuid4

import pytest
from agents.testing import ScriptedModel, assistant_message, function_call

from ignacio.adapters.openai_agents import AgentsAssistant
from tests.http.desk import MEMBER, Desk, log_in, open_desk

PUBLIC = "https://ignacio.example.org"
EXAMPLE = "Need to add login page and user dashboard by Friday, about 8 hours"
FIELDS = {
    "summary": "Login page and user dashboard",
    "items": [
        {"type": "feature", "title": "Login page", "estimatedHours": 3, "dueDate": "by Friday"},
        {"type": "feature", "title": "User dashboard", "estimatedHours": 5, "dueDate": "Friday"},
    ],
    "totalEstimatedHours": 8,
    "confidence": 0.7,
}


@pytest.fixture(params=["memory", "sqlite"])
async def desk(request: pytest.FixtureRequest) -> AsyncIterator[Desk]:
    async with open_desk(request, IGNACIO_PUBLIC_URL=PUBLIC) as opened:
        yield opened


def scripted(desk: Desk, *steps: Any) -> ScriptedModel:
    model = ScriptedModel(list(steps))
    container = desk.system.container
    container.assistant.override(
        AgentsAssistant(
            model,
            model_name="scripted-model",
            index=container.document_index(),
            records=container.assistant_records(),
        )
    )
    return model


def call(name: str, arguments: dict[str, Any]) -> Any:
    return function_call(name, arguments, call_id=f"call-{uuid4().hex[:8]}")


async def test_the_proposal_example_from_whatsapp_to_a_resolved_record(desk: Desk) -> None:
    client = desk.client
    zone = await client.patch(
        "/workspaces/default",
        json={"assistant": {"timezone": "Europe/Madrid"}},
        headers=desk.admin,
    )
    assert zone.status_code == 200, zone.text
    assert zone.json()["assistant"]["timezone"] == "Europe/Madrid"
    model = scripted(
        desk,
        [call("create_record", {"type": "proposal", "fields": FIELDS})],
        [assistant_message("Here is your proposal.")],
        [call("confirm_record", {})],
        [assistant_message("Confirmed.")],
    )

    await desk.member_writes(EXAMPLE)
    shown = desk.graph.texts_to(MEMBER)[-1]
    assert "Proposal: Login page and user dashboard" in shown
    link = next(line for line in shown.splitlines() if PUBLIC in line)
    record_id = link.rsplit("/", 1)[1]
    await desk.member_writes("Yes, confirmed")
    assert len(model.calls) == 4

    member = await log_in(client, desk.system, desk.graph, MEMBER)
    mine = await client.get("/records", headers=member)
    assert mine.status_code == 200, mine.text
    [listed] = mine.json()["items"]
    assert listed["id"] == record_id and listed["status"] == "open"
    # Sunday 22 November 2026 in Madrid: "by Friday" is the 27th.
    assert [item["dueDate"] for item in listed["values"]["items"]] == ["2026-11-27"] * 2

    inbox = await client.get(
        "/records", params={"status": "open", "type": "proposal"}, headers=desk.agent
    )
    assert [r["id"] for r in inbox.json()["items"]] == [record_id]
    # Whom it is for, as the team sees people: a name or a masked number, never their id.
    who = inbox.json()["items"][0]["memberName"]
    assert who and who != listed["memberId"] and MEMBER not in who
    commented = await client.post(
        f"/records/{record_id}/comments", json={"text": "Approved, go ahead"}, headers=desk.agent
    )
    assert commented.status_code == 201, commented.text
    assert commented.json()["notice"] == "text"
    resolved = await client.post(
        f"/records/{record_id}/status", json={"status": "resolved"}, headers=desk.admin
    )
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["record"]["status"] == "resolved"
    await desk.system.settle()
    told = desk.graph.texts_to(MEMBER)
    assert any("Approved, go ahead" in text for text in told)
    assert any("was resolved" in text for text in told)

    detail = await client.get(f"/records/{record_id}", headers=member)
    assert detail.status_code == 200, detail.text
    body = detail.json()
    assert body["record"]["status"] == "resolved"
    assert [c["text"] for c in body["comments"]] == ["Approved, go ahead"]
    assert body["recordType"]["name"] == "proposal"
    assert body["record"]["memberName"] == who
    assert body["link"] == f"{PUBLIC}/app/records/{record_id}"
    # The member may not comment nor move it; another member does not find it.
    refused = await client.post(
        f"/records/{record_id}/status", json={"status": "open"}, headers=member
    )
    assert refused.status_code == 403
    stranger = await log_in(client, desk.system, desk.graph, "+34699111222")
    assert (await client.get(f"/records/{record_id}", headers=stranger)).status_code == 404


async def test_bad_values_and_types_are_refused_with_what_to_fix(desk: Desk) -> None:
    client = desk.client
    wrong = await client.post(
        "/records",
        json={"type": "report", "values": {"title": "Broken", "body": 3, "category": "problem"}},
        headers=desk.agent,
    )
    assert wrong.status_code == 400, wrong.text
    assert "report.body must be a text" in wrong.json()["message"]
    unknown = await client.post(
        "/records", json={"type": "invoice", "values": {}}, headers=desk.agent
    )
    assert unknown.status_code == 400
    made = await client.post(
        "/records",
        json={"type": "report", "values": {"title": "Broken", "body": "It", "category": "other"}},
        headers=desk.agent,
    )
    assert made.status_code == 201, made.text
    assert made.json()["status"] == "open"
    zone = await client.patch(
        "/workspaces/default", json={"assistant": {"timezone": "Mars/Base"}}, headers=desk.admin
    )
    assert zone.status_code == 400


async def test_admins_define_record_types_and_everyone_in_the_workspace_reads_them(
    desk: Desk,
) -> None:
    client = desk.client
    path = "/workspaces/default/record-types"
    incident = {
        "name": "incident",
        "label": "Incident",
        "textField": "what",
        "fields": [
            {"key": "what", "label": "What happened", "kind": "text", "required": True},
            {
                "key": "people",
                "label": "People",
                "kind": "items",
                "items": [{"key": "name", "label": "Name", "kind": "text"}],
            },
        ],
    }
    assert (await client.post(path, json=incident, headers=desk.agent)).status_code == 403
    added = await client.post(path, json=incident, headers=desk.admin)
    assert added.status_code == 201, added.text
    again = await client.post(path, json=incident, headers=desk.admin)
    assert again.status_code == 409
    bad = await client.post(
        path, json={**incident, "name": "x", "textField": "people"}, headers=desk.admin
    )
    assert bad.status_code == 400
    # A list inside a list's items: refused naming both, not as a list without item fields.
    nested = {"key": "pets", "label": "Pets", "kind": "items"}
    people = {"key": "people", "label": "People", "kind": "items", "items": [nested]}
    lists_in_items = await client.post(
        path,
        json={**incident, "name": "nested", "fields": [incident["fields"][0], people]},
        headers=desk.admin,
    )
    assert lists_in_items.status_code == 400
    assert lists_in_items.json()["message"] == (
        "The items of 'people' cannot hold lists of their own; give 'pets' another kind."
    )
    listed = await client.get(path, headers=desk.agent)
    assert [t["name"] for t in listed.json()] == ["report", "proposal", "incident"]
    assert listed.json()[0]["builtin"] is True
    assert (await client.delete(f"{path}/report", headers=desk.admin)).status_code == 400
    assert (await client.delete(f"{path}/incident", headers=desk.admin)).status_code == 204
