"""Approved templates: what a workspace may name, and what a use may fill them with."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ignacio.domain import InvalidInput
from ignacio.domain.templates import MAX_PARAMETER_LENGTH, MessageTemplate

FOLLOW_UP = MessageTemplate(name="follow_up", language="pt_BR", variables=("name", "topic"))


@pytest.mark.parametrize("name", ["follow_up", "a", "x" * 512, "HX" + "0f" * 16])
def test_meta_names_and_twilio_content_sids_are_taken(name: str) -> None:
    assert MessageTemplate(name=name).name == name


@pytest.mark.parametrize(
    "fields",
    [
        {"name": "Follow Up"},
        {"name": "follow-up"},
        {"name": ""},
        {"name": "x" * 513},
        {"name": "HX123"},
        {"name": "ok", "language": "english"},
        {"name": "ok", "language": "pt-BR"},
        {"name": "ok", "variables": ("",)},
        {"name": "ok", "variables": ("x",) * 11},
    ],
)
def test_what_meta_would_refuse_is_refused_with_a_reason(fields: dict[str, object]) -> None:
    with pytest.raises(InvalidInput):
        MessageTemplate(**fields)  # type: ignore[arg-type]


clean = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=80
).filter(lambda value: value.strip() and "     " not in value)


@given(clean, clean)
def test_filled_keeps_the_values_in_order_trimmed(name: str, topic: str) -> None:
    use = FOLLOW_UP.filled([name, topic])
    assert use.parameters == (name.strip(), topic.strip())
    assert (use.name, use.language) == ("follow_up", "pt_BR")
    assert use.preview().startswith("[template follow_up]")


@given(st.lists(clean, max_size=5).filter(lambda values: len(values) != 2))
def test_the_wrong_number_of_values_is_refused(values: list[str]) -> None:
    with pytest.raises(InvalidInput, match="takes 2 values"):
        FOLLOW_UP.filled(values)


@given(clean, st.sampled_from(["\n", "\r", "\t", "     "]))
def test_values_whatsapp_refuses_are_refused(value: str, bad: str) -> None:
    with pytest.raises(InvalidInput):
        FOLLOW_UP.filled([value + bad + value, "visa"])


def test_blank_or_overlong_values_are_refused() -> None:
    for value in ("   ", "x" * (MAX_PARAMETER_LENGTH + 1)):
        with pytest.raises(InvalidInput):
            FOLLOW_UP.filled([value, "visa"])
