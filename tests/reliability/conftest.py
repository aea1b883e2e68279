"""The database a drill runs on, when it runs on both."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.databases import migrated_sqlite


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, dict[str, str]]:
    """The database URL, and the settings that go with it: SQLite with the in-process queue, or
    PostgreSQL with the shared procrastinate queue, swept every 2 s (so that the jobs of a
    killed process are found stalled and released within the drill)."""
    if request.param == "sqlite":
        return await migrated_sqlite(tmp_path), {}
    url = str(request.getfixturevalue("procrastinate_url"))
    return url, {"IGNACIO_QUEUE": "procrastinate", "IGNACIO_SWEEP_SECONDS": "2"}
