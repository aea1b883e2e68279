"""Cutting a document's sections into searchable passages that follow its structure.

The rules, in order of precedence:

- A chunk never mixes two locations (two pages, two slides, two sheets).
- A heading starts a new chunk, and every chunk under it begins with its heading path
  ("Report > Budget"), so a passage read alone still says what it is about.
- Consecutive small paragraphs are packed together up to the size limit.
- A paragraph too long for one chunk is cut at sentence ends, then line ends, then between words
  (a single word longer than the limit is cut between characters); consecutive pieces repeat
  about `overlap` characters so a sentence cut between two chunks is found in both.
- A table or a sheet too long for one chunk is cut between rows, and every piece repeats the
  header row, so each piece still says what its columns are.

Every chunk is at most `max_chars` characters, heading path included: the path takes at most a
quarter of the limit (outer headings are dropped first), the body the rest. Whitespace is
normalised: single spaces within a line, one newline between lines or table rows, a blank line
between paragraphs. No text is lost: a heading nothing followed is kept as a chunk of its own,
and any word of at most `max_chars // 2` characters appears whole in some chunk.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from ignacio.domain.knowledge import Chunk, Section, SectionKind

MIN_MAX_CHARS = 80
"""Below this a chunk could not hold a heading path and some text."""

HEADING_SEPARATOR = " > "
_BODY_SEPARATOR = "\n\n"
_TABULAR = frozenset({SectionKind.TABLE, SectionKind.SHEET})
_BLANK_LINES = re.compile(r"\n[^\S\n]*\n\s*")
_SENTENCE_END = re.compile(r"(?<=[.!?…。\uff01\uff1f])\s+")


def chunk_sections(
    sections: Sequence[Section], *, max_chars: int = 1200, overlap: int = 150
) -> list[Chunk]:
    """The chunks of a document's sections, in reading order, numbered from 0.

    Raises ValueError when `max_chars` is below MIN_MAX_CHARS or `overlap` is negative or more
    than a quarter of `max_chars` (a piece must always make progress past the repeated part).
    """
    if max_chars < MIN_MAX_CHARS:
        raise ValueError(f"max_chars must be at least {MIN_MAX_CHARS}, not {max_chars}")
    if not 0 <= overlap <= max_chars // 4:
        raise ValueError(f"overlap must be between 0 and max_chars // 4, not {overlap}")
    chunker = _Chunker(max_chars=max_chars, overlap=overlap)
    for section in sections:
        chunker.add(section)
    return chunker.finish()


@dataclass
class _Heading:
    level: int
    text: str
    shown: bool = False
    """Whether some chunk already carries this heading in full."""


@dataclass
class _Chunker:
    max_chars: int
    overlap: int
    headings: list[_Heading] = field(default_factory=list)
    open_units: list[str] = field(default_factory=list)
    open_length: int = 0
    open_location: str | None = None
    chunks: list[tuple[str, str | None]] = field(default_factory=list)

    @property
    def heading_allowance(self) -> int:
        return self.max_chars // 4

    def add(self, section: Section) -> None:
        if section.kind is SectionKind.HEADING:
            title = " ".join(section.text.split())
            if title and len(title) <= self.heading_allowance:
                self._start_heading(title, 1 if section.level is None else section.level)
                return
            # A "heading" too long to head other chunks is text, not a title.
        if section.kind in _TABULAR:
            self._add_table(section.text, section.location)
            return
        for paragraph in _paragraphs(section.text):
            self._add_unit(paragraph, section.location)

    def finish(self) -> list[Chunk]:
        self._flush()
        while self.headings:
            self._close_heading()
        return [
            Chunk(ordinal=ordinal, text=text, location=location)
            for ordinal, (text, location) in enumerate(self.chunks)
        ]

    # Headings

    def _start_heading(self, title: str, level: int) -> None:
        self._flush()
        while self.headings and self.headings[-1].level >= level:
            self._close_heading()
        self.headings.append(_Heading(level=level, text=title))

    def _close_heading(self) -> None:
        if not self.headings[-1].shown:
            # Nothing followed it: keep its words searchable as a chunk of its own.
            self._emit("", None)
        self.headings.pop()

    def _heading_path(self) -> tuple[str, list[_Heading]]:
        shown = list(self.headings)
        path = HEADING_SEPARATOR.join(heading.text for heading in shown)
        while len(path) > self.heading_allowance and len(shown) > 1:
            shown.pop(0)
            path = HEADING_SEPARATOR.join(heading.text for heading in shown)
        return path, shown

    def _body_budget(self) -> int:
        path, _ = self._heading_path()
        return self.max_chars - (len(path) + len(_BODY_SEPARATOR) if path else 0)

    # Bodies

    def _add_unit(self, unit: str, location: str | None) -> None:
        if self.open_units and location != self.open_location:
            self._flush()
        budget = self._body_budget()
        joined_length = self.open_length + len(_BODY_SEPARATOR) + len(unit)
        if self.open_units and joined_length <= budget:
            self.open_units.append(unit)
            self.open_length = joined_length
            return
        self._flush()
        if len(unit) <= budget:
            self._open(unit, location)
            return
        pieces = _overlapping_pieces(unit, budget, self.overlap)
        for piece in pieces[:-1]:
            self._emit(piece, location)
        self._open(pieces[-1], location)

    def _add_table(self, text: str, location: str | None) -> None:
        rows = [line for line in (" ".join(raw.split()) for raw in text.splitlines()) if line]
        if not rows:
            return
        table = "\n".join(rows)
        budget = self._body_budget()
        if len(table) <= budget:
            self._add_unit(table, location)
            return
        self._flush()
        for piece in _table_pieces(rows, budget):
            self._emit(piece, location)

    def _open(self, unit: str, location: str | None) -> None:
        self.open_units = [unit]
        self.open_length = len(unit)
        self.open_location = location

    def _flush(self) -> None:
        if self.open_units:
            self._emit(_BODY_SEPARATOR.join(self.open_units), self.open_location)
        self.open_units = []
        self.open_length = 0
        self.open_location = None

    def _emit(self, body: str, location: str | None) -> None:
        path, shown = self._heading_path()
        outer = self.headings[: len(self.headings) - len(shown)]
        left_out = [heading for heading in outer if not heading.shown]
        if left_out:
            # Outer headings the path has no room for still get a chunk, before the body.
            self._emit_headings_alone(left_out)
        for heading in shown:
            heading.shown = True
        text = f"{path}{_BODY_SEPARATOR}{body}" if path and body else path or body
        if text:
            self.chunks.append((text, location))

    def _emit_headings_alone(self, headings: list[_Heading]) -> None:
        path = ""
        for heading in headings:
            heading.shown = True
            joined = f"{path}{HEADING_SEPARATOR}{heading.text}" if path else heading.text
            if len(joined) > self.max_chars:
                self.chunks.append((path, None))
                joined = heading.text
            path = joined
        self.chunks.append((path, None))


def _paragraphs(text: str) -> Iterator[str]:
    for block in _BLANK_LINES.split(text):
        lines = (" ".join(line.split()) for line in block.splitlines())
        paragraph = "\n".join(line for line in lines if line)
        if paragraph:
            yield paragraph


def _overlapping_pieces(text: str, budget: int, overlap: int) -> list[str]:
    pieces: list[str] = []
    current: list[str] = []
    current_length = 0
    for atom in _atoms(text, budget):
        if current and current_length + 1 + len(atom) > budget:
            piece = " ".join(current)
            pieces.append(piece)
            tail = _tail(piece, overlap)
            if tail and len(tail) + 1 + len(atom) <= budget:
                current, current_length = [tail], len(tail)
            else:
                current, current_length = [], 0
        current_length += (1 if current else 0) + len(atom)
        current.append(atom)
    if current:
        pieces.append(" ".join(current))
    return pieces


def _atoms(text: str, budget: int) -> Iterator[str]:
    """The text as a run of sentences, each cut into lines, then words, then characters when
    longer than the budget."""
    for sentence in _SENTENCE_END.split(text):
        flat = " ".join(sentence.split())
        if len(flat) <= budget:
            if flat:
                yield flat
            continue
        for line in sentence.splitlines():
            flat_line = " ".join(line.split())
            if len(flat_line) <= budget:
                if flat_line:
                    yield flat_line
                continue
            for word in flat_line.split(" "):
                yield from (word[start : start + budget] for start in range(0, len(word), budget))


def _tail(piece: str, overlap: int) -> str:
    words: list[str] = []
    length = -1
    for word in reversed(piece.split(" ")):
        if length + 1 + len(word) > overlap:
            break
        words.append(word)
        length += 1 + len(word)
    return " ".join(reversed(words))


def _table_pieces(rows: list[str], budget: int) -> Iterator[str]:
    header, body = rows[0], rows[1:]
    if len(header) > budget // 2 or not body:
        # A header that would crowd out the rows is not worth repeating.
        header, body = "", rows
    room = budget - (len(header) + 1 if header else 0)
    current: list[str] = []
    current_length = -1
    header_shown = False
    for row in body:
        if len(row) > room:
            if current:
                yield _with_header(header, current)
                current, current_length = [], -1
                header_shown = True
            if header and not header_shown:
                # Rows too long to go with it would otherwise leave the header in no chunk.
                yield header
                header_shown = True
            yield from _overlapping_pieces(row, budget, 0)
            continue
        if current_length + 1 + len(row) > room:
            yield _with_header(header, current)
            current, current_length = [], -1
            header_shown = True
        current.append(row)
        current_length += 1 + len(row)
    if current:
        yield _with_header(header, current)


def _with_header(header: str, rows: list[str]) -> str:
    return "\n".join([header, *rows] if header else rows)
