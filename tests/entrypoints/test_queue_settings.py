"""Choosing the job queue: the in-process default, procrastinate on PostgreSQL only, `ignacio worker`."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ignacio.adapters.inprocess_queue import InProcessJobQueue
from ignacio.adapters.procrastinate_queue import ProcrastinateJobQueue
from ignacio.entrypoints.cli import main
from ignacio.entrypoints.config import ConfigurationError, QueueKind, Settings
from ignacio.entrypoints.container import build_container
from ignacio.entrypoints.runtime import close_container

POSTGRES = "postgresql://ignacio:secret@db.example:5432/ignacio"


def test_by_default_the_queue_is_in_process_and_serve_runs_a_worker() -> None:
    settings = Settings.from_env({})

    assert settings.queue.kind is QueueKind.INPROCESS
    assert settings.queue.run_worker
    assert settings.queue.sweep_interval == timedelta(seconds=60)


def test_the_shared_queue_and_its_worker_are_configured_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "IGNACIO_DATABASE_URL": POSTGRES,
            "IGNACIO_QUEUE": "procrastinate",
            "IGNACIO_RUN_WORKER": "false",
            "IGNACIO_SWEEP_SECONDS": "15",
        }
    )

    assert settings.queue.kind is QueueKind.PROCRASTINATE
    assert not settings.queue.run_worker
    assert settings.queue.sweep_interval == timedelta(seconds=15)


@pytest.mark.parametrize("database_url", ["", "sqlite:///var/ignacio.db", "memory://"])
def test_procrastinate_is_refused_without_postgresql(database_url: str) -> None:
    with pytest.raises(ConfigurationError, match="PostgreSQL") as error:
        Settings.from_env({"IGNACIO_DATABASE_URL": database_url, "IGNACIO_QUEUE": "procrastinate"})
    assert "IGNACIO_QUEUE=procrastinate" in str(error.value)


@pytest.mark.parametrize(
    ("variable", "value"), [("IGNACIO_SWEEP_SECONDS", "0"), ("IGNACIO_RUN_WORKER", "sometimes")]
)
def test_a_bad_worker_setting_names_its_variable(variable: str, value: str) -> None:
    with pytest.raises(ConfigurationError, match=variable):
        Settings.from_env({variable: value})


@pytest.mark.parametrize(
    ("queue", "adapter"),
    [("inprocess", InProcessJobQueue), ("procrastinate", ProcrastinateJobQueue)],
)
async def test_the_container_picks_the_queue_adapter(queue: str, adapter: type) -> None:
    database_url = POSTGRES if queue == "procrastinate" else "memory://"
    container = build_container(
        Settings.from_env({"IGNACIO_DATABASE_URL": database_url, "IGNACIO_QUEUE": queue})
    )
    try:
        assert isinstance(container.job_queue(), adapter)
        assert container.job_queue() is container.job_queue()
    finally:
        await close_container(container)  # nothing was opened, so nothing is reached


def test_the_worker_command_needs_the_shared_queue(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("IGNACIO_DATABASE_URL", "memory://")
    monkeypatch.delenv("IGNACIO_QUEUE", raising=False)

    assert main(["worker"]) == 2

    assert "IGNACIO_QUEUE=procrastinate" in capsys.readouterr().err


def test_turns_at_once_default_to_hundreds_on_every_database_and_as_set_when_set() -> None:
    assert Settings.from_env({}).worker_concurrency == 256
    assert Settings.from_env({"IGNACIO_DATABASE_URL": POSTGRES}).worker_concurrency == 256
    for database in ({}, {"IGNACIO_DATABASE_URL": POSTGRES}):
        chosen = Settings.from_env({**database, "IGNACIO_WORKER_CONCURRENCY": "64"})
        assert chosen.worker_concurrency == 64
