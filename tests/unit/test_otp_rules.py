"""Login codes: six digits, generated unpredictably, read forgivingly."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ignacio.domain import InvalidInput, OtpCode, OtpPolicy


def test_generated_codes_have_six_digits_and_vary() -> None:
    codes = {OtpCode.generate().digits for _ in range(200)}
    assert all(len(code) == 6 and code.isdigit() for code in codes)
    assert len(codes) > 190


@given(st.integers(min_value=0, max_value=999_999), st.sampled_from(["", " ", "-"]))
def test_a_code_typed_with_separators_reads_as_its_digits(value: int, separator: str) -> None:
    digits = f"{value:06d}"
    typed = digits[:3] + separator + digits[3:]
    assert OtpCode.parse(typed).digits == digits


@given(st.text(max_size=12))
def test_anything_else_is_refused(text: str) -> None:
    cleaned = "".join(text.replace("-", " ").split())
    if len(cleaned) == 6 and cleaned.isascii() and cleaned.isdigit():
        assert OtpCode.parse(text).digits == cleaned
    else:
        with pytest.raises(InvalidInput):
            OtpCode.parse(text)


def test_a_policy_needs_a_lifetime_and_attempts() -> None:
    with pytest.raises(InvalidInput):
        OtpPolicy(ttl=timedelta(0))
    with pytest.raises(InvalidInput):
        OtpPolicy(max_attempts=0)
