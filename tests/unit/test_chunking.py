"""Chunks follow the document's structure, stay within the limit, and lose no word."""

from __future__ import annotations

import itertools
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ignacio.domain.chunking import MIN_MAX_CHARS, chunk_sections
from ignacio.domain.knowledge import Chunk, Section, SectionKind

Kind = SectionKind


def heading(text: str, level: int | None = None) -> Section:
    return Section(kind=Kind.HEADING, text=text, level=level)


def paragraph(text: str, location: str | None = None) -> Section:
    return Section(kind=Kind.PARAGRAPH, text=text, location=location)


def texts(chunks: list[Chunk]) -> list[str]:
    return [chunk.text for chunk in chunks]


def test_nothing_gives_no_chunks() -> None:
    assert chunk_sections([]) == []
    assert chunk_sections([paragraph("  \n\t "), heading(" ")]) == []


def test_small_paragraphs_are_packed_under_their_heading_path() -> None:
    chunks = chunk_sections(
        [
            heading("Annual report", 0),
            heading("Budget", 1),
            paragraph("Rent went up."),
            paragraph("Food  went\tdown."),
            heading("Staff", 1),
            paragraph("Two people joined."),
            heading("Hiring", 2),
            paragraph("Two more in June."),
        ]
    )
    assert chunks == [
        Chunk(ordinal=0, text="Annual report > Budget\n\nRent went up.\n\nFood went down."),
        Chunk(ordinal=1, text="Annual report > Staff\n\nTwo people joined."),
        Chunk(ordinal=2, text="Annual report > Staff > Hiring\n\nTwo more in June."),
    ]


def test_headings_without_a_level_are_siblings() -> None:
    chunks = chunk_sections(
        [heading("One"), paragraph("First."), heading("Two"), paragraph("Second.")]
    )
    assert texts(chunks) == ["One\n\nFirst.", "Two\n\nSecond."]


def test_a_heading_nothing_follows_is_kept() -> None:
    chunks = chunk_sections([paragraph("Body."), heading("Appendix", 1), heading("Empty", 2)])
    assert texts(chunks) == ["Body.", "Appendix > Empty"]


def test_packing_stops_at_the_limit() -> None:
    sentences = [f"Sentence number {index} is here." for index in range(40)]
    chunks = chunk_sections([paragraph(text) for text in sentences], max_chars=200, overlap=0)
    assert all(len(chunk.text) <= 200 for chunk in chunks)
    assert " ".join(texts(chunks)).split() == " ".join(sentences).split()
    assert len(chunks) > 1


def test_a_long_paragraph_is_cut_at_sentences_with_overlap() -> None:
    sentences = [f"This is sentence {index} of a long paragraph." for index in range(30)]
    chunks = chunk_sections([paragraph(" ".join(sentences))], max_chars=300, overlap=60)
    assert len(chunks) > 2
    for chunk in chunks:
        assert len(chunk.text) <= 300
    for previous, following in itertools.pairwise(chunks):
        # Each piece starts with the last words of the one before.
        first_words = following.text.split()[:3]
        assert " ".join(first_words) in previous.text
    assert chunks[0].text.startswith("This is sentence 0")
    assert chunks[-1].text.endswith("sentence 29 of a long paragraph.")


def test_a_sentence_longer_than_the_limit_is_cut_between_words() -> None:
    words = [f"word{index}" for index in range(200)]
    chunks = chunk_sections([paragraph(" ".join(words))], max_chars=100, overlap=0)
    assert all(len(chunk.text) <= 100 for chunk in chunks)
    assert " ".join(texts(chunks)).split() == words


def test_a_word_longer_than_the_limit_is_cut_between_characters() -> None:
    chunks = chunk_sections([paragraph("x" * 250)], max_chars=100, overlap=0)
    assert texts(chunks) == ["x" * 100, "x" * 100, "x" * 50]


def test_a_long_table_is_cut_between_rows_repeating_its_header() -> None:
    rows = ["Item | Cost"] + [f"thing {index} | {index * 10}" for index in range(60)]
    table = Section(kind=Kind.SHEET, text="\n".join(rows), location="sheet Budget")
    chunks = chunk_sections([table], max_chars=150, overlap=30)
    assert len(chunks) > 3
    seen_rows: list[str] = []
    for chunk in chunks:
        lines = chunk.text.split("\n")
        assert lines[0] == "Item | Cost"
        assert chunk.location == "sheet Budget"
        assert len(chunk.text) <= 150
        seen_rows += lines[1:]
    assert seen_rows == rows[1:]


def test_a_header_whose_rows_are_too_long_to_go_with_it_still_has_a_chunk() -> None:
    # Found by the property below: each row alone fills a chunk, so the header went nowhere.
    table = Section(
        kind=SectionKind.TABLE,
        text="Product Price Stock\n" + "\n".join(["Hand-thrown bowl, glazed " * 3] * 2),
    )

    chunks = chunk_sections([table], max_chars=80, overlap=0)

    assert chunks[0].text == "Product Price Stock"
    assert all("Product" not in chunk.text for chunk in chunks[1:])
    assert len(chunks) == 3


def test_a_small_table_is_packed_like_a_paragraph() -> None:
    chunks = chunk_sections(
        [paragraph("Costs:"), Section(kind=Kind.TABLE, text="a | b\n1 | 2\n\n3 | 4")]
    )
    assert texts(chunks) == ["Costs:\n\na | b\n1 | 2\n3 | 4"]


def test_chunks_never_mix_locations() -> None:
    chunks = chunk_sections(
        [
            Section(kind=Kind.PAGE, text="Page one text.", location="page 1"),
            Section(kind=Kind.PAGE, text="Page two text.", location="page 2"),
            Section(kind=Kind.SLIDE, text="Title\n\nBody", location="slide 1"),
        ]
    )
    assert [(chunk.text, chunk.location) for chunk in chunks] == [
        ("Page one text.", "page 1"),
        ("Page two text.", "page 2"),
        ("Title\n\nBody", "slide 1"),
    ]


def test_a_long_heading_path_drops_outer_headings_first() -> None:
    path = [heading(f"Level {level} heading", level) for level in range(1, 10)]
    chunks = chunk_sections([*path, paragraph("Deep text.")], max_chars=100, overlap=0)
    # The outer headings the path has no room for are still found, in a chunk before it.
    assert texts(chunks) == [
        " > ".join(f"Level {level} heading" for level in range(1, 6)),
        " > ".join(f"Level {level} heading" for level in range(6, 9)),
        "Level 9 heading\n\nDeep text.",
    ]


def test_a_heading_too_long_to_head_chunks_is_kept_as_text() -> None:
    long_title = "A heading that is really a whole paragraph of text " * 3
    chunks = chunk_sections([heading(long_title), paragraph("Body.")], max_chars=200, overlap=0)
    assert texts(chunks) == [" ".join(long_title.split()) + "\n\nBody."]


def test_line_breaks_within_a_paragraph_are_kept() -> None:
    chunks = chunk_sections([paragraph("  first line  \n\n\n  second   line \nthird\r\n")])
    assert texts(chunks) == ["first line\n\nsecond line\nthird"]


@pytest.mark.parametrize(("max_chars", "overlap"), [(MIN_MAX_CHARS - 1, 0), (400, -1), (400, 101)])
def test_settings_outside_the_rules_are_refused(max_chars: int, overlap: int) -> None:
    with pytest.raises(ValueError, match="must be"):
        chunk_sections([paragraph("text")], max_chars=max_chars, overlap=overlap)


# Properties

_WORD = st.text(
    alphabet=st.characters(codec="utf-8", categories=["L", "N", "P", "S"]), min_size=1, max_size=30
)
_SPACE = st.sampled_from([" ", "  ", "\n", "\n\n", "\t", " \n \n"])
_TEXT = st.lists(st.tuples(_WORD, _SPACE), max_size=80).map(
    lambda pairs: "".join(word + space for word, space in pairs)
)
_WORD_OR_LONG = st.one_of(_TEXT, st.text(max_size=400), _WORD.map(lambda word: word * 40))
_SECTION = st.builds(
    Section,
    kind=st.sampled_from(list(SectionKind)),
    text=_WORD_OR_LONG,
    location=st.none() | st.sampled_from(["page 1", "page 2", "slide 1", "sheet A"]),
    level=st.none() | st.integers(min_value=0, max_value=6),
)
_SETTINGS = st.integers(min_value=MIN_MAX_CHARS, max_value=1_500).flatmap(
    lambda max_chars: st.tuples(st.just(max_chars), st.integers(0, max_chars // 4))
)


@settings(max_examples=300, deadline=None)
@given(sections=st.lists(_SECTION, max_size=25), limits=_SETTINGS)
def test_chunks_keep_the_rules_for_any_document(
    sections: list[Section], limits: tuple[int, int]
) -> None:
    max_chars, overlap = limits
    chunks = chunk_sections(sections, max_chars=max_chars, overlap=overlap)

    assert [chunk.ordinal for chunk in chunks] == list(range(len(chunks)))
    for chunk in chunks:
        assert chunk.text
        assert len(chunk.text) <= max_chars
        assert chunk.text == chunk.text.strip()
        assert not re.search(r"[^\S\n]{2}|[^\S \n]|\n{3}| \n|\n ", chunk.text), chunk.text

    # Every word short enough to fit whole is found whole in some chunk.
    found = {word for chunk in chunks for word in chunk.text.split()}
    for section in sections:
        for word in section.text.split():
            if len(word) <= max_chars // 2:
                assert word in found, word
