"""A member edits a message they sent: when the edit asks something new.

WhatsApp lets a person edit a message (its text, or a photo's caption) for 15 minutes after
sending it. An edit of a message the assistant has not answered yet is simply what it answers.
An edit of a message already answered is a new turn only when it asks something else
(`same_question`); a slip of the keyboard fixed is not a new question.
"""

from __future__ import annotations

import unicodedata
from enum import StrEnum

TYPO_FIXES = 2
"""How many words one edit may fix and still ask the same question."""
TYPO_WORD_LENGTH = 4
"""Words shorter than this are never taken as mistyped: in 'can'/'cant' or 'is'/'its' one letter
changes the meaning."""


class EditEffect(StrEnum):
    """What a member's edit does to the message it edits."""

    UNCHANGED = "unchanged"  # the words it already has: a redelivery, or an edit undone
    STALE = "stale"  # older than the edit it already took in (deliveries came out of order)
    DELETED = "deleted"  # the member deleted the message: there is nothing to edit
    REWORDED = "reworded"  # new words, and no new answer for them
    NEW_QUESTION = "new_question"  # answered already, and the edit asks something else


def words(text: str) -> list[str]:
    """The words of `text` as the rule compares them: Unicode-normalised (NFKC), case-folded,
    and split on everything that is not a letter or a digit (punctuation, symbols, emoji,
    spacing), which therefore never changes a question."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    kept = "".join(
        character if unicodedata.category(character)[0] in "LN" else " " for character in folded
    )
    return kept.split()


def same_question(before: str, after: str) -> bool:
    """Whether `after`, an edit of `before`, asks what `before` asked (so needs no new answer).

    The rule: both have the same words (see `words`) in the same order, except at most
    `TYPO_FIXES` words each changed by one slip of the keyboard: one letter added, dropped or
    replaced, or two neighbouring letters swapped, in a word of at least `TYPO_WORD_LENGTH`
    letters with no digit. Anything else asks something new: a word more or fewer, another
    number or date digit, a short word changed, a word changed by more than one slip.

    When in doubt the edit is taken as a new question: a second answer costs less than a
    question left unanswered.
    """
    old, new = words(before), words(after)
    if len(old) != len(new):
        return False
    fixes = 0
    for a, b in zip(old, new, strict=True):
        if a == b:
            continue
        if not _one_slip(a, b):
            return False
        fixes += 1
        if fixes > TYPO_FIXES:
            return False
    return True


def _one_slip(a: str, b: str) -> bool:
    """Whether `a` and `b` are one slip of the keyboard apart, in words long enough to tell."""
    if min(len(a), len(b)) < TYPO_WORD_LENGTH or any(c.isdigit() for c in a + b):
        return False
    if len(a) == len(b):
        differ = [i for i in range(len(a)) if a[i] != b[i]]
        if len(differ) == 1:
            return True
        return (
            len(differ) == 2
            and differ[1] == differ[0] + 1
            and a[differ[0]] == b[differ[1]]
            and a[differ[1]] == b[differ[0]]
        )
    if abs(len(a) - len(b)) != 1:
        return False
    short, long = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long[i]:
        i += 1
    return short[i:] == long[i + 1 :]
