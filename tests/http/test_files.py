"""/files and /conversations/{id}/files through the real app: multipart uploads checked by
content, size limits enforced while the body streams, owners and admins only."""

from __future__ import annotations

from typing import Any

from ignacio.adapters.inprocess_queue import InProcessJobQueue
from ignacio.domain.knowledge import MAX_FILE_BYTES
from tests.http.conftest import Api
from tests.support.samples import ELF_PROGRAM, pdf

ANA, LUIS = "+34612345678", "+34612345679"
BUDGET = "The Action Lab budget for 2027 is forty thousand euros, for workshops and mentoring."


async def settled(api: Api) -> None:
    queue = api.system.container.job_queue()
    assert isinstance(queue, InProcessJobQueue)
    await queue.idle()


async def upload(api: Api, headers: dict[str, str], name: str, content: bytes) -> Any:
    return await api.client.post(
        "/files/upload",
        files={"file": (name, content, "application/octet-stream")},
        headers=headers,
    )


async def test_upload_list_read_download_and_delete_a_file(api: Api) -> None:
    headers = await api.headers_for(ANA)
    content = pdf("Notes.", BUDGET)

    uploaded = await upload(api, headers, "Budget 2027.pdf", content)

    assert uploaded.status_code == 201, uploaded.text
    file = uploaded.json()
    assert file["fileName"] == "Budget 2027.pdf" and file["fileType"] == "application/pdf"
    assert file["fileSize"] == len(content) and file["source"] == "web"
    assert file["syncStatus"] == "pending"
    await settled(api)
    read = await api.client.get(f"/files/{file['id']}", headers=headers)
    assert read.status_code == 200
    assert read.json()["syncStatus"] == "synced"
    assert read.json()["extractionStatus"] == "extracted"
    listed = (await api.client.get("/files", headers=headers)).json()
    assert [item["id"] for item in listed["items"]] == [file["id"]]

    downloaded = await api.client.get(f"/files/{file['id']}/download", headers=headers)
    assert downloaded.status_code == 200
    assert downloaded.content == content
    assert downloaded.headers["content-type"].startswith("application/pdf")
    assert downloaded.headers["content-disposition"].startswith("attachment;")
    assert downloaded.headers["x-content-type-options"] == "nosniff"

    deleted = await api.client.delete(f"/files/{file['id']}", headers=headers)
    assert deleted.status_code == 204
    assert (await api.client.get(f"/files/{file['id']}", headers=headers)).status_code == 404
    gone = await api.client.get(f"/files/{file['id']}/download", headers=headers)
    assert gone.status_code == 404


async def test_a_renamed_program_is_refused_with_415(api: Api) -> None:
    headers = await api.headers_for(ANA)

    refused = await upload(api, headers, "invoice.pdf", ELF_PROGRAM)

    assert refused.status_code == 415
    assert refused.json()["error"] == "unsupported_media_type"
    assert "PDF" in refused.json()["message"]
    assert (await api.client.get("/files", headers=headers)).json()["items"] == []


async def test_an_upload_over_the_limit_is_refused_with_413(memory_api: Api) -> None:
    api = memory_api
    headers = await api.headers_for(ANA)

    too_big = await upload(api, headers, "big.txt", b"a" * (MAX_FILE_BYTES + 70 * 1024))
    just_over = await upload(api, headers, "big.txt", b"a" * (MAX_FILE_BYTES + 1))

    assert too_big.status_code == 413
    assert just_over.status_code == 413
    assert just_over.json()["error"] == "too_large"
    assert (await api.client.get("/files", headers=headers)).json()["items"] == []


async def test_a_request_without_the_file_field_is_a_400(memory_api: Api) -> None:
    api = memory_api
    headers = await api.headers_for(ANA)

    missing = await api.client.post(
        "/files/upload", files={"document": ("a.txt", b"hello", "text/plain")}, headers=headers
    )

    assert missing.status_code == 400


async def test_another_members_file_is_a_404_and_admins_see_it(api: Api) -> None:
    ana, luis = await api.headers_for(ANA), await api.headers_for(LUIS)
    admin = await api.admin_headers()
    file = (await upload(api, ana, "notes.txt", b"Plain notes for the lab.")).json()
    ana_id = file["userId"]

    for method, path in (
        ("GET", f"/files/{file['id']}"),
        ("GET", f"/files/{file['id']}/download"),
        ("DELETE", f"/files/{file['id']}"),
    ):
        response = await api.client.request(method, path, headers=luis)
        assert response.status_code == 404, (method, path)
    forbidden = await api.client.get("/files", params={"userId": ana_id}, headers=luis)
    assert forbidden.status_code == 403

    seen = await api.client.get("/files", params={"userId": ana_id}, headers=admin)
    assert [item["id"] for item in seen.json()["items"]] == [file["id"]]
    everyone = await api.client.get("/files", params={"allMembers": "true"}, headers=admin)
    assert [item["id"] for item in everyone.json()["items"]] == [file["id"]]
    assert (await api.client.get(f"/files/{file['id']}", headers=admin)).status_code == 200
    await settled(api)


async def test_a_file_sent_into_a_conversation_becomes_a_message(api: Api) -> None:
    headers = await api.headers_for(ANA)
    conversation = (await api.client.post("/conversations", headers=headers)).json()

    sent = await api.client.post(
        f"/conversations/{conversation['id']}/files",
        files={"file": ("plan.txt", BUDGET.encode(), "text/plain")},
        data={"caption": "Our budget"},
        headers=headers,
    )

    assert sent.status_code == 201, sent.text
    body = sent.json()
    assert body["message"]["content"] == "Our budget"
    assert body["message"]["messageType"] == "document"
    assert body["message"]["fileId"] == body["file"]["id"] == body["message"]["id"]
    assert body["reply"]["author"] == "assistant"
    assert body["reply"]["content"] == "echo: Our budget (history 0)"
    messages = await api.client.get(
        f"/conversations/{conversation['id']}/messages", headers=headers
    )
    assert [m["id"] for m in messages.json()["items"]] == [body["reply"]["id"], body["file"]["id"]]
    other = await api.headers_for(LUIS)
    refused = await api.client.post(
        f"/conversations/{conversation['id']}/files",
        files={"file": ("plan.txt", BUDGET.encode(), "text/plain")},
        headers=other,
    )
    assert refused.status_code == 404
    await settled(api)
