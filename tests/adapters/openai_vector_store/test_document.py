"""The Markdown uploaded for a file, and reading a search hit back."""

from __future__ import annotations

from uuid import uuid4

from ignacio.adapters.openai_vector_store.document import read_hit, render, upload_name
from ignacio.application.ports import IndexedFile
from ignacio.domain.knowledge import Chunk


def a_file(name: str, *chunks: Chunk) -> IndexedFile:
    return IndexedFile(
        workspace_id=uuid4(),
        user_id=uuid4(),
        file_id=uuid4(),
        file_name=name,
        media_type="text/plain",
        chunks=[*chunks],
    )


def test_chunks_are_rendered_in_order_under_their_locations() -> None:
    file = a_file(
        "report.pdf",
        Chunk(ordinal=2, text="Third.", location="page 2"),
        Chunk(ordinal=0, text="First.", location="page 1"),
        Chunk(ordinal=1, text="  Second.  ", location="page 1"),
        Chunk(ordinal=3, text="Fourth, nowhere in particular."),
    )

    assert render(file) == (
        "# report.pdf\n\n## page 1\n\nFirst.\n\nSecond.\n\n## page 2\n\nThird.\n\n"
        "Fourth, nowhere in particular.\n"
    )


def test_a_file_without_text_renders_nothing() -> None:
    assert render(a_file("empty.pdf")) is None
    assert render(a_file("blank.pdf", Chunk(ordinal=0, text=" \n "))) is None


def test_upload_names_are_safe() -> None:
    assert upload_name(a_file("Plan 2025 (v2).docx")) == "Plan 2025 (v2).docx.md"
    assert upload_name(a_file('../../etc/"passwd"\n')) == "etc_passwd.md"
    assert upload_name(a_file("...")) == "file.md"
    assert len(upload_name(a_file("x" * 500))) == 123


def test_a_hit_loses_the_title_and_tells_its_location() -> None:
    assert read_hit("# a.pdf\n\n## page 3\n\nText.", "a.pdf") == ("Text.", "page 3")
    assert read_hit("tail of page 1\n\n## page 2\n\nmore", "a.pdf") == (
        "tail of page 1\n\n## page 2\n\nmore",
        "page 2",
    )
    assert read_hit("plain text", "a.pdf") == ("plain text", None)
