"""Login code timing: can an outsider tell invited numbers from the others by how fast
`POST /auth/request-otp` answers?

One `ignacio serve` with IGNACIO_REGISTRATION=invite on SQLite (and PostgreSQL), the WhatsApp Cloud
channel talking to a local fake of the Graph API on 127.0.0.1. Half the numbers are members (an
admin added them), half are not; each number asks for a code once, one request at a time, members
and strangers interleaved. Every answer's status is recorded, and its latency; then the best single
threshold on latency (the one that classifies most numbers right, chosen after the fact, which
favours the attacker) says how many numbers timing gives away: half of them is a coin toss.
Numbers only, no pass/fail.

    .venv/bin/python bench/otp_timing.py [--numbers 60] [--output section.md]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from seed_scale import create_database, database_urls, drop_database  # noqa: E402
from tests.support.fake_graph import FakeGraph  # noqa: E402
from webhook_ingest import APP_SECRET, JWT_SECRET, PHONE_KEY, ignacio  # noqa: E402

from ignacio.adapters.sql import upgrade_database  # noqa: E402
from ignacio.application.use_cases.create_user import CreateUserCommand  # noqa: E402
from ignacio.entrypoints.config import Settings  # noqa: E402
from ignacio.entrypoints.container import build_container  # noqa: E402
from ignacio.entrypoints.runtime import close_container  # noqa: E402

INVITE = {
    "IGNACIO_REGISTRATION": "invite",
    "IGNACIO_OTP_REQUESTS_PER_CLIENT": "100000",
}


async def invite(url: str, data_dir: Path, numbers: list[str]) -> None:
    settings = Settings.from_env(
        {
            "IGNACIO_DATABASE_URL": url,
            "IGNACIO_DATA_DIR": str(data_dir),
            "JWT_SECRET_KEY": JWT_SECRET,
            "IGNACIO_PHONE_KEY": PHONE_KEY,
            "WHATSAPP_APP_SECRET": APP_SECRET,
        }
    )
    container = build_container(settings)
    try:
        for number in numbers:
            await container.create_user()(None, CreateUserCommand(phone=number))
    finally:
        await close_container(container)


def measure(base: str, order: list[tuple[str, bool]]) -> list[tuple[bool, float, int]]:
    """(invited, milliseconds, status) for each request, in order."""
    results = []
    with httpx.Client(base_url=base, timeout=30) as client:
        for number, invited in order:
            started = time.perf_counter()
            response = client.post("/auth/request-otp", json={"phoneNumber": number})
            results.append((invited, (time.perf_counter() - started) * 1000, response.status_code))
            # Let the code's job finish, so that it does not slow the next request down.
            time.sleep(0.05)
    return results


def best_split(results: list[tuple[bool, float, int]]) -> int:
    """How many numbers the best latency threshold (either direction) classifies right."""
    best = 0
    for _, threshold, _ in results:
        slower_is_invited = sum((ms >= threshold) == invited for invited, ms, _ in results)
        best = max(best, slower_is_invited, len(results) - slower_is_invited)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--numbers", type=int, default=60)
    parser.add_argument("--output", type=Path, help="also write the section (Markdown) here")
    arguments = parser.parse_args()
    half = arguments.numbers // 2
    members = [f"+3461{index:07d}" for index in range(half)]
    strangers = [f"+3462{index:07d}" for index in range(half)]
    order = [(n, True) for n in members] + [(n, False) for n in strangers]
    random.Random(13).shuffle(order)
    rows: list[str] = []
    work = Path(tempfile.mkdtemp(prefix="ignacio-bench-otp-"))
    name = create_database()
    graph = FakeGraph()
    try:
        with graph.serve() as graph_url:
            for database in ("sqlite", "postgres"):
                data_dir = work / database
                data_dir.mkdir()
                if database == "postgres":
                    url = database_urls(name)[0]
                else:
                    url = f"sqlite+aiosqlite:///{data_dir / 'ignacio.db'}"
                upgrade_database(url)
                asyncio.run(invite(url, data_dir, members))
                graph.reset()
                with ignacio(url, graph_url, data_dir, INVITE) as (base, _):
                    # Warm up on a number outside both halves.
                    measure(base, [("+34630000000", False)] * 3)
                    results = measure(base, order)
                invited = [ms for was, ms, _ in results if was]
                others = [ms for was, ms, _ in results if not was]
                statuses = sorted({status for _, _, status in results})
                codes = sum(1 for m in graph.messages if m.type == "template")
                row = (
                    f"| {database} | {len(results)} | {statuses} "
                    f"| {statistics.median(invited):.2f} | {statistics.median(others):.2f} "
                    f"| {statistics.mean(invited):.2f} | {statistics.mean(others):.2f} "
                    f"| {best_split(results)} of {len(results)} | {codes} |"
                )
                rows.append(row)
                print(row, flush=True)
    finally:
        drop_database(name)
        shutil.rmtree(work, ignore_errors=True)
    section = "\n".join(
        [
            "## Login code timing (IGNACIO_REGISTRATION=invite)",
            "",
            "`POST /auth/request-otp` for members and strangers, interleaved, one at a time, to "
            "one `ignacio serve` sending codes through a local fake Graph API. Classified: numbers "
            "the best after-the-fact latency threshold puts on the right side (half is chance).",
            "",
            "| database | requests | statuses | member p50 ms | stranger p50 ms | member mean ms "
            "| stranger mean ms | classified | codes sent |",
            "|---|---|---|---|---|---|---|---|---|",
            *rows,
            "",
        ]
    )
    if arguments.output:
        arguments.output.write_text(section + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
