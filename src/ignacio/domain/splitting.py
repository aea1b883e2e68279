"""Splitting long answers into the parts a messaging provider accepts."""

from __future__ import annotations

import re

from ignacio.domain.errors import InvalidInput

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


def split_text(text: str, limit: int) -> list[str]:
    """Parts of at most `limit` characters whose concatenation, with the separators at the cuts
    restored, is the text.

    Cuts prefer a paragraph break, then a line break, then the end of a sentence, then a space;
    only a single unbroken run longer than `limit` is cut mid-word. Cuts are made between Python
    characters (code points), so no character is ever broken; a part never starts or ends with
    the whitespace it was cut at.
    """
    if limit < 1:
        raise InvalidInput("A message part must allow at least one character.")
    parts: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        cut = _best_cut(rest, limit)
        head, rest = rest[:cut].rstrip(), rest[cut:].lstrip()
        if head:
            parts.append(head)
    if rest:
        parts.append(rest)
    return parts


def _best_cut(text: str, limit: int) -> int:
    window = text[: limit + 1]
    # Never accept a cut so early that parts become tiny: a third of the limit at least.
    floor = max(1, limit // 3)
    for separator in ("\n\n", "\n"):
        position = window.rfind(separator, floor)
        if position > 0:
            return position
    sentence_ends = [match.end() for match in _SENTENCE_END.finditer(window) if match.end() > floor]
    sentence_ends = [end for end in sentence_ends if end <= limit]
    if sentence_ends:
        return sentence_ends[-1]
    space = window.rfind(" ", floor)
    if space > 0:
        return space
    return limit
