"""Reading `Retry-After` the way providers send it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ignacio.adapters.http_support import retry_after_seconds

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("7", 7.0),
        (" 0.5 ", 0.5),
        ("-3", 0.0),
        ("Sun, 22 Nov 2026 09:00:30 GMT", 30.0),
        ("Sun, 22 Nov 2026 08:59:00 GMT", 0.0),
        (None, None),
        ("", None),
        ("soon", None),
        ("inf", None),
        ("nan", None),
    ],
)
def test_retry_after_is_read_as_seconds_or_a_date(
    header: str | None, seconds: float | None
) -> None:
    assert retry_after_seconds(header, NOW) == seconds
