"""Splitting long answers into the parts a messaging provider accepts."""

from __future__ import annotations

import bisect
import re

from ignacio.domain.errors import InvalidInput

_SPACE = re.compile(r"\s+")
_SENTENCE_END = ".!?…"
# The kinds of cut, most readable first: a paragraph break, a line break, the end of a sentence,
# any space between words.
_PARAGRAPH, _LINE, _SENTENCE, _WORD = range(4)


def split_text(text: str, limit: int) -> list[str]:
    """As few parts of at most `limit` characters as the packing rule allows, whose
    concatenation, with the whitespace at the cuts restored, is the text (stripped).

    The packing rule: a part ends where whitespace begins (the whitespace is dropped, so a part
    never starts or ends with it); only an unbroken run longer than `limit` is cut mid-word, at
    exactly `limit` characters. Cuts are between Python characters (code points), so no
    character is ever broken.

    Every message is billed and spaced out (Meta's pair rate), so the number of parts comes
    first: it is the fewest any cutting under that rule can reach (cutting as late as possible
    each time reaches it). Among cuts that keep that number, a paragraph break is preferred, then
    a line break, then the end of a sentence, then a space; a preferred cut that would leave a
    part under a third of the limit is not taken.
    """
    if limit < 1:
        raise InvalidInput("A message part must allow at least one character.")
    return _Packing(text.strip(), limit).parts()


class _Packing:
    """The whitespace runs of a (stripped) text, and the fewest parts from any start onwards."""

    def __init__(self, text: str, limit: int) -> None:
        self.text = text
        self.limit = limit
        runs = [(m.start(), m.end()) for m in _SPACE.finditer(text)]
        self.starts = [start for start, _ in runs]
        self.ends = [end for _, end in runs]
        self.kinds = [_kind(text, start, end) for start, end in runs]
        self._counts: dict[int, int] = {}

    def parts(self) -> list[str]:
        parts: list[str] = []
        start = 0
        while start < len(self.text):
            cut, following = self._cut(start)
            parts.append(self.text[start:cut])
            start = following
        return parts

    def _cut(self, start: int) -> tuple[int, int]:
        """Where the part from `start` ends, and where the next begins."""
        if len(self.text) - start <= self.limit:
            return len(self.text), len(self.text)
        fewest = self._count(start)
        floor = start + max(1, self.limit // 3)
        for kind in (_PARAGRAPH, _LINE, _SENTENCE):
            run = self._latest(start, kind)
            if (
                run is not None
                and self.starts[run] >= floor
                and self._count(self.ends[run]) < fewest
            ):
                return self.starts[run], self.ends[run]
        return self._latest_cut(start)

    def _latest(self, start: int, kind: int) -> int | None:
        """The last whitespace run of `kind` or a more readable one that can end a part begun
        at `start` (within the limit)."""
        index = bisect.bisect_right(self.starts, start + self.limit) - 1
        while index >= 0 and self.starts[index] > start:
            if self.kinds[index] <= kind:
                return index
            index -= 1
        return None

    def _latest_cut(self, start: int) -> tuple[int, int]:
        """The cut made as late as the rule allows: at the last space within the limit, else
        mid-word at the limit."""
        run = self._latest(start, _WORD)
        if run is None:
            return start + self.limit, start + self.limit
        return self.starts[run], self.ends[run]

    def _count(self, start: int) -> int:
        """The fewest parts the text from `start` can be cut into: cutting as late as possible
        each time (a later start never needs more parts, so nothing is gained by cutting
        earlier)."""
        chain: list[int] = []
        position = start
        while position not in self._counts:
            if position >= len(self.text):
                self._counts[position] = 0
                break
            if len(self.text) - position <= self.limit:
                self._counts[position] = 1
                break
            chain.append(position)
            position = self._latest_cut(position)[1]
        count = self._counts[position]
        for position in reversed(chain):
            count += 1
            self._counts[position] = count
        return self._counts[start]


def _kind(text: str, start: int, end: int) -> int:
    breaks = text.count("\n", start, end)
    if breaks >= 2:
        return _PARAGRAPH
    if breaks == 1:
        return _LINE
    if start > 0 and text[start - 1] in _SENTENCE_END:
        return _SENTENCE
    return _WORD
