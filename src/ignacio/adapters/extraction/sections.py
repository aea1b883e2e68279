"""What every format reader shares: a text budget, clean text and tables as pipe-separated rows."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ignacio.adapters.extraction.limits import ReadBudget
from ignacio.domain.knowledge import Section, SectionKind

# Control characters carry layout in some formats (a Word cell mark, a form feed) and are noise
# once the reader has used them; tabs and line breaks are kept.
_CONTROL_CHARACTERS: dict[int, str | None] = {
    code: None for code in (*range(0x00, 0x09), 0x0B, *range(0x0E, 0x20), 0x7F)
}
_CONTROL_CHARACTERS[0x0C] = "\n\n"

_EXTRA_BLANK_LINES = re.compile(r"\n{3,}")
_TRAILING_SPACES = re.compile(r"[ \t]+\n")


class Unreadable(Exception):
    """The content cannot be read; the message says why, for a person."""


class TextLimitReached(Exception):
    """The text budget is spent: what was drawn so far is kept, the rest is left out."""


def clean_text(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_CONTROL_CHARACTERS)
    text = _TRAILING_SPACES.sub("\n", text)
    return _EXTRA_BLANK_LINES.sub("\n\n", text).strip()


class SectionSink:
    """Collects a document's sections in reading order, up to `max_chars` characters of text;
    with a `budget`, each section also checks that the extraction's time is not up."""

    def __init__(self, max_chars: int, budget: ReadBudget | None = None) -> None:
        self.sections: list[Section] = []
        self.remaining = max_chars
        self.truncated = False
        self._budget = budget

    def add(
        self,
        kind: SectionKind,
        text: str,
        *,
        location: str | None = None,
        level: int | None = None,
        cut_short: bool = False,
    ) -> None:
        """Keep a section (empty text is skipped). Raises TextLimitReached once the budget is
        spent, or after keeping this one when the reader says it was `cut_short` for the budget;
        raises LimitExceeded, before keeping this one, once the time is up.
        """
        if self._budget is not None:
            self._budget.check_time()
        text = clean_text(text)
        if len(text) > self.remaining:
            text = _cut(text, self.remaining)
            cut_short = True
        if text:
            self.sections.append(Section(kind=kind, text=text, location=location, level=level))
            self.remaining -= len(text)
        if cut_short:
            self.truncated = True
            raise TextLimitReached


def _cut(text: str, limit: int) -> str:
    cut = text[:limit]
    # Prefer ending on a whole line, then a whole word, when that loses little.
    for separator in ("\n", " "):
        position = cut.rfind(separator)
        if position > limit // 2:
            return cut[:position].rstrip()
    return cut


def table_cell(value: str) -> str:
    """A cell's text on one line, its pipes escaped so they do not read as column breaks."""
    return " ".join(value.split()).replace("|", "\\|")


class TableBuilder:
    """Rows of cells as text, one row a line, cells separated by " | ", up to `max_chars`.

    Empty rows are dropped and empty columns at the right are trimmed; other empty cells stay,
    so every column keeps its place.
    """

    def __init__(self, max_chars: int) -> None:
        self._rows: list[list[str]] = []
        self._length = 0
        self._max_chars = max_chars
        self.full = False

    def add_row(self, cells: Sequence[str]) -> bool:
        """Add a row of raw cell texts; False once the budget is spent (the row is not kept)."""
        row = [table_cell(cell) for cell in cells]
        while row and not row[-1]:
            row.pop()
        if not row:
            return True
        length = sum(len(cell) for cell in row) + 3 * (len(row) - 1) + 1
        if self._length + length > self._max_chars:
            self.full = True
            return False
        self._rows.append(row)
        self._length += length
        return True

    def text(self) -> str:
        width = max((len(row) for row in self._rows), default=0)
        padded = (" | ".join(row + [""] * (width - len(row))) for row in self._rows)
        # Cells are already on one line; this only closes the gap an empty cell leaves.
        return "\n".join(" ".join(line.split()) for line in padded)
