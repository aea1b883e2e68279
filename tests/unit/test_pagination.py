"""Cursors go out opaque and come back checked."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ignacio.domain import InvalidInput, PageRequest, Position
from ignacio.domain.pagination import decode_cursor, encode_cursor


@given(st.datetimes(timezones=st.just(UTC)), st.uuids())
def test_a_cursor_round_trips(at: datetime, id_: UUID) -> None:
    position = Position(at, id_)
    assert decode_cursor(encode_cursor(position)) == position


@given(st.text(max_size=60))
def test_a_forged_cursor_is_invalid_input(text: str) -> None:
    with contextlib.suppress(InvalidInput):
        decode_cursor(text)


@pytest.mark.parametrize("limit", [0, -1, 201])
def test_page_size_is_bounded(limit: int) -> None:
    with pytest.raises(InvalidInput):
        PageRequest(limit=limit)
