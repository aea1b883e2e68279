"""/conversations and /admin: chatting on the web, and oversight."""

from __future__ import annotations

from uuid import uuid4

from tests.http.conftest import Api


async def test_chat_with_the_assistant(api: Api) -> None:
    headers = await api.headers_for("+34612345678")
    created = await api.client.post("/conversations", json={}, headers=headers)
    assert created.status_code == 201
    conversation = created.json()
    assert conversation["channel"] == "web" and conversation["title"] is None

    sent = await api.client.post(
        f"/conversations/{conversation['id']}/messages",
        json={"content": "What should my pitch deck contain?"},
        headers=headers,
    )
    assert sent.status_code == 201
    turn = sent.json()
    assert turn["message"]["author"] == "member" and turn["message"]["isFromUser"] is True
    assert turn["reply"]["author"] == "assistant"
    assert turn["reply"]["content"].startswith("echo: What should my pitch deck contain?")

    messages = await api.client.get(
        f"/conversations/{conversation['id']}/messages", params={"order": "asc"}, headers=headers
    )
    assert [m["id"] for m in messages.json()["items"]] == [
        turn["message"]["id"],
        turn["reply"]["id"],
    ]
    # What the answer cost is shown with it (the echo assistant reports its model only).
    listed_reply = messages.json()["items"][1]
    assert listed_reply["aiModel"] == turn["reply"]["aiModel"] == "echo"
    assert turn["message"]["aiModel"] is None
    assert {"inputTokens", "outputTokens", "latencyMs"} <= set(listed_reply)
    listed = (await api.client.get("/conversations", headers=headers)).json()
    assert listed["items"][0]["title"] == "What should my pitch deck contain?"


async def test_paging_follows_next_cursor(api: Api) -> None:
    headers = await api.headers_for("+34612345678")
    conversation = (await api.client.post("/conversations", headers=headers)).json()
    for index in range(3):
        await api.client.post(
            f"/conversations/{conversation['id']}/messages",
            json={"content": f"m{index}"},
            headers=headers,
        )
    seen = []
    params: dict[str, str | int] = {"limit": 4}
    while True:
        page = (
            await api.client.get(
                f"/conversations/{conversation['id']}/messages", params=params, headers=headers
            )
        ).json()
        seen += page["items"]
        if not page["nextCursor"]:
            break
        params["cursor"] = page["nextCursor"]
    assert len(seen) == 6 and len({m["id"] for m in seen}) == 6

    forged = await api.client.get(
        f"/conversations/{conversation['id']}/messages",
        params={"cursor": "garbage!"},
        headers=headers,
    )
    assert forged.status_code == 400
    too_big = await api.client.get(
        f"/conversations/{conversation['id']}/messages", params={"limit": 1000}, headers=headers
    )
    assert too_big.status_code == 400


async def test_another_members_conversation_is_404(api: Api) -> None:
    ana = await api.headers_for("+34612345678")
    bob = await api.headers_for("+34612345679")
    conversation = (
        await api.client.post("/conversations", json={"title": "Ana's"}, headers=ana)
    ).json()
    path = f"/conversations/{conversation['id']}/messages"

    assert (await api.client.get(path, headers=bob)).status_code == 404
    assert (await api.client.post(path, json={"content": "hi"}, headers=bob)).status_code == 404
    assert (await api.client.get("/conversations", headers=bob)).json()["items"] == []


async def test_an_empty_conversation_is_an_empty_page_and_an_unknown_one_is_404(api: Api) -> None:
    headers = await api.headers_for("+34612345678")
    conversation = (await api.client.post("/conversations", headers=headers)).json()

    empty = await api.client.get(f"/conversations/{conversation['id']}/messages", headers=headers)
    unknown = await api.client.get(f"/conversations/{uuid4()}/messages", headers=headers)

    assert empty.status_code == 200
    assert empty.json() == {"items": [], "nextCursor": None}
    assert unknown.status_code == 404


async def test_reads_stop_working_when_the_session_ends(api: Api) -> None:
    headers = await api.headers_for("+34612345678")
    conversation = (await api.client.post("/conversations", headers=headers)).json()
    paths = ["/conversations", f"/conversations/{conversation['id']}/messages", "/users/me"]
    for path in paths:
        assert (await api.client.get(path, headers=headers)).status_code == 200, path

    assert (await api.client.post("/auth/logout", headers=headers)).status_code == 200

    for path in paths:
        assert (await api.client.get(path, headers=headers)).status_code == 401, path


async def test_bad_messages_are_400(api: Api) -> None:
    headers = await api.headers_for("+34612345678")
    conversation = (await api.client.post("/conversations", headers=headers)).json()
    path = f"/conversations/{conversation['id']}/messages"
    for body in [
        {},
        {"content": ""},
        {"content": "   "},
        {"content": "x" * 32_001},
        {"content": 5},
    ]:
        response = await api.client.post(path, json=body, headers=headers)
        assert response.status_code == 400, body
        assert response.json()["message"]


async def test_the_assistant_failing_is_503_and_the_message_is_kept(api: Api) -> None:
    headers = await api.headers_for("+34612345678")
    conversation = (await api.client.post("/conversations", headers=headers)).json()
    api.system.assistant.failing = True
    path = f"/conversations/{conversation['id']}/messages"

    failed = await api.client.post(path, json={"content": "hello?"}, headers=headers)

    assert failed.status_code == 503
    assert [
        m["content"] for m in (await api.client.get(path, headers=headers)).json()["items"]
    ] == ["hello?"]


async def test_admin_views_conversations(api: Api) -> None:
    admin = await api.admin_headers()
    ana_login = await api.login("+34612345678")
    ana = {"Authorization": f"Bearer {ana_login['accessToken']}"}
    conversation = (
        await api.client.post("/conversations", json={"title": "Launch"}, headers=ana)
    ).json()
    await api.client.post(
        f"/conversations/{conversation['id']}/messages", json={"content": "hi"}, headers=ana
    )
    user_id = ana_login["user"]["id"]

    everything = await api.client.get(
        "/admin/conversations", params={"channel": "web"}, headers=admin
    )
    by_user = await api.client.get(f"/admin/users/{user_id}/conversations", headers=admin)
    one = await api.client.get(f"/admin/conversations/{conversation['id']}", headers=admin)
    no_user = await api.client.get(
        "/admin/users/00000000-0000-0000-0000-000000000000/conversations", headers=admin
    )
    whatsapp_only = await api.client.get(
        "/admin/conversations", params={"channel": "whatsapp"}, headers=admin
    )

    assert [c["id"] for c in everything.json()["items"]] == [conversation["id"]]
    assert [c["id"] for c in by_user.json()["items"]] == [conversation["id"]]
    assert one.json()["owner"]["id"] == user_id
    assert len(one.json()["messages"]["items"]) == 2
    assert no_user.status_code == 404
    assert whatsapp_only.json()["items"] == []
    log = (
        await api.client.get(
            "/admin/audit-log", params={"targetId": conversation["id"]}, headers=admin
        )
    ).json()
    assert [entry["action"] for entry in log["items"]] == ["conversation.view"]
