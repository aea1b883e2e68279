"""/workspaces/{w}/knowledge through the real app: a workspace's admins give its assistant
documents that it answers every member of that workspace from, and nobody else."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from ignacio.adapters.inprocess_queue import InProcessJobQueue
from tests.http.conftest import Api
from tests.support.samples import ELF_PROGRAM

BEA, CARLOS, DANI, ANA = "+34612345679", "+34612345670", "+34612345671", "+34612345678"
HOURS = (
    "Horario de la clínica. La Clínica Sol abre los sábados de diez a dos, "
    "y atiende urgencias veterinarias los domingos por la mañana."
)
CLINIC = {"Ignacio-Workspace": "clinica-sol"}


async def settled(api: Api) -> None:
    queue = api.system.container.job_queue()
    assert isinstance(queue, InProcessJobQueue)
    await queue.idle()


async def clinic(api: Api) -> dict[str, dict[str, str]]:
    """Clínica Sol with Bea its admin, Dani its agent and Carlos a member, each acting in it;
    and the platform admin who made it."""
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


async def upload(api: Api, headers: dict[str, str], name: str, content: bytes) -> Any:
    return await api.client.post(
        "/workspaces/clinica-sol/knowledge",
        files={"file": (name, content, "application/octet-stream")},
        headers=headers,
    )


async def ask(api: Api, headers: dict[str, str], question: str) -> str:
    chat = (await api.client.post("/conversations", json={}, headers=headers)).json()
    sent = await api.client.post(
        f"/conversations/{chat['id']}/messages", json={"content": question}, headers=headers
    )
    assert sent.status_code == 201, sent.text
    reply: str = sent.json()["reply"]["content"]
    return reply


async def test_an_admins_document_answers_every_member_of_the_workspace_and_no_one_else(
    api: Api,
) -> None:
    # The deployment's own assistant (offline: no model is configured), not the tests' echo.
    api.system.container.assistant.reset_override()
    people = await clinic(api)

    uploaded = await upload(api, people["admin"], "Horario.txt", HOURS.encode())

    assert uploaded.status_code == 201, uploaded.text
    document = uploaded.json()
    assert (document["fileName"], document["fileType"]) == ("Horario.txt", "text/plain")
    assert document["syncStatus"] == "pending"
    assert "userId" not in document
    await settled(api)
    listed = await api.client.get("/workspaces/clinica-sol/knowledge", headers=people["agent"])
    assert listed.status_code == 200
    assert [(d["id"], d["syncStatus"]) for d in listed.json()["items"]] == [
        (document["id"], "synced")
    ]

    answer = await ask(api, people["member"], "¿Abre la clínica los sábados?")
    assert "**Horario.txt** (knowledge base)" in answer
    assert "Clínica Sol's knowledge base" in answer
    # The default workspace's members never see it, even asking the same words.
    elsewhere = await ask(api, await api.headers_for(ANA), "¿Abre la clínica los sábados?")
    assert "Horario" not in elsewhere

    # It is nobody's file: not in the member's library, nor reachable as a file.
    mine = await api.client.get("/files", headers=people["member"])
    assert mine.json()["items"] == []
    everyone = await api.client.get("/files?allMembers=true", headers=people["admin"])
    assert everyone.json()["items"] == []
    as_file = await api.client.get(f"/files/{document['id']}", headers=people["admin"])
    assert as_file.status_code == 404

    downloaded = await api.client.get(
        f"/workspaces/clinica-sol/knowledge/{document['id']}/download", headers=people["agent"]
    )
    assert downloaded.status_code == 200
    assert downloaded.content == HOURS.encode()

    deleted = await api.client.delete(
        f"/workspaces/clinica-sol/knowledge/{document['id']}", headers=people["admin"]
    )
    assert deleted.status_code == 204
    after = await ask(api, people["member"], "¿Abre la clínica los sábados?")
    assert "Horario" not in after
    gone = await api.client.get(
        f"/workspaces/clinica-sol/knowledge/{document['id']}", headers=people["admin"]
    )
    assert gone.status_code == 404

    audit = await api.client.get("/admin/audit-log", headers=people["admin"])
    actions = [entry["action"] for entry in audit.json()["items"]]
    assert {"knowledge.upload", "knowledge.delete"} <= set(actions)


async def test_only_admins_change_the_knowledge_base_and_only_the_team_reads_it(
    api: Api,
) -> None:
    people = await clinic(api)
    document = (await upload(api, people["admin"], "Horario.txt", HOURS.encode())).json()
    base = "/workspaces/clinica-sol/knowledge"

    for role in ("agent", "member"):
        refused = await upload(api, people[role], "Mine.txt", b"Some notes of mine.")
        assert refused.status_code == 403, role
        assert (
            await api.client.delete(f"{base}/{document['id']}", headers=people[role])
        ).status_code == 403
        resync = await api.client.post(f"{base}/{document['id']}/resync", headers=people[role])
        assert resync.status_code == 403
    for path in (base, f"{base}/{document['id']}", f"{base}/{document['id']}/download"):
        assert (await api.client.get(path, headers=people["member"])).status_code == 403, path
    # Someone outside the workspace does not learn that it exists.
    outsider = await api.headers_for(ANA)
    assert (await api.client.get(base, headers=outsider)).status_code == 404
    listed = await api.client.get(base, headers=people["admin"])
    assert [d["id"] for d in listed.json()["items"]] == [document["id"]]


async def test_a_document_is_checked_like_a_members_file_and_resynced_on_request(
    api: Api,
) -> None:
    people = await clinic(api)
    admin = people["admin"]

    refused = await upload(api, admin, "handbook.pdf", ELF_PROGRAM)
    assert refused.status_code == 415
    assert refused.json()["error"] == "unsupported_media_type"
    empty = await api.client.get("/workspaces/clinica-sol/knowledge", headers=admin)
    assert empty.json()["items"] == []

    document = (await upload(api, admin, "Horario.txt", HOURS.encode())).json()
    await settled(api)
    resynced = await api.client.post(
        f"/workspaces/clinica-sol/knowledge/{document['id']}/resync", headers=admin
    )
    assert resynced.status_code == 202, resynced.text
    assert resynced.json()["syncStatus"] == "pending"
    await settled(api)
    read = await api.client.get(
        f"/workspaces/clinica-sol/knowledge/{document['id']}", headers=admin
    )
    assert (read.json()["syncStatus"], read.json()["extractionStatus"]) == ("synced", "extracted")
    missing = await api.client.post(
        f"/workspaces/clinica-sol/knowledge/{uuid4()}/resync", headers=admin
    )
    assert missing.status_code == 404


async def test_a_document_outlives_the_admin_who_uploaded_it(api: Api) -> None:
    people = await clinic(api)
    document = (await upload(api, people["admin"], "Horario.txt", HOURS.encode())).json()
    bea = (await api.client.get("/users/me", headers=people["admin"])).json()
    assert document["uploadedBy"] == bea["id"]
    platform = people["platform"]
    # The workspace needs another admin before Bea's account may go.
    dani = (await api.client.get("/users/me", headers=people["agent"])).json()
    promoted = await api.client.put(
        f"/workspaces/clinica-sol/members/{dani['id']}", json={"role": "admin"}, headers=platform
    )
    assert promoted.status_code == 200, promoted.text

    removed = await api.client.delete(f"/users/{bea['id']}", headers=platform)

    assert removed.status_code == 204, removed.text
    kept = await api.client.get(
        f"/workspaces/clinica-sol/knowledge/{document['id']}", headers=people["agent"]
    )
    assert kept.status_code == 200
    assert kept.json()["uploadedBy"] is None
