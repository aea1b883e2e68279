"""Wait for a freshly started server to finish its start-up work before measuring it.

`ignacio serve` answers /health within seconds, but keeps working in the background for a few
more: the document-reading pool's forkserver imports the parsers (about 3 s of CPU) and forks
its workers. On two cores that work competes with the first rows of a benchmark; measured
before it ends, `bench/message_reads.py` showed the pages 3-22% slower than they are.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(root: int) -> float:
    """CPU seconds used so far by `root` and every process below it (from /proc)."""
    parents: dict[int, int] = {}
    used: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        pid = int(entry.name)
        parents[pid] = int(fields[1])
        used[pid] = (int(fields[11]) + int(fields[12])) / _TICKS
    total = 0.0
    for pid, seconds in used.items():
        ancestor = pid
        while ancestor not in (0, 1, root):
            ancestor = parents.get(ancestor, 0)
        if ancestor == root:
            total += seconds
    return total


def wait_until_idle(pid: int, *, quiet_seconds: float = 1.0, limit_seconds: float = 30.0) -> float:
    """Return once `pid` and its descendants have used under 5% of a core for `quiet_seconds`
    (or after `limit_seconds`); returns how long it waited."""
    started = time.monotonic()
    before = cpu_seconds(pid)
    while time.monotonic() - started < limit_seconds:
        time.sleep(quiet_seconds)
        now = cpu_seconds(pid)
        if now - before < 0.05 * quiet_seconds:
            break
        before = now
    return time.monotonic() - started
