"""Phone numbers: whatever a person types, we keep E.164 or say clearly what is wrong."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ignacio.domain import InvalidInput, PhoneNumber


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("+34 612 345 678", "+34612345678"),
        ("+34-612-345-678", "+34612345678"),
        ("0034612345678", "+34612345678"),
        ("34612345678", "+34612345678"),  # WhatsApp's wa_id form, without the plus
        ("+1 (415) 555-2671", "+14155552671"),
        (" +44 7400 123456 ", "+447400123456"),
    ],
)
def test_typed_numbers_are_normalised_to_e164(typed: str, e164: str) -> None:
    assert PhoneNumber.parse(typed).e164 == e164


@pytest.mark.parametrize(
    "typed", ["", "   ", "hello", "+1", "+999 123", "12", "+34 612", "x" * 100]
)
def test_what_is_not_a_number_is_refused_with_a_message(typed: str) -> None:
    with pytest.raises(InvalidInput) as error:
        PhoneNumber.parse(typed)
    assert "phone number" in error.value.message


def test_a_struct_built_by_hand_must_already_be_e164() -> None:
    with pytest.raises(InvalidInput):
        PhoneNumber(e164="612345678")


def test_masking_hides_all_but_the_last_four_digits() -> None:
    assert PhoneNumber.parse("+34612345678").masked() == "+34*****5678"


@given(st.text(max_size=80))
def test_parsing_never_fails_other_than_with_invalid_input(text: str) -> None:
    try:
        phone = PhoneNumber.parse(text)
    except InvalidInput:
        return
    assert phone.e164.startswith("+")
    assert phone.e164[1:].isdigit()
    assert PhoneNumber.parse(phone.e164) == phone


@st.composite
def valid_numbers(draw: st.DrawFn) -> str:
    region = draw(st.sampled_from(["ES", "US", "GB", "MX", "AR", "DE", "IN", "BR", "FR", "NG"]))
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    assert example is not None
    return phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)


@given(valid_numbers(), st.sampled_from(["international", "spaced", "no_plus", "double_zero"]))
def test_every_way_of_typing_a_valid_number_gives_the_same_e164(e164: str, style: str) -> None:
    parsed = phonenumbers.parse(e164)
    typed = {
        "international": phonenumbers.format_number(
            parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL
        ),
        "spaced": " ".join(e164),
        "no_plus": e164[1:],
        "double_zero": "00" + e164[1:],
    }[style]
    assert PhoneNumber.parse(typed).e164 == e164


def test_numbers_from_a_provider_need_only_be_possible() -> None:
    assert PhoneNumber.from_provider("15551234567").e164 == "+15551234567"
    assert PhoneNumber.from_provider("972987654321").e164 == "+972987654321"
    with pytest.raises(InvalidInput):
        PhoneNumber.parse("+15551234567")
    with pytest.raises(InvalidInput):
        PhoneNumber.from_provider("12")
