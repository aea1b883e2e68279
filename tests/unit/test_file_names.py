"""Stored file names can never climb out of their folder or carry surprises."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ignacio.domain.files import MAX_FILE_NAME_LENGTH, safe_file_name


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("report.pdf", "report.pdf"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\ana\\plan.docx", "plan.docx"),
        (".hidden", "hidden"),
        ("rm -rf $(x).txt", "rm -rf _x_.txt"),
        ("", "image.jpg"),
        (None, "image.jpg"),
        ("...", "image.jpg"),
        ("Presentación final.pptx", "Presentación final.pptx"),
    ],
)
def test_names_are_made_safe(name: str | None, safe: str) -> None:
    assert safe_file_name(name, "image.jpg") == safe


def test_long_names_keep_their_extension() -> None:
    name = safe_file_name("a" * 500 + ".pdf", "file")
    assert len(name) == MAX_FILE_NAME_LENGTH
    assert name.endswith(".pdf")


@given(st.text(max_size=300))
def test_any_name_becomes_one_harmless_path_segment(name: str) -> None:
    safe = safe_file_name(name, "file")
    assert safe
    assert "/" not in safe and "\\" not in safe and "\x00" not in safe
    assert not safe.startswith(".")
    assert safe not in {".", ".."}
    assert len(safe) <= MAX_FILE_NAME_LENGTH
