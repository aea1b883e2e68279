"""The cross-workspace IDOR matrix: nobody of workspace A reaches workspace B's data by its ids.

B (created through the API by a platform admin) holds one of everything a caller can name by
id: a conversation with messages, a file, a knowledge base document, an allow-list entry, a
failed delivery, a WhatsApp number, its people. Then every operation of the API's own OpenAPI document (so a new endpoint is in the matrix the
day it is added) is called by a member, an agent and an admin of A, with B's ids in every path
parameter, once naming A in the `Ignacio-Workspace` header and once naming B. A success that
reaches B's data is a hole: one acting on a path naming B's ids, one acting in B (the header
named it and the operation reads it), or one whose body shows anything of B's.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from ignacio.application.workspaces import WORKSPACE_HEADER
from ignacio.domain import Delivery, DeliveryStatus
from tests.http.conftest import Api, serve
from tests.support.databases import migrated_sqlite_file
from tests.support.fake_graph import FakeGraph
from tests.support.system import build_system, settings_for_tests

ADMIN = "+34600000001"
MEMBER_A, AGENT_A, ADMIN_A = "+34611000001", "+34611000002", "+34611000003"
ADMIN_B, MEMBER_B = "+34622000001", "+34622000002"
B_SECRET = "Clinic secret 7f3a"  # in B's conversation title and message: never shown to A
B_LISTED = "+34699123456"

# Not the workspace data API: logging in, probes, providers' webhooks, documentation, the app,
# and the signed, expiring links providers fetch files from (the link itself is the permission:
# tests/adapters/security/test_file_links.py and the Twilio end-to-end test check them).
_SKIPPED = ("/auth", "/health", "/webhooks", "/docs", "/schema", "/app", "/media")
# But a member's sessions are named by id like the data: listing and signing out are in the
# matrix (not logout-all, which would end the callers' own sessions halfway through).
_NOT_SKIPPED = ("/auth/sessions",)

# A body each operation taking one accepts, by (method, path as documented).
_BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/conversations"): {"title": "Mine"},
    ("POST", "/conversations/{conversation_id}/messages"): {"content": "hello"},
    ("POST", "/admin/allowlist"): {"phoneNumber": "+34699000001"},
    ("POST", "/workspaces"): {"name": "Taken over"},
    ("PATCH", "/workspaces/{workspace}"): {"name": "Taken over"},
    ("POST", "/workspaces/{workspace}/members"): {"phoneNumber": MEMBER_A, "role": "admin"},
    ("PUT", "/workspaces/{workspace}/members/{user_id}"): {"role": "admin"},
    ("PUT", "/users/me"): {"name": "Me"},
    ("POST", "/workspaces/{workspace}/inbox/{conversation_id}/replies"): {"content": "hello"},
    ("POST", "/workspaces/{workspace}/inbox/{conversation_id}/take"): {},
    ("POST", "/workspaces/{workspace}/inbox/{conversation_id}/documents"): {
        "documentId": "4f1c2a9e-0000-4000-8000-000000000001"
    },
    ("POST", "/workspaces/{workspace}/inbox/{conversation_id}/template"): {"parameters": []},
    ("POST", "/users"): {"phoneNumber": "+34699000002", "isAdmin": True},
    ("PUT", "/users/{user_id}"): {"isAdmin": True, "isActive": False},
    ("PUT", "/workspaces/{workspace}/workflow"): {
        "steps": [{"key": "email", "prompt": "Ask for their email.", "type": "text"}]
    },
    ("PUT", "/workspaces/{workspace}/inbox/{conversation_id}/progress/{key}"): {
        "value": "taken-over@example.org"
    },
    ("POST", "/records"): {
        "type": "report",
        "values": {"title": "Taken over", "body": "x", "category": "other"},
    },
    ("PUT", "/records/{record_id}/values"): {
        "values": {"title": "Taken over", "body": "x", "category": "other"}
    },
    ("POST", "/records/{record_id}/comments"): {"text": "Taken over"},
    ("POST", "/records/{record_id}/status"): {"status": "rejected"},
    ("POST", "/workspaces/{workspace}/record-types"): {
        "name": "taken_over",
        "label": "Taken over",
        "textField": "what",
        "fields": [{"key": "what", "label": "What", "kind": "text"}],
    },
    ("POST", "/workspaces/{workspace}/channels"): {
        "provider": "whatsapp_cloud",
        "phoneNumberId": "109999999999999",
        "accessToken": "taken-over",
    },
}
B_NUMBER_ID = "108888888888888"
B_TYPE = "clinic_visit"  # B's own record type
B_TOKEN = "clinic-token-7f3a"  # B's number's access token: never shown to anyone
B_STEP = "Ask for the clinic-7f3a email."  # B's workflow step: never shown to A
B_ANSWER = "patient-7f3a@example.org"  # B's member's answer to it: never shown to A


@dataclass
class WorkspaceB:
    id: str
    slug: str
    conversation_id: str
    message_ids: list[str]
    file_id: str
    document_id: str
    entry_id: str
    delivery_id: str
    channel_id: str
    member_id: str
    admin_id: str
    member_session_id: str
    record_id: str
    admin_headers: dict[str, str]
    member_headers: dict[str, str]

    def path_value(self, name: str) -> str:
        """B's id for a path parameter of this name."""
        values = {
            "conversation_id": self.conversation_id,
            "file_id": self.file_id,
            "document_id": self.document_id,
            "entry_id": self.entry_id,
            "user_id": self.member_id,
            "workspace": self.slug,
            "channel_id": self.channel_id,
            "session_id": self.member_session_id,
            "key": "email",
            "record_id": self.record_id,
            "type_name": B_TYPE,
        }
        assert name in values, f"the IDOR matrix does not know the path parameter {name!r}"
        return values[name]

    def markers(self) -> list[str]:
        """What a response must not contain to someone outside B."""
        return [
            self.id,
            self.conversation_id,
            *self.message_ids,
            self.file_id,
            self.document_id,
            self.entry_id,
            self.delivery_id,
            self.channel_id,
            self.member_session_id,
            self.record_id,
            B_NUMBER_ID,
            B_TOKEN,
            B_SECRET,
            B_LISTED,
            B_STEP,
            B_ANSWER,
        ]


@pytest.fixture(params=["memory", "sqlite"])
async def idor_api(request: pytest.FixtureRequest, tmp_path: Any) -> AsyncIterator[Api]:
    database_url = "memory://"
    if request.param == "sqlite":
        database_url = migrated_sqlite_file(tmp_path)
    system = build_system(
        settings_for_tests(
            IGNACIO_DATABASE_URL=database_url,
            IGNACIO_DATA_DIR=tmp_path,
            IGNACIO_API_RATE_LIMIT="0",  # the matrix sends hundreds of requests
            # A live stream answers once it ends: its body (the events it said) is checked too.
            IGNACIO_EVENT_STREAM_SECONDS=timedelta(milliseconds=100),
        ),
        fake_clock=False,
    )
    # B's own WhatsApp number is connected only once Meta (a local fake) accepts its token.
    graph = FakeGraph(access_token=B_TOKEN, phone_number_id=B_NUMBER_ID)
    system.container.http_client.override(graph.client())
    async with serve(system) as client:
        yield Api(client=client, system=system)


async def _ok(api: Api, method: str, path: str, headers: dict[str, str], **kwargs: Any) -> Any:
    response = await api.client.request(method, path, headers=headers, **kwargs)
    assert 200 <= response.status_code < 300, (method, path, response.text)
    return response.json() if response.content else None


async def _user_id(api: Api, headers: dict[str, str]) -> str:
    me: dict[str, Any] = await _ok(api, "GET", "/users/me", headers)
    return str(me["id"])


async def _workspace_b(api: Api, platform: dict[str, str]) -> WorkspaceB:
    clinic = await _ok(api, "POST", "/workspaces", platform, json={"name": "Clínica Sol"})
    slug = clinic["slug"]
    for phone, role in ((ADMIN_B, "admin"), (MEMBER_B, "member")):
        await _ok(
            api,
            "POST",
            f"/workspaces/{slug}/members",
            platform,
            json={"phoneNumber": phone, "role": role},
        )
    admin_b = await api.headers_for(ADMIN_B)
    member_b = await api.headers_for(MEMBER_B)
    # B's people are in B only: they need no header.
    chat = await _ok(api, "POST", "/conversations", member_b, json={"title": B_SECRET})
    turn = await _ok(
        api, "POST", f"/conversations/{chat['id']}/messages", member_b, json={"content": B_SECRET}
    )
    file = await _ok(
        api,
        "POST",
        "/files/upload",
        member_b,
        files={"file": ("secret.txt", f"{B_SECRET} notes".encode(), "text/plain")},
    )
    document = await _ok(
        api,
        "POST",
        f"/workspaces/{slug}/knowledge",
        admin_b,
        files={"file": ("clinic-handbook.txt", f"{B_SECRET} handbook".encode(), "text/plain")},
    )
    entry = await _ok(
        api, "POST", "/admin/allowlist", admin_b, json={"phoneNumber": B_LISTED, "note": B_SECRET}
    )
    # A part of the answer that WhatsApp refused: stored as the worker would.
    now = datetime.now(UTC)
    failed = Delivery(
        id=uuid4(),
        workspace_id=UUID(clinic["id"]),
        message_id=UUID(turn["reply"]["id"]),
        part=0,
        content=B_SECRET,
        status=DeliveryStatus.FAILED,
        error_code=131026,
        error_title="Message undeliverable",
        created_at=now,
        updated_at=now,
    )
    async with api.system.container.uow()() as uow:
        await uow.deliveries.add(failed)
        await uow.commit()
    number = await _ok(
        api,
        "POST",
        f"/workspaces/{slug}/channels",
        admin_b,
        json={"provider": "whatsapp_cloud", "phoneNumberId": B_NUMBER_ID, "accessToken": B_TOKEN},
    )
    steps = [{"key": "email", "prompt": B_STEP, "type": "email"}]
    await _ok(api, "PUT", f"/workspaces/{slug}/workflow", admin_b, json={"steps": steps})
    await _ok(
        api,
        "PUT",
        f"/workspaces/{slug}/inbox/{chat['id']}/progress/email",
        admin_b,
        json={"value": B_ANSWER},
    )
    sessions = await _ok(api, "GET", "/auth/sessions", member_b)
    record = await _ok(
        api,
        "POST",
        "/records",
        member_b,
        json={
            "type": "report",
            "values": {"title": B_SECRET, "body": B_SECRET, "category": "other"},
        },
    )
    await _ok(
        api,
        "POST",
        f"/workspaces/{slug}/record-types",
        admin_b,
        json={
            "name": B_TYPE,
            "label": "Clinic",
            "textField": "what",
            "fields": [{"key": "what", "label": "What", "kind": "text"}],
        },
    )
    seen = await _ok(api, "GET", "/admin/deliveries/failed", admin_b)
    assert [item["id"] for item in seen["items"]] == [str(failed.id)]
    return WorkspaceB(
        id=clinic["id"],
        slug=slug,
        conversation_id=chat["id"],
        message_ids=[turn["message"]["id"], turn["reply"]["id"]],
        file_id=file["id"],
        document_id=document["id"],
        entry_id=entry["id"],
        delivery_id=str(failed.id),
        channel_id=number["id"],
        member_id=await _user_id(api, member_b),
        admin_id=await _user_id(api, admin_b),
        member_session_id=next(s["id"] for s in sessions["items"] if s["current"]),
        record_id=record["id"],
        admin_headers=admin_b,
        member_headers=member_b,
    )


async def _actors_of_a(api: Api, platform: dict[str, str]) -> dict[str, dict[str, str]]:
    """A member, an agent and an admin of A (the default workspace), none a platform admin."""
    actors = {
        "member": await api.headers_for(MEMBER_A),
        "agent": await api.headers_for(AGENT_A),
        "admin": await api.headers_for(ADMIN_A),
    }
    for role in ("agent", "admin"):
        user_id = await _user_id(api, actors[role])
        await _ok(
            api, "PUT", f"/workspaces/default/members/{user_id}", platform, json={"role": role}
        )
    return actors


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    operations = []
    for path, item in document["paths"].items():
        if path.startswith(_SKIPPED) and not path.startswith(_NOT_SKIPPED):
            continue
        for method, operation in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                operations.append((method.upper(), path, operation))
    return operations


def _request_body(method: str, path: str, operation: dict[str, Any]) -> dict[str, Any]:
    body = operation.get("requestBody")
    if body is None:
        return {}
    if "multipart/form-data" in body["content"]:
        return {"files": {"file": ("note.txt", b"Some notes.", "text/plain")}}
    if (method, path) in _BODIES:
        return {"json": _BODIES[(method, path)]}
    assert not body.get("required"), f"the IDOR matrix needs a body for {method} {path}"
    return {}


def _uses_header(operation: dict[str, Any]) -> bool:
    return any(
        parameter["in"] == "header" and parameter["name"] == WORKSPACE_HEADER
        for parameter in operation.get("parameters", [])
    )


async def test_nobody_in_workspace_a_reaches_workspace_b_s_data(idor_api: Api) -> None:
    api = idor_api
    platform = await api.admin_headers(ADMIN)
    b = await _workspace_b(api, platform)
    actors = await _actors_of_a(api, platform)
    document: dict[str, Any] = (await api.client.get("/docs/openapi.json")).json()
    operations = _operations(document)
    assert len(operations) > 20, "the matrix should see the whole API"

    requests = 0
    holes: list[tuple[str, str, str, str, int]] = []
    for role, auth in actors.items():
        for method, template, operation in _operations(document):
            path = template
            names = [
                parameter["name"]
                for parameter in operation.get("parameters", [])
                if parameter["in"] == "path"
            ]
            for name in names:
                path = path.replace("{" + name + "}", b.path_value(name))
            for named in ("default", b.slug):
                headers = auth | {WORKSPACE_HEADER: named}
                response = await api.client.request(
                    method, path, headers=headers, **_request_body(method, template, operation)
                )
                requests += 1
                if not 200 <= response.status_code < 300:
                    continue
                acted_in_b = named == b.slug and _uses_header(operation)
                shown = any(marker in response.text for marker in b.markers())
                if names or acted_in_b or shown:
                    holes.append((role, method, path, named, response.status_code))

    print(f"IDOR matrix: {requests} requests, {len(holes)} reached workspace B's data")
    assert holes == []
    assert requests == len(actors) * len(operations) * 2
    await _b_is_untouched(api, b)


async def _b_is_untouched(api: Api, b: WorkspaceB) -> None:
    """Whatever the matrix answered, B's data is all there, as B's people see it."""
    admin_b, member_b = b.admin_headers, b.member_headers
    messages = await _ok(api, "GET", f"/conversations/{b.conversation_id}/messages", member_b)
    assert {m["id"] for m in messages["items"]} == set(b.message_ids)
    assert (await _ok(api, "GET", f"/files/{b.file_id}", member_b))["id"] == b.file_id
    handbook = await _ok(api, "GET", f"/workspaces/{b.slug}/knowledge/{b.document_id}", admin_b)
    assert handbook["fileName"] == "clinic-handbook.txt"
    listed = await _ok(api, "GET", "/admin/allowlist", admin_b)
    assert [e["id"] for e in listed["items"]] == [b.entry_id]
    clinic = await _ok(api, "GET", f"/workspaces/{b.slug}", admin_b)
    assert clinic["name"] == "Clínica Sol"
    members = await _ok(api, "GET", f"/workspaces/{b.slug}/members", admin_b)
    assert {(m["user"]["id"], m["role"]) for m in members["items"]} == {
        (b.admin_id, "admin"),
        (b.member_id, "member"),
    }
    conversations = await _ok(api, "GET", "/admin/conversations", admin_b)
    assert [c["id"] for c in conversations["items"]] == [b.conversation_id]
    sessions = await _ok(api, "GET", "/auth/sessions", member_b)
    assert [s["id"] for s in sessions["items"]] == [b.member_session_id]
    workflow = await _ok(api, "GET", f"/workspaces/{b.slug}/workflow", admin_b)
    assert [step["prompt"] for step in workflow["steps"]] == [B_STEP]
    progress = await _ok(
        api, "GET", f"/workspaces/{b.slug}/inbox/{b.conversation_id}/progress", admin_b
    )
    assert progress["steps"][0]["answer"]["value"] == B_ANSWER
    record = await _ok(api, "GET", f"/records/{b.record_id}", member_b)
    assert record["record"]["status"] == "open" and record["comments"] == []
    types = await _ok(api, "GET", f"/workspaces/{b.slug}/record-types", admin_b)
    assert [t["name"] for t in types] == ["report", "proposal", B_TYPE]
