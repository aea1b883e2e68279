"""Long answers are split where a reader would split them, and nothing is lost."""

from __future__ import annotations

import functools
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ignacio.domain import InvalidInput
from ignacio.domain.splitting import split_text


def test_short_text_is_one_part() -> None:
    assert split_text("Hello there", 4096) == ["Hello there"]
    assert split_text("   ", 10) == []


def test_paragraphs_are_preferred_to_sentences() -> None:
    text = "First paragraph. Still first.\n\nSecond paragraph here."
    assert split_text(text, 40) == ["First paragraph. Still first.", "Second paragraph here."]


def test_sentences_are_preferred_to_words() -> None:
    text = "One sentence here. Another sentence follows and goes on"
    assert split_text(text, 40) == ["One sentence here.", "Another sentence follows and goes on"]


def test_a_readable_cut_that_would_cost_a_message_is_not_taken() -> None:
    # Cut at the sentence, the rest would need two more parts: three messages instead of two.
    text = "One sentence here. Another sentence follows and goes on"
    assert split_text(text, 30) == ["One sentence here. Another", "sentence follows and goes on"]


def test_paragraphs_of_an_answer_are_packed_together() -> None:
    paragraph = "word " * 199 + "end."  # 999 characters
    text = "\n\n".join([paragraph] * 8)  # 8,006 characters: two messages of Meta's 4,096
    parts = split_text(text, 4096)
    assert [len(part) for part in parts] == [4002, 4002]
    assert parts == ["\n\n".join([paragraph] * 4)] * 2


def test_an_unbroken_run_is_cut_at_the_limit() -> None:
    assert split_text("x" * 10, 4) == ["xxxx", "xxxx", "xx"]


def test_emoji_and_accents_are_never_broken() -> None:
    text = "🇪🇸é" * 3000
    parts = split_text(text, 4096)
    assert "".join(parts) == text
    assert all(len(part) <= 4096 for part in parts)


def test_the_limit_must_be_positive() -> None:
    with pytest.raises(InvalidInput):
        split_text("abc", 0)


def _words(text: str) -> list[str]:
    return text.split()


def _fewest(text: str, limit: int) -> int:
    """The fewest parts under the packing rule, by trying every way of cutting: a part ends
    where whitespace begins, or mid-word at exactly the limit when no whitespace is within it."""
    text = text.strip()
    runs = [(m.start(), m.end()) for m in re.finditer(r"\s+", text)]

    @functools.cache
    def fewest(start: int) -> int:
        if start >= len(text):
            return 0
        if len(text) - start <= limit:
            return 1
        cuts = [end for begin, end in runs if start < begin <= start + limit]
        if not cuts:
            return 1 + fewest(start + limit)
        return 1 + min(fewest(end) for end in cuts)

    return fewest(0)


def _restored(parts: list[str], text: str) -> bool:
    """Whether the text (stripped) is the parts, in order, with only whitespace between them
    (none at a mid-word cut)."""
    rest = text.strip()
    for part in parts:
        if not rest.startswith(part):
            return False
        rest = rest[len(part) :]
        stripped = rest.lstrip()
        rest = stripped
    return rest == ""


_READABLE = st.one_of(
    st.text(alphabet=st.sampled_from(list("ab .!\n\t")), max_size=400),
    # Words, sentences and paragraphs, as answers are written.
    st.lists(
        st.sampled_from(["a", "bb", "word", "longer", "end.", "so!", "\n", "\n\n"]),
        max_size=120,
    ).map(" ".join),
)


@given(_READABLE, st.integers(min_value=1, max_value=60))
def test_no_cutting_takes_fewer_parts(text: str, limit: int) -> None:
    parts = split_text(text, limit)
    assert len(parts) == _fewest(text, limit)
    assert all(0 < len(part) <= limit for part in parts)
    assert _restored(parts, text)


@given(st.text(max_size=3000), st.integers(min_value=1, max_value=600))
def test_the_text_is_the_parts_and_the_whitespace_at_the_cuts(text: str, limit: int) -> None:
    assert _restored(split_text(text, limit), text)


@given(st.text(max_size=3000), st.integers(min_value=1, max_value=600))
def test_parts_fit_and_keep_every_word(text: str, limit: int) -> None:
    parts = split_text(text, limit)
    assert all(0 < len(part) <= limit for part in parts)
    assert all(part == part.strip() for part in parts)
    # Every non-space character survives, in order.
    assert "".join("".join(parts).split()) == "".join(text.split())


@given(
    st.lists(st.text(alphabet="abcdefgh ", min_size=1, max_size=40), min_size=1, max_size=60),
    st.integers(min_value=50, max_value=400),
)
def test_words_shorter_than_the_limit_are_never_cut(words: list[str], limit: int) -> None:
    text = " ".join(words)
    parts = split_text(text, limit)
    assert [w for part in parts for w in _words(part)] == _words(text)
