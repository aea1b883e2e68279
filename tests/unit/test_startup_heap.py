"""A long-running process freezes what starting built, once it is all built; tests do not."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator

import pytest

from ignacio.entrypoints import container as container_module
from ignacio.entrypoints.config import Settings
from ignacio.entrypoints.container import build_container, close_container, start_processing


@pytest.fixture(autouse=True)
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()


async def _background_work_done() -> None:
    while container_module._background:
        await asyncio.wait(set(container_module._background))


@pytest.mark.parametrize("long_running", [True, False])
async def test_only_a_long_running_process_freezes_its_start_up_heap(long_running: bool) -> None:
    container = build_container(Settings.from_env({"IGNACIO_DATABASE_URL": "memory://"}))
    try:
        await start_processing(container, long_running=long_running)
        await _background_work_done()
        assert (gc.get_freeze_count() > 0) is long_running
    finally:
        await close_container(container)


async def test_the_heap_is_frozen_after_the_preparation_even_if_it_failed() -> None:
    prepared = asyncio.Event()

    async def preparation_that_fails() -> None:
        await asyncio.sleep(0.01)
        assert gc.get_freeze_count() == 0  # not before the preparation is over
        prepared.set()
        raise RuntimeError("a parser would not import")

    with pytest.raises(RuntimeError):
        await container_module._freeze_startup_heap(preparation_that_fails())
    assert prepared.is_set()
    assert gc.get_freeze_count() > 0
