"""Pacing from the environment: Meta's pair rate and throughput by default, each adjustable."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ignacio.entrypoints.config import ConfigurationError, Settings
from ignacio.entrypoints.container import build_container
from tests.support.system import settings_for_tests


def test_by_default_one_person_gets_five_at_once_then_one_every_six_seconds() -> None:
    pacing = Settings.from_env({}).pacing

    assert (pacing.pair_interval, pacing.pair_burst) == (6.0, 5)
    assert pacing.throughput == 80
    assert pacing.deadline == timedelta(minutes=10)


def test_the_pacer_is_built_from_the_environment() -> None:
    settings = settings_for_tests(
        IGNACIO_WHATSAPP_PAIR_INTERVAL_SECONDS="2.5",
        IGNACIO_WHATSAPP_PAIR_BURST="3",
        IGNACIO_WHATSAPP_THROUGHPUT="250",
        IGNACIO_WHATSAPP_PACING_DEADLINE_SECONDS="120",
    )

    policy = build_container(settings).pacer().pacing

    assert (policy.pair_interval, policy.pair_burst, policy.pair_window) == (2.5, 3, 8)
    assert (policy.throughput, policy.deadline) == (250, timedelta(seconds=120))


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("IGNACIO_WHATSAPP_PAIR_INTERVAL_SECONDS", "-1"),
        ("IGNACIO_WHATSAPP_PAIR_BURST", "0"),
        ("IGNACIO_WHATSAPP_THROUGHPUT", "0"),
        ("IGNACIO_WHATSAPP_PACING_DEADLINE_SECONDS", "0"),
    ],
)
def test_a_pacing_that_cannot_work_is_refused_naming_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigurationError, match=name):
        Settings.from_env({name: value})
