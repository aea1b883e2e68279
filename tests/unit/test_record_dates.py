"""Relative dates as members say them, in English and Spanish, resolved in the workspace's
time zone: never before the workspace's today, a weekday within the next week."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ignacio.domain.errors import InvalidInput
from ignacio.domain.records import local_today, resolve_date

WEDNESDAY = date(2026, 12, 9)
FRIDAY = date(2026, 12, 11)

SPANISH_WEEKDAYS = {
    "lunes": 0,
    "martes": 1,
    "miércoles": 2,
    "miercoles": 2,
    "jueves": 3,
    "viernes": 4,
    "sábado": 5,
    "sabado": 5,
    "domingo": 6,
}
ENGLISH_WEEKDAYS = {
    day: n
    for n, day in enumerate(
        ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
    )
}
# Days from today of the words that say it outright.
DAYS = {
    "today": 0,
    "hoy": 0,
    "tomorrow": 1,
    "mañana": 1,
    "the day after tomorrow": 2,
    "pasado mañana": 2,
    "next week": 7,
    "la próxima semana": 7,
    "la semana que viene": 7,
}
ZONES = [
    None,
    "Europe/Madrid",
    "America/Mexico_City",
    "America/Bogota",
    "America/Argentina/Buenos_Aires",
    "Pacific/Kiritimati",
    "Pacific/Pago_Pago",
    "Asia/Tokyo",
]


@pytest.mark.parametrize(
    ("said", "meant"),
    [
        ("el viernes", FRIDAY),
        ("para el Viernes", FRIDAY),
        ("antes del viernes", FRIDAY),
        ("el próximo viernes", FRIDAY),
        ("el viernes que viene", FRIDAY),
        ("miércoles", WEDNESDAY + timedelta(days=7)),
        ("el lunes", date(2026, 12, 14)),
        ("hoy", WEDNESDAY),
        ("mañana", date(2026, 12, 10)),
        ("MAÑANA", date(2026, 12, 10)),
        ("manana", date(2026, 12, 10)),
        ("pasado mañana", date(2026, 12, 11)),
        ("la próxima semana", date(2026, 12, 16)),
        ("para la semana que viene", date(2026, 12, 16)),
        ("next week", date(2026, 12, 16)),
        ("by next week", date(2026, 12, 16)),
        ("the day after tomorrow", date(2026, 12, 11)),
        ("en 3 días", date(2026, 12, 12)),
        ("dentro de 2 semanas", date(2026, 12, 23)),
    ],
)
def test_spanish_and_more_english_are_read(said: str, meant: date) -> None:
    assert resolve_date(said, WEDNESDAY) == meant


@pytest.mark.parametrize("said", ["el", "próximo", "la semana", "viernes 13", "mañana por la"])
def test_what_is_not_a_date_is_refused_saying_how_to_give_one(said: str) -> None:
    with pytest.raises(InvalidInput, match="mañana"):
        resolve_date(said, WEDNESDAY)


def _cased(text: str, upper: list[bool]) -> str:
    return "".join(c.upper() if up else c for c, up in zip(text, upper * len(text), strict=False))


weekday_phrases = st.one_of(
    st.tuples(
        st.sampled_from(["", "by ", "on ", "before ", "until ", "this ", "next ", "by next "]),
        st.sampled_from(sorted(ENGLISH_WEEKDAYS)),
        st.just(""),
    ),
    st.tuples(
        st.sampled_from(["", "el ", "para el ", "antes del ", "hasta el ", "el próximo ", "este "]),
        st.sampled_from(sorted(SPANISH_WEEKDAYS)),
        st.sampled_from(["", " que viene", " próximo"]),
    ),
)
moments = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.just(UTC)
)


@given(
    phrase=weekday_phrases,
    now=moments,
    zone=st.sampled_from(ZONES),
    upper=st.lists(st.booleans(), min_size=1, max_size=5),
)
def test_a_weekday_is_the_next_one_within_eight_days_of_the_workspace_s_today(
    phrase: tuple[str, str, str], now: datetime, zone: str | None, upper: list[bool]
) -> None:
    before, day, after = phrase
    today = local_today(now, zone)
    said = _cased(f"{before}{day}{after}", upper)
    resolved = resolve_date(said, today)
    assert today < resolved <= today + timedelta(days=7)  # within 8 days, today excluded
    named = ENGLISH_WEEKDAYS.get(day, SPANISH_WEEKDAYS.get(day))
    assert resolved.weekday() == named


@given(
    filler=st.sampled_from(["", "by ", "para ", "hasta ", "until "]),
    words=st.sampled_from(sorted(DAYS)),
    now=moments,
    zone=st.sampled_from(ZONES),
)
def test_every_relative_phrase_is_on_or_after_the_workspace_s_today(
    filler: str, words: str, now: datetime, zone: str | None
) -> None:
    today = local_today(now, zone)
    # The workspace's today is the UTC date, or a day either side of it.
    assert abs((today - now.date()).days) <= 1
    resolved = resolve_date(f"{filler}{words}", today)
    assert resolved == today + timedelta(days=DAYS[words])
    assert resolved >= today


@given(count=st.integers(0, 999), unit=st.sampled_from(["días", "dias", "semanas", "days"]))
def test_in_n_days_or_weeks_is_never_before_today(count: int, unit: str) -> None:
    preposition = "in" if unit == "days" else "en"
    resolved = resolve_date(f"{preposition} {count} {unit}", WEDNESDAY)
    weeks = unit.startswith("semana")
    assert resolved == WEDNESDAY + timedelta(days=count * (7 if weeks else 1))
