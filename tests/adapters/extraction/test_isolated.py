"""The isolated extractor for real: worker processes that a hostile document cannot outgrow,
killed past their memory or their time, replaced, while the calling process carries on."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator

import pytest

from ignacio.adapters.extraction import DocumentTextExtractor, ExtractionLimits
from ignacio.adapters.extraction.isolated import IsolatedTextExtractor
from ignacio.domain.knowledge import DOCX, XLSX, ExtractionStatus
from tests.adapters.extraction import bombs, samples

MB = 1024 * 1024


@pytest.fixture(scope="module")
def loose() -> Iterator[IsolatedTextExtractor]:
    """Read bounds loose enough to let a bomb reach the parser: only the worker's memory and
    time are left to stop it."""
    extractor = IsolatedTextExtractor(
        ExtractionLimits(max_bytes=1024 * MB, max_ratio=100_000, max_seconds=30),
        memory_bytes=400 * MB,
        workers=1,
    )
    extractor.warm_up()
    yield extractor
    extractor.close()


async def test_a_worker_reads_what_this_process_would() -> None:
    extractor = IsolatedTextExtractor(workers=1)
    try:
        content = samples.xlsx_file([["rent", 1200], ["food", 310]])
        isolated = await extractor.extract(content, XLSX)
        in_thread = await DocumentTextExtractor().extract(content, XLSX)
        assert isolated == in_thread
        assert isolated.status is ExtractionStatus.EXTRACTED
    finally:
        extractor.close()


async def test_a_bomb_past_the_memory_limit_is_failed_and_the_next_document_read(
    loose: IsolatedTextExtractor,
) -> None:
    bomb = bombs.docx_bomb(60 * MB)
    extraction = await loose.extract(bomb, DOCX)
    assert extraction.status is ExtractionStatus.FAILED
    assert extraction.note == ("this Word document needs more memory than allowed to read (400 MB)")
    after = await loose.extract(samples.docx_file(), DOCX)
    assert after.status is ExtractionStatus.EXTRACTED


async def test_a_parse_that_outlives_its_time_is_killed_and_the_next_document_read() -> None:
    # One CSV is one step for its reader: only killing the worker stops it in time.
    rows = b"name,amount\n" + b"rent,1200\n" * 3_000_000
    extractor = IsolatedTextExtractor(
        ExtractionLimits(max_text_chars=100_000_000, max_seconds=0.5), workers=1
    )
    extractor.warm_up()
    try:
        worker = _worker_pids()  # the fork server's children: other pools' workers too
        extraction = await extractor.extract(rows, "text/csv")
        assert extraction.status is ExtractionStatus.FAILED
        assert extraction.note == "this CSV file took longer than 0.5 s to read"
        after = await extractor.extract(b"a,b\n1,2\n", "text/csv")
        assert after.status is ExtractionStatus.EXTRACTED
        now = _worker_pids()
        assert worker - now, "the timed-out worker is gone"
        assert now - worker, "and another took its place"
    finally:
        extractor.close()


async def test_media_never_reach_a_worker() -> None:
    extractor = IsolatedTextExtractor(workers=1)
    extraction = await extractor.extract(samples.image("PNG"), "image/png")
    assert extraction.status is ExtractionStatus.NOT_APPLICABLE
    extractor.close()


def _worker_pids() -> set[int]:
    """This process's grandchildren: the workers, forked by the fork server."""
    children = _children(os.getpid())
    return {pid for child in children for pid in _children(child)}


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as listing:
                found.update(int(child) for child in listing.read().split())
        except OSError:
            continue
    return found


def test_closing_ends_a_warm_up_still_waiting_and_none_starts_after() -> None:
    # Closed while its warm-up waits for the workers: the warm-up returns (a process that
    # stops must not hang on it), and a warm-up after the close starts no workers.
    extractor = IsolatedTextExtractor(workers=1)
    warming = threading.Thread(target=extractor.warm_up)
    warming.start()
    extractor.close()
    warming.join(timeout=30)
    assert not warming.is_alive()

    extractor.warm_up()
    assert extractor._pool is None


async def test_documents_reach_workers_through_shared_memory_that_is_given_back() -> None:
    def segments() -> set[str]:
        # Where Linux keeps POSIX shared memory; Python names its segments psm_*.
        return {name for name in os.listdir("/dev/shm") if name.startswith("psm_")}  # noqa: S108

    before = segments()
    extractor = IsolatedTextExtractor(
        ExtractionLimits(max_text_chars=100_000_000, max_seconds=0.5), workers=1
    )
    try:
        content = samples.xlsx_file([["rent", 1200], ["food", 310]])
        assert (await extractor.extract(content, XLSX)).status is ExtractionStatus.EXTRACTED
        # Killed past its time: its segment is given back all the same.
        rows = b"name,amount\n" + b"rent,1200\n" * 3_000_000
        assert (await extractor.extract(rows, "text/csv")).status is ExtractionStatus.FAILED
    finally:
        extractor.close()
    assert segments() == before


async def test_a_buffer_per_worker_is_reused_and_a_larger_document_gets_its_own() -> None:
    def segments() -> set[str]:
        return {name for name in os.listdir("/dev/shm") if name.startswith("psm_")}  # noqa: S108

    before = segments()
    extractor = IsolatedTextExtractor(workers=1, buffer_bytes=64 * 1024)
    try:
        small = samples.xlsx_file([["rent", 1200]])
        large = b"name,amount\n" + b"rent,1200\n" * 20_000  # past the 64 KB buffer
        for content, media_type in [(small, XLSX), (large, "text/csv"), (small, XLSX)]:
            extraction = await extractor.extract(content, media_type)
            assert extraction == await DocumentTextExtractor().extract(content, media_type)
            assert len(segments() - before) == 1  # the kept buffer, and nothing else left
    finally:
        extractor.close()
    assert segments() == before
