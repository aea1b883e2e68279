"""TextExtractor that parses documents in worker processes, where a runaway cannot hurt the server.

A hostile document (a zip bomb, a file that sends a parser into a loop) must not take the
serving process's memory or its time. The parsers run in a pool of worker processes (pebble's
`ProcessPool`), each with an address-space limit (`RLIMIT_AS`): a parser that asks for more
fails there, and that worker exits so its memory goes back to the system; a parse that outlives
its time is killed by the pool. Either way the pool starts a new worker, the document is
`FAILED` with a note a person can read, and the serving process never held the document's
tree. At most `workers` documents are parsed at once; the rest wait their turn.

Workers are forked from a fork server that imported the parsers once (`forkserver` start
method): a fork of a process that runs an event loop and threads is unsafe, and a fresh
interpreter per worker would pay the parsers' second of imports each time. Python runs the
main script again in every worker it starts (when the process was started from a script, as
the `ignacio` command is); `preload` names the modules that script imports, so that the fork
server imports them once and each worker finds them loaded.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import resource
import threading
from collections.abc import Sequence
from concurrent.futures import CancelledError, Future
from concurrent.futures import TimeoutError as FutureTimeout
from multiprocessing import shared_memory
from typing import TYPE_CHECKING

from pebble import ProcessExpired, ProcessPool

from ignacio.adapters.extraction.formats import failed_note
from ignacio.adapters.extraction.limits import MB, ExtractionLimits
from ignacio.domain.knowledge import Extraction, ExtractionStatus, FileCategory, category_of

if TYPE_CHECKING:
    from ignacio.adapters.extraction.extractor import DocumentTextExtractor

DEFAULT_MEMORY_BYTES = 1024 * MB
DEFAULT_BUFFER_BYTES = 32 * MB
"""The shared buffers a document is handed to a worker in: uploads are 25 MB at most."""
_PARSERS_MODULE = "ignacio.adapters.extraction.extractor"
_OUT_OF_MEMORY_EXIT = 86
"""The exit code of a worker that ran out of memory (any code the interpreter never uses)."""
_NEAR_LIMIT = 0.9
"""A parse that failed with the worker's peak address space this close to its limit failed
for lack of memory: libxml2 reports a failed allocation as a syntax error, not MemoryError."""
_MEDIA_CATEGORIES = frozenset({FileCategory.IMAGE, FileCategory.AUDIO, FileCategory.VIDEO})


def default_workers() -> int:
    """One core is left to the server itself."""
    return max(1, (os.cpu_count() or 1) - 1)


class IsolatedTextExtractor:
    """The DocumentTextExtractor, run in a pool of `workers` processes, each limited to
    `memory_bytes` of address space and killed past `limits.max_seconds` (plus a tenth, the
    time a worker is given to stop by itself and return what it read)."""

    def __init__(
        self,
        limits: ExtractionLimits | None = None,
        *,
        memory_bytes: int = DEFAULT_MEMORY_BYTES,
        workers: int | None = None,
        preload: Sequence[str] = (),
        buffer_bytes: int = DEFAULT_BUFFER_BYTES,
    ) -> None:
        self._limits = limits or ExtractionLimits()
        self._memory_bytes = memory_bytes
        self._workers = workers or default_workers()
        self._preload = [_PARSERS_MODULE, *preload]
        self._pool: ProcessPool | None = None
        # warm_up and close run in threads of their own: a close must end a warm-up still
        # waiting (a stopped pool never answers it), and no warm-up may start a pool after it.
        self._lock = threading.Lock()
        self._closed = False
        self._warming: Future[bool] | None = None
        # A document reaches a worker through shared memory, not the pool's pipe. A buffer per
        # worker is kept and reused: making a segment and faulting in its pages for every
        # document cost as much as the pipe it replaces. A larger document gets one of its own.
        self._buffer_bytes = buffer_bytes
        self._buffers: list[shared_memory.SharedMemory] = []
        self._free: list[shared_memory.SharedMemory] = []

    async def extract(self, content: bytes, media_type: str) -> Extraction:
        if category_of(media_type) in _MEDIA_CATEGORIES:
            return Extraction(status=ExtractionStatus.NOT_APPLICABLE)
        shared, kept = self._borrow(len(content))
        try:
            _view(shared)[: len(content)] = content
            future = self._running_pool().schedule(
                _extract_in_worker,
                args=(shared.name, len(content), media_type, kept),
                timeout=self._limits.max_seconds * 1.1,
            )
            extraction: Extraction = await asyncio.wrap_future(future)
        except FutureTimeout:
            return _failed(media_type, self._limits.too_long().args[0])
        except ProcessExpired as error:
            if error.exitcode == _OUT_OF_MEMORY_EXIT:
                return _failed(media_type, self._out_of_memory())
            return _failed(media_type, "made its reader stop unexpectedly")
        except MemoryError:
            return _failed(media_type, self._out_of_memory())
        finally:
            self._give_back(shared, kept)
        return extraction

    def _borrow(self, size: int) -> tuple[shared_memory.SharedMemory, bool]:
        """A buffer for `size` bytes, and whether it is one of the kept ones."""
        with self._lock:
            if size <= self._buffer_bytes and not self._closed:
                if self._free:
                    return self._free.pop(), True
                if len(self._buffers) < self._workers:
                    buffer = shared_memory.SharedMemory(create=True, size=self._buffer_bytes)
                    self._buffers.append(buffer)
                    return buffer, True
        return shared_memory.SharedMemory(create=True, size=max(1, size)), False

    def _give_back(self, buffer: shared_memory.SharedMemory, kept: bool) -> None:
        with self._lock:
            if kept and not self._closed:
                self._free.append(buffer)
                return
        buffer.close()
        buffer.unlink()

    def warm_up(self) -> None:
        """Start the workers and wait until they can take a document (blocking: call it from
        a thread). Without it, the first document waits for them. Returns at once after
        `close`, and as soon as `close` is called."""
        with self._lock:
            if self._closed:
                return
            warming = self._warming = self._running_pool().schedule(_ready)
        with contextlib.suppress(CancelledError):
            warming.result()

    def close(self) -> None:
        """Stop the workers (blocking); a document being read then is abandoned."""
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, None
            warming, self._warming = self._warming, None
            idle, self._free = self._free, []
            # Those being read are let go by `_give_back` when their reading ends.
            self._buffers = [buffer for buffer in self._buffers if buffer not in idle]
        for buffer in idle:
            buffer.close()
            buffer.unlink()
        if warming is not None:
            warming.cancel()
        if pool is not None:
            pool.stop()  # type: ignore[no-untyped-call]  # pebble leaves it unannotated
            pool.join()

    def _running_pool(self) -> ProcessPool:
        if self._pool is None or not self._pool.active:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(self._preload)
            self._pool = ProcessPool(
                max_workers=self._workers,
                initializer=_start_worker,
                initargs=(self._limits, self._memory_bytes),
                context=context,
            )
        return self._pool

    def _out_of_memory(self) -> str:
        return f"needs more memory than allowed to read ({self._memory_bytes // MB:,} MB)"


def _view(shared: shared_memory.SharedMemory) -> memoryview:
    view = shared.buf
    assert view is not None, "the shared memory is closed"
    return view


def _failed(media_type: str, reason: str) -> Extraction:
    return Extraction(status=ExtractionStatus.FAILED, note=failed_note(media_type, reason))


# What follows runs in the worker processes.

_extractor: DocumentTextExtractor | None = None
_memory_bytes = 0
_attached: dict[str, shared_memory.SharedMemory] = {}


def _start_worker(limits: ExtractionLimits, memory_bytes: int) -> None:
    global _extractor, _memory_bytes
    from ignacio.adapters.extraction.extractor import DocumentTextExtractor

    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    _extractor = DocumentTextExtractor(limits)
    _memory_bytes = memory_bytes


def _ready() -> bool:
    return _extractor is not None


def _extract_in_worker(shared_name: str, size: int, media_type: str, kept: bool) -> Extraction:
    assert _extractor is not None, "the worker's initializer did not run"
    content = _read_shared(shared_name, size, kept)
    try:
        extraction = _extractor.extract_blocking(content, media_type)
    except MemoryError:
        # What the parser had allocated may still be held: a new worker is cleaner.
        os._exit(_OUT_OF_MEMORY_EXIT)
    if extraction.status is not ExtractionStatus.EXTRACTED and _peak_address_space() >= (
        _NEAR_LIMIT * _memory_bytes
    ):
        os._exit(_OUT_OF_MEMORY_EXIT)
    return extraction


def _read_shared(name: str, size: int, kept: bool) -> bytes:
    """The document in the named buffer; a kept buffer stays mapped for the next document."""
    shared = _attached.get(name) or shared_memory.SharedMemory(name=name)
    try:
        return bytes(_view(shared)[:size])
    finally:
        if kept:
            _attached[name] = shared
        else:
            shared.close()


def _peak_address_space() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmPeak:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0
