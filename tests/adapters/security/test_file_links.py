"""SignedFileLinks: a link reads its file until it expires, and nothing else reads at all."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ignacio.adapters.security import SignedFileLinks
from ignacio.application.ports import LinkedFile
from ignacio.domain import NotFound

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
SECRET = b"k" * 32
FILE = LinkedFile(path="users/u1/files/f1/map.png", media_type="image/png", file_name="map.png")


def test_a_link_reads_its_file_for_an_hour() -> None:
    links = SignedFileLinks(SECRET, "https://ignacio.example.org/")
    link = links.link(FILE, NOW)
    assert link is not None and link.startswith("https://ignacio.example.org/media/")
    token = link.rsplit("/", 1)[1]

    assert links.read(token, NOW + timedelta(minutes=59)) == FILE
    with pytest.raises(NotFound):
        links.read(token, NOW + timedelta(hours=1))


def test_without_a_public_address_there_is_no_link() -> None:
    assert SignedFileLinks(SECRET, None).link(FILE, NOW) is None


def test_another_key_s_link_reads_nothing() -> None:
    link = SignedFileLinks(b"o" * 32, "https://x.example").link(FILE, NOW)
    assert link is not None
    with pytest.raises(NotFound):
        SignedFileLinks(SECRET, "https://x.example").read(link.rsplit("/", 1)[1], NOW)


@given(st.text(max_size=300))
def test_no_made_up_token_reads_anything(token: str) -> None:
    with pytest.raises(NotFound):
        SignedFileLinks(SECRET, "https://x.example").read(token, NOW)
