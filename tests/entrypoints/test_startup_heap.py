"""A long-running process starts once the document parsers are imported, and freezes what
starting built; tests do not wait for either."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator, Iterator

import pytest
from dependency_injector import providers
from structlog.testing import capture_logs

from ignacio.entrypoints import runtime
from ignacio.entrypoints.config import Settings
from ignacio.entrypoints.container import Container, build_container
from ignacio.entrypoints.runtime import close_container, start_processing


@pytest.fixture(autouse=True)
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()


@pytest.fixture
async def container() -> AsyncIterator[Container]:
    container = build_container(Settings.from_env({"IGNACIO_DATABASE_URL": "memory://"}))
    yield container
    while runtime._background:
        await asyncio.wait(set(runtime._background))
    await close_container(container)


async def test_a_long_running_process_is_prepared_and_frozen_once_started(
    container: Container,
) -> None:
    imported = asyncio.Event()

    def import_parsers() -> object:
        imported.set()
        return object()

    container.text_extractor.override(providers.Callable(import_parsers))
    await start_processing(container, long_running=True)
    assert imported.is_set()
    assert gc.get_freeze_count() > 0


async def test_tests_start_at_once_and_freeze_nothing(container: Container) -> None:
    await start_processing(container)
    assert gc.get_freeze_count() == 0


async def test_a_failed_import_does_not_stop_the_start(container: Container) -> None:
    def failing_import() -> object:
        raise ImportError("a parser would not import")

    container.text_extractor.override(providers.Callable(failing_import))
    with capture_logs() as logs:
        await start_processing(container, long_running=True)
        await asyncio.sleep(0)  # the failure is logged by the task's callback
    assert gc.get_freeze_count() > 0
    assert "background preparation failed" in [entry["event"] for entry in logs]
