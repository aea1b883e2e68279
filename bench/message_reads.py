"""How fast is `GET /conversations/{id}/messages` with 100,000 messages stored in PostgreSQL?

Seeds a fresh database (COPY, not row inserts), starts a real `ignacio serve` process against
it, and measures latency of message pages (the first page and pages deep in the history, newest
and oldest first) next to `GET /health` on the same process, measured in the same run as the
baseline. Prints a table; numbers only, no pass/fail.

    .venv/bin/python bench/message_reads.py [--messages 100000] [--requests 2000] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psycopg
from settle import wait_until_idle

from ignacio.adapters.sql import DEFAULT_SCHEMA, search_path_option, upgrade_database
from ignacio.application.ports import SentMessage
from ignacio.application.use_cases.create_conversation import CreateConversationCommand
from ignacio.application.use_cases.request_otp import RequestOtpCommand
from ignacio.application.use_cases.verify_otp import VerifyOtpCommand
from ignacio.domain import PhoneNumber, Position
from ignacio.domain.pagination import encode_cursor
from ignacio.entrypoints.config import Settings
from ignacio.entrypoints.container import build_container
from ignacio.entrypoints.runtime import close_container, start_processing

# Ignacio's tables are in their own schema; raw connections find them through this.
IGNACIO_SCHEMA = search_path_option(DEFAULT_SCHEMA)

ADMIN_URL = os.environ.get(
    "IGNACIO_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
DATABASE = "ignacio_bench_reads"
PORT = 8799
PHONE = "+34612345678"
JWT_SECRET = "bench-secret-key-that-is-long-enough-for-hs256"
PHONE_KEY = base64.b64encode(bytes(32)).decode()


class CapturingChannel:
    def __init__(self) -> None:
        self.code = ""

    async def send_login_code(self, to: PhoneNumber, code: str) -> SentMessage:
        self.code = code
        return SentMessage()

    async def send_text(self, to: PhoneNumber, text: str) -> list[SentMessage]:
        return [SentMessage()]


def database_url(driver: str = "postgresql+psycopg") -> str:
    base = ADMIN_URL.rsplit("/", 1)[0].split("://", 1)[1]
    return f"{driver}://{base}/{DATABASE}"


def recreate_database() -> None:
    with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{DATABASE}"')
    upgrade_database(database_url())


async def member_and_conversation(settings: Settings) -> tuple[str, uuid.UUID, uuid.UUID]:
    container = build_container(settings)
    channel = CapturingChannel()
    container.channel.override(channel)
    await start_processing(container)
    await container.request_otp()(RequestOtpCommand(phone=PHONE))
    # The code is drawn and sent by a job (SendLoginCode), after the request answers.
    await container.job_queue().idle()
    login = await container.verify_otp()(VerifyOtpCommand(phone=PHONE, code=channel.code))
    conversation = await container.create_conversation()(
        await container.resolve_workspace()(login.user, None),
        CreateConversationCommand(title="Benchmark"),
    )
    await close_container(container)
    return login.tokens.access_token, login.user.id, conversation.id


def seed_messages(user_id: uuid.UUID, conversation_id: uuid.UUID, count: int) -> list[Position]:
    start = datetime(2025, 1, 1, tzinfo=UTC)
    positions: list[Position] = []
    columns = (
        "id, workspace_id, conversation_id, user_id, author, content, message_type, channel, "
        "delivery_status, created_at"
    )
    with psycopg.connect(database_url("postgresql"), options=IGNACIO_SCHEMA) as connection:
        # The conversation is in the default workspace, as everything is until channels route.
        found = connection.execute("SELECT id FROM workspaces WHERE slug = 'default'").fetchone()
        assert found is not None, "the database is not migrated"
        workspace_id = found[0]
        with connection.cursor().copy(f"COPY messages ({columns}) FROM STDIN") as copy:
            for index in range(count):
                message_id = uuid.uuid4()
                created_at = start + timedelta(seconds=index)
                author = "member" if index % 2 == 0 else "assistant"
                copy.write_row(
                    (
                        message_id,
                        workspace_id,
                        conversation_id,
                        user_id,
                        author,
                        f"Message {index}: " + "lorem ipsum dolor sit amet " * 6,
                        "text",
                        "web",
                        "received",
                        created_at,
                    )
                )
                positions.append(Position(created_at, message_id))
        connection.execute("ANALYZE messages")
    return positions


async def measure(
    client: httpx.AsyncClient, paths: list[str], headers: dict[str, str], concurrency: int
) -> list[float]:
    latencies: list[float] = []
    queue = list(paths)

    async def worker() -> None:
        while queue:
            path = queue.pop()
            started = time.perf_counter()
            response = await client.get(path, headers=headers)
            latencies.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"{path}: {response.status_code} {response.text[:200]}")

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies


def row(name: str, latencies: list[float], wall: float) -> str:
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (
        f"| {name:<38} | {len(ordered):>6} | {statistics.median(ordered):>8.2f} | {p99:>8.2f} "
        f"| {len(ordered) / wall:>8.0f} |"
    )


def start_server(environment: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "ignacio.entrypoints", "serve"], env=environment)


async def run(arguments: argparse.Namespace) -> None:
    # A data directory of its own: the default, ./var, is the developer's embedded set-up.
    with tempfile.TemporaryDirectory(prefix="ignacio-bench-reads-") as data_dir:
        await run_in(arguments, Path(data_dir))


async def run_in(arguments: argparse.Namespace, data_dir: Path) -> None:
    recreate_database()
    settings = Settings.from_variables(
        {
            "IGNACIO_DATABASE_URL": database_url(),
            "JWT_SECRET_KEY": JWT_SECRET,
            "IGNACIO_PHONE_KEY": PHONE_KEY,
            "IGNACIO_DATA_DIR": data_dir,
        }
    )
    token, user_id, conversation_id = await member_and_conversation(settings)
    started = time.perf_counter()
    positions = seed_messages(user_id, conversation_id, arguments.messages)
    print(
        f"seeded {arguments.messages:,} messages with COPY in {time.perf_counter() - started:.1f} s"
    )

    environment = {
        **os.environ,
        "IGNACIO_DATABASE_URL": database_url(),
        "IGNACIO_DATA_DIR": str(data_dir),
        "JWT_SECRET_KEY": JWT_SECRET,
        "IGNACIO_PHONE_KEY": PHONE_KEY,
        "IGNACIO_PORT": str(PORT),
        "IGNACIO_LOG_LEVEL": "WARNING",
        "IGNACIO_API_RATE_LIMIT": "0",  # the load comes from one address
    }
    server = start_server(environment)
    try:
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{PORT}",
            timeout=30,
            limits=httpx.Limits(max_connections=arguments.concurrency),
        ) as client:
            for _ in range(100):
                try:
                    if (await client.get("/health")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
            waited = await asyncio.to_thread(wait_until_idle, server.pid)
            print(f"the server's start-up work settled {waited:.1f} s after it answered")
            headers = {"Authorization": f"Bearer {token}"}
            base = f"/conversations/{conversation_id}/messages"
            deep = [encode_cursor(random.choice(positions)) for _ in range(arguments.requests)]
            scenarios = {
                "GET /health (baseline)": ["/health"] * arguments.requests,
                "first page, newest first (50)": [f"{base}?limit=50"] * arguments.requests,
                "deep page, newest first (50)": [f"{base}?limit=50&cursor={c}" for c in deep],
                "deep page, oldest first (50)": [
                    f"{base}?limit=50&order=asc&cursor={c}" for c in deep
                ],
            }
            await measure(
                client,
                scenarios["first page, newest first (50)"][:200],
                headers,
                arguments.concurrency,
            )
            print(
                f"\n{arguments.messages:,} messages in one conversation, PostgreSQL, one `ignacio serve` "
                f"process, {arguments.concurrency} concurrent connections\n"
            )
            print(
                "| request                                | count  | p50 ms   | p99 ms   | req/s    |"
            )
            print(
                "|----------------------------------------|--------|----------|----------|----------|"
            )
            for name, paths in scenarios.items():
                began = time.perf_counter()
                latencies = await measure(client, paths, headers, arguments.concurrency)
                print(row(name, latencies, time.perf_counter() - began))
    finally:
        server.terminate()
        server.wait(timeout=10)
        with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=2_000)
    parser.add_argument("--concurrency", type=int, default=8)
    os.chdir(Path(__file__).resolve().parent.parent)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
