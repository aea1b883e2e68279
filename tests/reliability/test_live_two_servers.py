"""Drill: live events across two server processes on one PostgreSQL database. An agent's stream
is open on server B while a member writes (a signed webhook) and the agent takes over through
server A: each change reaches B's stream, through PostgreSQL's NOTIFY, within seconds; still
after B's listening connection is cut; and a stream reopened on B with its Last-Event-ID gets
what it missed. Stopping B with its stream open ends the stream and the process cleanly."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from ignacio.adapters.procrastinate_queue import conninfo_from_url
from ignacio.application.use_cases.create_user import CreateUserCommand
from ignacio.entrypoints.container import build_container
from ignacio.entrypoints.runtime import close_container
from tests.reliability.harness import (
    STOPPED_CLEANLY,
    free_port,
    ignacio_environment,
    ignacio_serve,
    show,
    signed,
    wait_for,
)
from tests.support.fake_graph import FakeGraph, inbound_text
from tests.support.streaming import Sse, SseReader
from tests.support.system import settings_for_tests

pytestmark = pytest.mark.postgres

AGENT = "+34600000009"
MEMBER = "34612345000"
TEAM = "/workspaces/default/events"
# A safety net against a hang, never a measurement: the events take milliseconds.
WITHIN = 15.0


async def log_in(client: httpx.AsyncClient, graph: FakeGraph, phone: str) -> dict[str, str]:
    sent = len(graph.messages)
    requested = await client.post("/auth/request-otp", json={"phoneNumber": phone})
    assert requested.status_code == 200, requested.text
    await wait_for(lambda: len(graph.messages) > sent, "the login code", within=30)
    code = graph.messages[-1].parameters[0]
    verified = await client.post("/auth/verify-otp", json={"phoneNumber": phone, "code": code})
    assert verified.status_code == 200, verified.text
    return {"Authorization": f"Bearer {verified.json()['accessToken']}"}


async def member_writes(client: httpx.AsyncClient, text: str, number: int) -> None:
    body = inbound_text(MEMBER, text, message_id=f"wamid.LIVE{number:04d}")
    response = await client.post("/webhooks/whatsapp", content=body, headers=signed(body))
    assert response.status_code == 200, response.text


async def next_event(stream: SseReader, kind: str) -> tuple[Sse, float]:
    """The next event of `kind` (others skipped), and how long it took to come."""
    started = time.perf_counter()
    async with asyncio.timeout(WITHIN):
        while (event := await stream.next(WITHIN)).event != kind:
            pass
    return event, time.perf_counter() - started


async def test_live_events_reach_a_stream_on_another_server(
    procrastinate_url: str, tmp_path: Path
) -> None:
    container = build_container(settings_for_tests(IGNACIO_DATABASE_URL=procrastinate_url))
    try:
        await container.create_user()(
            None, CreateUserCommand(phone=AGENT, name="Agent", is_admin=True)
        )
    finally:
        await close_container(container)

    graph = FakeGraph()
    port_a, port_b = free_port(), free_port()
    with graph.serve() as graph_url:
        environments = [
            ignacio_environment(
                database_url=procrastinate_url,
                graph_url=graph_url,
                data_dir=tmp_path / name,
                IGNACIO_QUEUE="procrastinate",
                IGNACIO_LOG_LEVEL="INFO",
            )
            for name in ("a", "b")
        ]
        timeout = httpx.Timeout(30, read=WITHIN)
        with (
            ignacio_serve(environments[0], tmp_path / "a.log", port_a) as server_a,
            ignacio_serve(environments[1], tmp_path / "b.log", port_b) as server_b,
        ):
            processes = [server_a, server_b]
            async with (
                httpx.AsyncClient(base_url=f"http://127.0.0.1:{port_a}", timeout=timeout) as a,
                httpx.AsyncClient(base_url=f"http://127.0.0.1:{port_b}", timeout=timeout) as b,
            ):
                agent = await log_in(a, graph, AGENT)
                try:
                    stopped = await _drill(a, b, agent, procrastinate_url, server_b)
                except BaseException as error:
                    raise AssertionError(show(processes)) from error
            exit_codes = [process.stop() for process in processes]
    assert stopped == {"reason": "stopping"}, show(processes)
    assert exit_codes[1] in STOPPED_CLEANLY and exit_codes[0] in STOPPED_CLEANLY, show(processes)
    assert not any("Traceback" in p.output() for p in processes), show(processes)


async def _drill(
    a: httpx.AsyncClient,
    b: httpx.AsyncClient,
    agent: dict[str, str],
    database_url: str,
    server_b: Any,
) -> Any:
    async with b.stream("GET", TEAM, headers=agent) as response:
        assert response.status_code == 200
        stream = SseReader(response)
        await next_event(stream, "ready")

        await member_writes(a, "Hola", 1)
        written, took = await next_event(stream, "message")
        assert written.data["author"] == "member"
        print(f"\na member's message written through A reached B's stream in {took * 1000:.1f} ms")
        conversation = written.data["conversationId"]

        taken = await a.post(f"/workspaces/default/inbox/{conversation}/take", headers=agent)
        assert taken.status_code == 200, taken.text
        change, _ = await next_event(stream, "conversation")
        assert change.data["state"] == "human"
        last_seen = change.id

        # B's listening connection is cut: it listens again, reads what it missed, goes on.
        with psycopg.connect(conninfo_from_url(database_url), autocommit=True) as admin:
            cut = admin.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE application_name = 'ignacio-live-events'"
                " AND datname = current_database()"
            ).fetchone()
        assert cut is not None and cut[0] >= 1
        await member_writes(a, "Still there?", 2)
        again, _ = await next_event(stream, "message")
        assert again.data["author"] == "member"

    # The stream is closed; what happens meanwhile is caught up on reconnecting, on B.
    handed_back = await a.post(f"/workspaces/default/inbox/{conversation}/hand-back", headers=agent)
    assert handed_back.status_code == 200, handed_back.text
    resume = agent | {"Last-Event-ID": str(again.id)}
    async with b.stream("GET", TEAM, headers=resume) as response:
        assert response.status_code == 200
        stream = SseReader(response)
        missed, _ = await next_event(stream, "conversation")
        assert missed.data["state"] == "assistant"
        assert (missed.id or 0) > (again.id or 0) > (last_seen or 0)
        await next_event(stream, "ready")

        # B stops with the stream open: the stream ends, and so does the process.
        server_b.process.terminate()
        ended, _ = await next_event(stream, "end")
        return ended.data
