"""What the embedded server carries in memory: not the libraries of what it is not configured
for. Each costs every process megabytes for its whole life (coredis ~17 MB, procrastinate with
psycopg ~12 MB, Alembic ~7 MB once the database is up to date), which the capacity benchmark's
memory row counts against the turns a process holds."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from ignacio.adapters.sql import upgrade_database

# The server as `ignacio serve` starts it: migrating on start, then serving, with its start-up
# (the job queue bound, unfinished work resumed) run by the app's lifespan.
_SERVE = """
import sys
from litestar.testing import TestClient
from ignacio.entrypoints.config import Settings
from ignacio.entrypoints.container import build_container
from ignacio.entrypoints.http.app import create_app
from ignacio.entrypoints.runtime import migrate_if_sql

settings = Settings.from_env({"IGNACIO_DATABASE_URL": sys.argv[1], "IGNACIO_DATA_DIR": sys.argv[2]})
migrate_if_sql(settings)
with TestClient(create_app(build_container(settings))) as client:
    assert client.get("/health").status_code == 200
print(" ".join(sorted(name for name in sys.argv[3:] if name in sys.modules)) or "none")
"""

_UNNEEDED = ("alembic", "coredis", "procrastinate", "psycopg", "psycopg_pool")


def _serve_and_list_imported(tmp_path: Path, names: tuple[str, ...]) -> list[str]:
    # A fresh interpreter: this one has imported all of them already.
    url = f"sqlite:///{tmp_path / 'ignacio.db'}"
    done = subprocess.run(
        [sys.executable, "-c", _SERVE, url, str(tmp_path), *names],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    # The last line: the server logs to standard output before it.
    return done.stdout.splitlines()[-1].split()


def test_an_embedded_server_on_an_up_to_date_database_imports_only_what_it_uses(
    tmp_path: Path,
) -> None:
    upgrade_database(f"sqlite:///{tmp_path / 'ignacio.db'}")
    assert _serve_and_list_imported(tmp_path, _UNNEEDED) == ["none"]


def test_a_database_behind_is_still_migrated_on_start(tmp_path: Path) -> None:
    upgrade_database(f"sqlite:///{tmp_path / 'ignacio.db'}", "0030")
    # Alembic was needed, and did its work: the server started on the latest schema.
    assert _serve_and_list_imported(tmp_path, ("alembic",)) == ["alembic"]
