"""The rule for text from outside: NUL goes, everything else stays."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from ignacio.domain import json_without_nul, without_nul

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
)


def strings_in(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [*value, *(text for item in value.values() for text in strings_in(item))]
    if isinstance(value, list):
        return [text for item in value for text in strings_in(item)]
    return []


@given(st.text())
def test_only_nul_is_dropped(text: str) -> None:
    cleaned = without_nul(text)
    assert "\x00" not in cleaned
    assert cleaned == "".join(character for character in text if character != "\x00")


@given(json_values)
def test_every_string_of_a_json_value_loses_its_nul(value: Any) -> None:
    cleaned = json_without_nul(value)
    assert all("\x00" not in text for text in strings_in(cleaned))
    assert json_without_nul(cleaned) == cleaned


def test_a_json_value_keeps_its_shape() -> None:
    assert json_without_nul({"a\x00": ["b\x00c", 1, None, {"d": "\x00"}]}) == {
        "a": ["bc", 1, None, {"d": ""}]
    }
