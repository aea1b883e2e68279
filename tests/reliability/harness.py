"""What the drills share: Ignacio's own processes, signed deliveries sent to them over HTTP, and
what the database says afterwards.

The processes are the real entrypoints (`python -m ignacio.entrypoints serve|worker`), each in a
working directory of its own and with an environment stripped of the caller's Ignacio settings,
so a developer's `.env` or exported variables cannot change what a drill tests. Their output goes
to a log file, shown when a drill fails.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import httpx
import psycopg
import sqlalchemy
from sqlalchemy.engine import make_url

from ignacio.adapters.procrastinate_queue import SCHEMA, conninfo_from_url
from ignacio.adapters.sql import DEFAULT_SCHEMA, normalise_url, search_path_option
from ignacio.adapters.whatsapp_cloud import sign
from ignacio.application.bursts import TYPING_REFRESH_SECONDS
from tests.support.fake_graph import DEFAULT_PHONE_NUMBER_ID, DEFAULT_TOKEN, ReadReceipt
from tests.support.fakes import TEST_APP_SECRET, TEST_JWT_SECRET, TEST_PHONE_KEY

# Every variable Ignacio reads starts with one of these; none may leak in from the caller.
_SETTING_PREFIXES = (
    "IGNACIO_",
    "JWT_",
    "WHATSAPP_",
    "TWILIO_",
    "OPENAI_",
    "SUPABASE_",
    "RATE_LIMIT_",
    "WHITELISTED_",
    "MAX_",
)


# After a graceful shutdown uvicorn raises the SIGTERM it caught again, so a server that stopped
# cleanly ends "killed by SIGTERM"; a worker returns 0.
STOPPED_CLEANLY = frozenset({0, -signal.SIGTERM})


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def ignacio_environment(
    *, database_url: str, graph_url: str, data_dir: Path, **settings: str
) -> dict[str, str]:
    """Ignacio on the Cloud API channel, pointed at a fake Graph API, with the tests' secrets;
    `settings` are more variables, by name (`IGNACIO_QUEUE="procrastinate"`)."""
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith(_SETTING_PREFIXES)
    }
    environment.update(
        {
            "IGNACIO_DATABASE_URL": database_url,
            "IGNACIO_DATA_DIR": str(data_dir),
            "IGNACIO_LOG_LEVEL": "WARNING",
            "IGNACIO_CHANNEL": "whatsapp_cloud",
            "WHATSAPP_API_BASE_URL": graph_url,
            "WHATSAPP_ACCESS_TOKEN": DEFAULT_TOKEN,
            "WHATSAPP_PHONE_NUMBER_ID": DEFAULT_PHONE_NUMBER_ID,
            "WHATSAPP_APP_SECRET": TEST_APP_SECRET,
            "JWT_SECRET_KEY": TEST_JWT_SECRET,
            "IGNACIO_PHONE_KEY": TEST_PHONE_KEY,
        }
    )
    environment.update(settings)
    return environment


class IgnacioProcess:
    """One `ignacio serve` or `ignacio worker` process, its output in `log`."""

    def __init__(self, arguments: Sequence[str], environment: dict[str, str], log: Path) -> None:
        self.log = log
        log.parent.mkdir(parents=True, exist_ok=True)
        working_directory = Path(environment["IGNACIO_DATA_DIR"])
        working_directory.mkdir(parents=True, exist_ok=True)
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "ignacio.entrypoints", *arguments],
                cwd=working_directory,
                env=environment,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL: nothing in the process runs after this, no shutdown hook, no flush."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self, timeout: float = 30) -> int:
        """SIGTERM, as a supervisor stops it; its exit code (see STOPPED_CLEANLY)."""
        if self.running:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
            raise

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def show(processes: Iterable[IgnacioProcess], tail: int = 4000) -> str:
    """The end of each process's log, for an assertion message."""
    return "\n".join(f"--- {p.log.name}\n{p.output()[-tail:]}" for p in processes)


@contextmanager
def ignacio_serve(environment: dict[str, str], log: Path, port: int) -> Iterator[IgnacioProcess]:
    """`ignacio serve --port N`, once `/health` answers; stopped with SIGTERM at the end unless a
    drill killed it first."""
    server = IgnacioProcess(["serve", "--port", str(port)], environment, log)
    try:
        # Generous: a start is mostly imports, which take many seconds on a busy machine.
        deadline = time.monotonic() + 180
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if not server.running or time.monotonic() > deadline:
                raise AssertionError(f"ignacio serve did not start\n{show([server])}")
            time.sleep(0.1)
        yield server
    finally:
        if server.running:
            server.stop()


@contextmanager
def ignacio_worker(environment: dict[str, str], log: Path) -> Iterator[IgnacioProcess]:
    """`ignacio worker`; stopped with SIGTERM at the end unless a drill stopped it first."""
    worker = IgnacioProcess(["worker"], environment, log)
    try:
        yield worker
    finally:
        if worker.running:
            worker.stop()


async def wait_for(
    condition: Callable[[], bool | Awaitable[bool]],
    what: str,
    *,
    within: float,
    processes: Iterable[IgnacioProcess] = (),
) -> None:
    """Poll `condition` until it holds. `within` is a safety net against a hang, far above what
    the drill needs, never a measurement."""
    deadline = time.monotonic() + within
    while True:
        result = condition()
        if not isinstance(result, bool):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}\n{show(processes)}")
        await asyncio.sleep(0.05)


# Deliveries, as Meta makes them.


def signed(body: bytes) -> dict[str, str]:
    return {"Content-Type": "application/json", "X-Hub-Signature-256": sign(body, TEST_APP_SECRET)}


async def deliver(
    base_url: str, bodies: Sequence[bytes], *, concurrency: int = 8, interval: float = 0.0
) -> list[httpx.Response | httpx.TransportError]:
    """POST each signed body to `/webhooks/whatsapp`, `concurrency` at a time, the i-th no sooner
    than `i * interval` seconds from now (a burst spread over time, as Meta delivers one); a
    delivery that got no answer (the server died) gives its transport error, as Meta sees it."""
    gate = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, timeout=30, limits=limits) as client:

        async def post(index: int, body: bytes) -> httpx.Response | httpx.TransportError:
            await asyncio.sleep(index * interval)
            async with gate:
                try:
                    return await client.post(
                        "/webhooks/whatsapp", content=body, headers=signed(body)
                    )
                except httpx.TransportError as error:
                    return error

        return await asyncio.gather(*(post(index, body) for index, body in enumerate(bodies)))


def acknowledged(response: httpx.Response | httpx.TransportError) -> bool:
    return isinstance(response, httpx.Response) and response.status_code == 200


@dataclass(frozen=True)
class Delivered:
    """Each body's 200 answer (in the order given), and how many tries were refused on the way
    (a 5xx, or no answer)."""

    answers: list[httpx.Response]
    refused: int


async def deliver_until_acknowledged(
    base_url: str,
    bodies: Sequence[bytes],
    *,
    concurrency: int = 8,
    interval: float = 0.0,
    rounds: int = 6,
) -> Delivered:
    """`deliver`, then deliver again what was not acknowledged, as Meta does (a 5xx or no answer
    means "try later"), up to `rounds` times. A 4xx fails the drill: Meta would drop it."""
    answers: dict[int, httpx.Response] = {}
    refused = 0
    waiting = list(range(len(bodies)))
    for round_number in range(rounds):
        if round_number:
            await asyncio.sleep(1.0)
        results = await deliver(
            base_url,
            [bodies[i] for i in waiting],
            concurrency=concurrency,
            interval=0.0 if round_number else interval,
        )
        for index, result in zip(waiting, results, strict=True):
            if acknowledged(result):
                assert isinstance(result, httpx.Response)
                answers[index] = result
            else:
                assert not isinstance(result, httpx.Response) or result.status_code >= 500, (
                    result.status_code,
                    result.text,
                )
                refused += 1
        waiting = [index for index in waiting if index not in answers]
        if not waiting:
            return Delivered(answers=[answers[i] for i in range(len(bodies))], refused=refused)
    raise AssertionError(f"{len(waiting)} deliveries were never acknowledged")


def server_errors(process: IgnacioProcess) -> int:
    """Requests answered 500, and jobs that failed unexpectedly (both retried)."""
    output = process.output()
    return output.count("unhandled error") + output.count("processing failed unexpectedly")


# What the database says.


@dataclass(frozen=True)
class Inbound:
    """An inbound WhatsApp message as stored, with its answer's delivery (one row per part)."""

    wamid: str
    processing: str | None
    processing_attempts: int
    answers: int
    parts: tuple[tuple[str, str | None], ...]  # (status, error_title) of each part of the answer


_INBOUND = sqlalchemy.text(
    """
    SELECT m.whatsapp_message_id, m.processing, m.processing_attempts, a.id, d.status,
           d.error_title
    FROM messages m
    LEFT JOIN messages a ON a.reply_to_id = m.id
    LEFT JOIN message_deliveries d ON d.message_id = a.id
    WHERE m.author = 'member' AND m.whatsapp_message_id IS NOT NULL
    ORDER BY d.part
    """
)


def _sync_engine(database_url: str) -> sqlalchemy.Engine:
    url = make_url(normalise_url(database_url))
    driver = "sqlite" if url.get_backend_name() == "sqlite" else "postgresql+psycopg"
    connect_args = {} if driver == "sqlite" else {"options": search_path_option(DEFAULT_SCHEMA)}
    return sqlalchemy.create_engine(
        url.set(drivername=driver), poolclass=sqlalchemy.NullPool, connect_args=connect_args
    )


def inbound_messages(database_url: str) -> dict[str, Inbound]:
    """Every stored inbound WhatsApp message, by the provider's id."""
    engine = _sync_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(_INBOUND).all()
    finally:
        engine.dispose()
    found: dict[str, tuple[str | None, int, set[object], list[tuple[str, str | None]]]] = {}
    for wamid, processing, attempts, answer_id, status, error_title in rows:
        _, _, answers, parts = found.setdefault(wamid, (processing, attempts, set(), []))
        if answer_id is not None:
            answers.add(answer_id)
        if status is not None:
            parts.append((status, error_title))
    return {
        wamid: Inbound(
            wamid=wamid,
            processing=processing,
            processing_attempts=attempts,
            answers=len(answers),
            parts=tuple(parts),
        )
        for wamid, (processing, attempts, answers, parts) in found.items()
    }


@dataclass(frozen=True)
class Answered:
    """A member's WhatsApp message as a burst left it: its own answers' ids, and the answer it
    was answered with, as one of the earlier messages of a burst (`answered_by_id`)."""

    processing: str | None
    answers: tuple[str, ...]
    answered_by: str | None


def answered_messages(database_url: str) -> dict[str, Answered]:
    """Every stored inbound WhatsApp message, by the provider's id, with what answered it."""
    engine = _sync_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sqlalchemy.text(
                    "SELECT m.whatsapp_message_id, m.processing, m.answered_by_id, a.id"
                    " FROM messages m LEFT JOIN messages a ON a.reply_to_id = m.id"
                    " WHERE m.author = 'member' AND m.whatsapp_message_id IS NOT NULL"
                )
            ).all()
    finally:
        engine.dispose()
    found: dict[str, Answered] = {}
    for wamid, processing, answered_by, answer_id in rows:
        before = found.get(wamid)
        answers = (before.answers if before else ()) + ((str(answer_id),) if answer_id else ())
        found[wamid] = Answered(
            processing=processing,
            answers=answers,
            answered_by=str(answered_by) if answered_by else None,
        )
    return found


def pending_count(database_url: str) -> int:
    """Work not finished: inbound messages still to answer, and acknowledged deliveries still in
    the webhook inbox (whose messages are not even stored yet)."""
    engine = _sync_engine(database_url)
    try:
        with engine.connect() as connection:
            count = connection.execute(
                sqlalchemy.text(
                    "SELECT (SELECT count(*) FROM messages WHERE processing = 'pending')"
                    " + (SELECT count(*) FROM webhook_inbox)"
                )
            ).scalar_one()
    finally:
        engine.dispose()
    return int(count)


def job_statuses(database_url: str) -> list[str]:
    """The status of every job left in the shared queue (successful jobs are deleted)."""
    with psycopg.connect(conninfo_from_url(database_url)) as connection:
        rows = connection.execute(f"SELECT status::text FROM {SCHEMA}.procrastinate_jobs")  # noqa: S608
        return [str(row[0]) for row in rows]


def registered_workers(database_url: str) -> int:
    """Workers registered with the shared queue (one that was killed stays until pruned)."""
    with psycopg.connect(conninfo_from_url(database_url)) as connection:
        row = connection.execute(f"SELECT count(*) FROM {SCHEMA}.procrastinate_workers").fetchone()  # noqa: S608
    return int(row[0]) if row else 0


def sender(number: int) -> str:
    """The phone number (digits, as Meta gives them) of the drill's `number`-th member."""
    return f"3461{number:07d}"


def marks_read(receipts: Iterable[ReadReceipt]) -> Counter[str]:
    """How many times each message was marked read by a turn taking it up. A turn that works
    longer than the typing indicator lasts shows it again (with the receipt) every
    TYPING_REFRESH_SECONDS: those later receipts are not a second turn, which would mark the
    message read again within moments."""
    times: dict[str, list[float]] = {}
    for receipt in receipts:
        times.setdefault(receipt.message_id, []).append(receipt.at)
    marks: Counter[str] = Counter()
    for message_id, seen in times.items():
        seen.sort()
        marks[message_id] = 1 + sum(
            1 for before, after in pairwise(seen) if after - before < TYPING_REFRESH_SECONDS - 1
        )
    return marks
