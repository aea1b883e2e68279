"""`make bench`: every benchmark, one after the other, into bench/RESULTS.md.

Runs bench/message_reads.py, bench/scale_reads.py (10,000 members and 1,000,000 messages unless
IGNACIO_BENCH_MEMBERS / IGNACIO_BENCH_MESSAGES say otherwise), bench/turn_latency.py,
bench/webhook_ingest.py, bench/otp_timing.py, bench/dashboard.py (IGNACIO_BENCH_MESSAGES too)
bench/live_events.py, bench/bursts.py, bench/records_list.py (100,000 records) and
bench/capacity.py (about an hour alone on a busy 2-core machine; IGNACIO_BENCH_QUICK=1 runs its
--quick rows), prints each one's table as it goes, and writes
bench/RESULTS.md: the
machine (cores, memory, CPU model), the versions (Python, PostgreSQL, SQLite, wrk, the ignacio
commit), the date, and a section per benchmark. Numbers only, no pass/fail.

    .venv/bin/python bench/run.py
"""

from __future__ import annotations

import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from seed_scale import ADMIN_URL

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"


def _proc(path: str, key: str) -> str:
    for line in Path(path).read_text().splitlines():
        if line.startswith(key):
            return line.split(":", 1)[1].strip()
    return "unknown"


def _output(command: list[str]) -> str:
    try:
        completed = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    except FileNotFoundError:
        return "not installed"
    lines = (completed.stdout + completed.stderr).strip().splitlines()
    return lines[0] if lines else "unknown"


def header() -> str:
    memory_gb = int(_proc("/proc/meminfo", "MemTotal").split()[0]) / 1024 / 1024
    with psycopg.connect(ADMIN_URL) as connection:
        row = connection.execute("SHOW server_version").fetchone()
        postgres = str(row[0]) if row else "unknown"
    commit = _output(["git", "rev-parse", "--short", "HEAD"])
    dirty = _output(["git", "status", "--porcelain", "--untracked-files=no"])
    if dirty != "unknown":
        commit += " (with uncommitted changes)"
    return "\n".join(
        [
            "# Ignacio benchmarks",
            "",
            f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
            f"- Machine: {os.cpu_count()} cores ({_proc('/proc/cpuinfo', 'model name')}), "
            f"{memory_gb:.1f} GB memory, {platform.machine()}, Linux {platform.release()}",
            f"- Versions: Python {platform.python_version()}, PostgreSQL {postgres}, "
            f"SQLite {sqlite3.sqlite_version}, {_output(['wrk', '-v']).split(' Copyright')[0]}, "
            f"ignacio {commit}",
            "- Load on loopback only; every server is one `ignacio serve` process (uvicorn, one "
            "worker). `make bench` prints numbers, never pass/fail.",
            "",
        ]
    )


def run(script: str, *arguments: str) -> str:
    """Run a benchmark; its section (Markdown) from --output, or else its standard output."""
    print(f"\n=== bench/{script} {' '.join(arguments)}", flush=True)
    with tempfile.NamedTemporaryFile(suffix=".md") as section:
        command = [sys.executable, str(BENCH / script), *arguments]
        if script != "message_reads.py":
            command += ["--output", section.name]
        completed = subprocess.run(command, stdout=subprocess.PIPE, text=True, cwd=ROOT)
        print(completed.stdout, flush=True)
        if completed.returncode != 0:
            return f"## bench/{script}\n\nFailed (exit status {completed.returncode}).\n"
        if script == "message_reads.py":
            return "## Message pages, one conversation (PostgreSQL)\n\n" + completed.stdout
        text = Path(section.name).read_text()
    if text.startswith("# "):  # webhook_ingest.py writes a whole report: make it a section
        text = "## Webhook ingest\n" + text.partition("\n")[2]
    return text


def quiet_postgres() -> None:
    """Flush what the last benchmark left dirty (a million seeded rows, dropped) now, rather
    than while the next one measures: the checkpointer's writes are load on the same cores."""
    try:
        with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
            connection.execute("CHECKPOINT")
    except psycopg.Error as error:  # not a superuser: the next benchmark shares the machine
        print(f"(no CHECKPOINT between benchmarks: {error})", flush=True)


def main() -> None:
    report = header()
    print(report, flush=True)
    sections = []
    for script in (
        "scale_reads.py",
        "turn_latency.py",
        "message_reads.py",
        "webhook_ingest.py",
        "otp_timing.py",
        "dashboard.py",
        "live_events.py",
        "bursts.py",
        "records_list.py",
        "capacity.py",
    ):
        quick = script == "capacity.py" and os.environ.get("IGNACIO_BENCH_QUICK")
        sections.append(run(script, *(["--quick"] if quick else [])))
        quiet_postgres()
    (BENCH / "RESULTS.md").write_text(report + "\n" + "\n".join(sections))
    print(f"wrote {BENCH / 'RESULTS.md'}")


if __name__ == "__main__":
    main()
