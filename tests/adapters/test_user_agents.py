"""Device names from real User-Agent headers, and nothing odd from whatever else a header holds."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ignacio.adapters.user_agents import UaParserDeviceNames

NAMES = UaParserDeviceNames()

CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


@pytest.mark.parametrize(
    ("user_agent", "name"),
    [
        (CHROME_WINDOWS, "Chrome on Windows"),
        (f"{CHROME_WINDOWS} Edg/131.0.0.0", "Edge on Windows"),
        (SAFARI_IPHONE, "Safari on iPhone"),
        (
            "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
            "Gecko) CriOS/126.0 Mobile/15E148 Safari/604.1",
            "Chrome on iPad",
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like "
            "Gecko) Version/17.4 Safari/605.1.15",
            "Safari on macOS",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.6778.81 Mobile Safari/537.36",
            "Chrome on Android",
        ),
        (
            "Mozilla/5.0 (Linux; Android 13; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) "
            "SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36",
            "Samsung Internet on Android",
        ),
        (
            "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
            "Firefox on Linux",
        ),
        (
            "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Safari/537.36",
            "Chrome on ChromeOS",
        ),
        ("curl/8.5.0", "curl"),
        # No rule knows it: the client's own name, from its first product token.
        ("python-httpx/0.28.1", "python-httpx"),
        ("testclient", None),
        ("", None),
        ("(;;)", None),
    ],
)
def test_a_user_agent_gets_the_name_a_person_would_give_it(
    user_agent: str, name: str | None
) -> None:
    assert NAMES.name(user_agent) == name


def test_what_the_rules_take_from_the_header_is_cut_short() -> None:
    # The crawler rule names a bot by the header's own `<name>bot/<version>`, however long.
    name = NAMES.name("Mozilla/5.0 (compatible; " + "Very" * 20 + "bot/2.1; +http://x)")
    assert name is not None
    assert len(name) == 40
    assert NAMES.name(CHROME_WINDOWS + " " + "x" * 300) == "Chrome on Windows"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_header_gives_a_short_printable_name_or_none(user_agent: str) -> None:
    name = NAMES.name(user_agent)
    assert name is None or (0 < len(name) <= 2 * 40 + len(" on ") and name.isprintable())
    assert name is None or name == name.strip()


@settings(max_examples=200, deadline=None)
@given(
    st.from_regex(r"[a-z0-9._+-]{0,60}", fullmatch=True),
    st.from_regex(r"[0-9]{1,3}(\.[0-9]{1,3}){0,2}", fullmatch=True),
)
def test_a_client_no_rule_knows_is_named_by_its_product_token(tail: str, version: str) -> None:
    product = f"Ignacio-probe{tail}"
    assert NAMES.name(f"{product}/{version}") == product[:40]
