"""The app on the PostgreSQL-backed queue: one `serve` answers on its own (its worker runs inside
it); with IGNACIO_RUN_WORKER=false it only queues, and a separate worker answers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import timedelta

import psycopg
import pytest

from ignacio.adapters.procrastinate_queue import SCHEMA, conninfo_from_url
from ignacio.adapters.whatsapp_cloud import sign
from ignacio.entrypoints.config import QueueKind
from ignacio.entrypoints.runtime import close_container, run_worker
from tests.http.conftest import serve
from tests.support.fake_graph import inbound_text
from tests.support.fakes import TEST_APP_SECRET
from tests.support.system import build_system, settings_for_tests

pytestmark = pytest.mark.postgres

PHONE = "+34612345678"


async def eventually(condition: Callable[[], bool], within: float = 15.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


def waiting_jobs(url: str) -> int:
    with psycopg.connect(conninfo_from_url(url)) as connection:
        row = connection.execute(
            f"SELECT count(*) FROM {SCHEMA}.procrastinate_jobs WHERE status = 'todo'"  # noqa: S608
        ).fetchone()
    return int(row[0]) if row else 0


def delivery(text: str) -> tuple[bytes, dict[str, str]]:
    body = inbound_text(PHONE, text)
    headers = {
        "Content-Type": "application/json",
        "X-Hub-Signature-256": sign(body, TEST_APP_SECRET),
    }
    return body, headers


async def test_one_serve_with_the_shared_queue_answers_by_itself(procrastinate_url: str) -> None:
    system = build_system(
        settings_for_tests(
            IGNACIO_DATABASE_URL=procrastinate_url, IGNACIO_QUEUE=QueueKind.PROCRASTINATE
        ),
        fake_clock=False,
    )
    body, headers = delivery("Hola")
    async with serve(system) as client:
        response = await client.post("/webhooks/whatsapp", content=body, headers=headers)
        assert response.status_code == 200, response.text

        await eventually(lambda: len(system.channel.texts_to(PHONE)) == 1)

    assert system.channel.texts_to(PHONE) == ["echo: Hola (history 0)"]


async def test_a_serve_without_a_worker_queues_and_a_worker_answers(
    procrastinate_url: str,
) -> None:
    web = build_system(
        settings_for_tests(
            IGNACIO_DATABASE_URL=procrastinate_url,
            IGNACIO_QUEUE=QueueKind.PROCRASTINATE,
            IGNACIO_RUN_WORKER=False,
        ),
        fake_clock=False,
    )
    body, headers = delivery("Hola")
    async with serve(web) as client:
        response = await client.post("/webhooks/whatsapp", content=body, headers=headers)
        assert response.status_code == 200, response.text
        await asyncio.sleep(0.5)
        assert web.channel.texts == []
        assert waiting_jobs(procrastinate_url) == 1

        worker = build_system(
            settings_for_tests(
                IGNACIO_DATABASE_URL=procrastinate_url,
                IGNACIO_QUEUE=QueueKind.PROCRASTINATE,
                IGNACIO_SWEEP_SECONDS=timedelta(seconds=1),
            ),
            fake_clock=False,
        )
        work = asyncio.create_task(run_worker(worker.container, concurrency=2))
        try:
            await eventually(lambda: len(worker.channel.texts_to(PHONE)) == 1)
        finally:
            work.cancel()
            await asyncio.gather(work, return_exceptions=True)
            await close_container(worker.container)

    assert worker.channel.texts_to(PHONE) == ["echo: Hola (history 0)"]
    assert web.channel.texts == []


async def test_a_login_code_is_queued_by_id_and_sent_by_the_worker(procrastinate_url: str) -> None:
    web = build_system(
        settings_for_tests(
            IGNACIO_DATABASE_URL=procrastinate_url,
            IGNACIO_QUEUE=QueueKind.PROCRASTINATE,
            IGNACIO_RUN_WORKER=False,
        ),
        fake_clock=False,
    )
    async with serve(web) as client:
        response = await client.post("/auth/request-otp", json={"phoneNumber": PHONE})
        assert response.status_code == 200, response.text
        with psycopg.connect(conninfo_from_url(procrastinate_url)) as connection:
            rows = connection.execute(
                f"SELECT args::text FROM {SCHEMA}.procrastinate_jobs"  # noqa: S608
                " WHERE task_name = 'ignacio.send_login_code'"
            ).fetchall()
        ((args,),) = rows
        # The job table holds the challenge's id, never the number (in any of its spellings).
        assert "challenge_id" in args
        assert "612345678" not in args

        worker = build_system(
            settings_for_tests(
                IGNACIO_DATABASE_URL=procrastinate_url, IGNACIO_QUEUE=QueueKind.PROCRASTINATE
            ),
            fake_clock=False,
        )
        work = asyncio.create_task(run_worker(worker.container, concurrency=2))
        try:
            await eventually(lambda: len(worker.channel.codes_to(PHONE)) == 1)
        finally:
            work.cancel()
            await asyncio.gather(work, return_exceptions=True)
            await close_container(worker.container)

        code = worker.channel.last_code(PHONE)
        verified = await client.post("/auth/verify-otp", json={"phoneNumber": PHONE, "code": code})
        assert verified.status_code == 200, verified.text
    assert web.channel.codes == []
