"""What one extraction may cost, and the guard that holds it while zipped parts are inflated.

A zipped document (DOCX, XLSX, PPTX) is read by third-party parsers that open its parts with
the standard library's `zipfile`. The sizes in the zip's directory are what the writer claims;
what counts is what inflating produces. So the guard sits where inflating happens: every part
read while a budget is active is inflated a step at a time and charged to the budget, which
stops the read (raising `LimitExceeded`) as soon as the document has produced more bytes than
allowed, or one part expands more than `max_ratio` times its compressed size (a zip bomb does
1,000 to 1; Office XML about 5 to 30; Apache POI refuses past 100 too), or time is up.
"""

from __future__ import annotations

import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

MB = 1024 * 1024
DEFAULT_MAX_BYTES = 64 * MB
DEFAULT_MAX_RATIO = 100
DEFAULT_MAX_PARTS = 10_000
DEFAULT_MAX_TEXT_CHARS = 5_000_000
DEFAULT_MAX_SECONDS = 60.0

RATIO_FLOOR = 1 * MB
"""Parts smaller than this are not held to the ratio: a small part of repeated markup may
compress very well, and cannot cost much."""
_STEP = 1 * MB
"""At most this much is inflated at a time, so a bound trips within a step of being passed."""
_BOUNDED_METHODS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})


@dataclass(frozen=True, slots=True)
class ExtractionLimits:
    """The bounds of one extraction.

    `max_bytes`: bytes inflated from a zipped document's parts, all parts together.
    `max_ratio`: how many times its compressed size one part may expand to.
    `max_parts`: parts a zipped document may list.
    `max_text_chars`: characters of text kept (the rest is left out, and the note says so).
    `max_seconds`: wall time of the extraction.
    """

    max_bytes: int = DEFAULT_MAX_BYTES
    max_ratio: int = DEFAULT_MAX_RATIO
    max_parts: int = DEFAULT_MAX_PARTS
    max_text_chars: int = DEFAULT_MAX_TEXT_CHARS
    max_seconds: float = DEFAULT_MAX_SECONDS

    def __post_init__(self) -> None:
        if min(self.max_bytes, self.max_ratio, self.max_parts, self.max_text_chars) < 1:
            raise ValueError("extraction limits must be positive")
        if self.max_seconds <= 0:
            raise ValueError("the extraction time limit must be positive")

    def too_long(self) -> LimitExceeded:
        return LimitExceeded(f"took longer than {self.max_seconds:g} s to read")


class LimitExceeded(Exception):
    """The document went past a bound. The message ends a sentence about the document ("this
    Word document ..."), for the member to read."""


class ReadBudget:
    """What one extraction has spent so far; trips once, then refuses every further read."""

    def __init__(self, limits: ExtractionLimits) -> None:
        self.limits = limits
        self.inflated = 0
        self.exceeded: LimitExceeded | None = None
        self._deadline = time.monotonic() + limits.max_seconds

    def check_time(self) -> None:
        if self.exceeded is None and time.monotonic() > self._deadline:
            self.exceeded = self.limits.too_long()
        if self.exceeded is not None:
            raise self.exceeded

    def charge(self, part: _BoundedPart, produced: int, consumed: int) -> None:
        self.inflated += produced
        part.inflated += produced
        part.compressed += consumed
        limits = self.limits
        if self.inflated > limits.max_bytes:
            self.exceeded = LimitExceeded(
                f"expands to more than {limits.max_bytes // MB:,} MB once uncompressed"
            )
        elif part.inflated > RATIO_FLOOR and part.inflated > limits.max_ratio * max(
            part.compressed, 1
        ):
            self.exceeded = LimitExceeded(
                f"has a part that expands more than {limits.max_ratio} times over once "
                "uncompressed, as zip bombs do"
            )
        self.check_time()


_active: ContextVar[ReadBudget | None] = ContextVar("extraction_read_budget", default=None)


class _BoundedPart(zipfile.ZipExtFile):
    """A zip part that, while a budget is active, inflates a step at a time and charges it."""

    inflated: int
    compressed: int

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.inflated = 0
        self.compressed = 0

    def read(self, n: int | None = -1) -> bytes:
        if _active.get() is None or (n is not None and n >= 0):
            return super().read(n)
        # The standard read of a whole part inflates it in one call; in steps, the budget
        # can stop it. Steps are joined once (appending each would copy the part every time).
        chunks = []
        while chunk := super().read(_STEP):
            chunks.append(chunk)
        return b"".join(chunks)

    def _read1(self, n: int) -> bytes:
        budget = _active.get()
        if budget is None:
            whole: bytes = super()._read1(n)  # type: ignore[misc]
            return whole
        budget.check_time()
        if self._compress_type not in _BOUNDED_METHODS:  # type: ignore[attr-defined]
            # bzip2 and LZMA inflate without a size bound per call; Office never uses them.
            budget.exceeded = LimitExceeded(
                "uses a compression method Office files do not use, so it was not opened"
            )
            raise budget.exceeded
        pending = self._compressed_pending()
        data: bytes = super()._read1(min(n, _STEP))  # type: ignore[misc]
        budget.charge(self, len(data), pending - self._compressed_pending())
        return data

    def _compressed_pending(self) -> int:
        """Compressed bytes not yet inflated: still in the file, or read ahead of inflating."""
        left: int = self._compress_left  # type: ignore[attr-defined]
        decompressor = self._decompressor  # type: ignore[attr-defined]
        return left + len(getattr(decompressor, "unconsumed_tail", b""))


def _install() -> None:
    # `ZipFile.open` builds its part readers from the module's `ZipExtFile`, looked up at each
    # call: every zip opened by any library in this process gets the bounded reader, which
    # behaves exactly as the standard one while no budget is active.
    if zipfile.ZipExtFile is not _BoundedPart:
        zipfile.ZipExtFile = _BoundedPart  # type: ignore[misc]


@contextmanager
def bounded_reading(limits: ExtractionLimits) -> Iterator[ReadBudget]:
    """Hold every zip part read in this context (this thread, this task) to `limits`."""
    _install()
    budget = ReadBudget(limits)
    token = _active.set(budget)
    try:
        yield budget
    finally:
        _active.reset(token)
