"""Text from outside (API bodies and queries, WhatsApp and Twilio deliveries) loses its NUL
characters on the way in.

NUL never carries meaning in a message, a name or a search, and PostgreSQL cannot store it in
`text` or `jsonb`: kept, it turned a request into a 500 and a WhatsApp message into one retried
until it was set aside, unanswered. Dropping it (and only it: every other character stays, other
control characters included, which the value objects judge for themselves) keeps every message
and gives the same result on every database. The edges apply it where outside text is decoded,
once per body, so nothing inside has to think about it.
"""

from __future__ import annotations

from typing import Any

NUL = "\x00"


def without_nul(text: str) -> str:
    """`text` with every NUL character removed."""
    return text.replace(NUL, "") if NUL in text else text


def json_without_nul(value: Any) -> Any:
    """A decoded JSON value (objects, arrays, strings, numbers...) with NUL removed from every
    string in it, keys included; other values unchanged."""
    if isinstance(value, str):
        return without_nul(value)
    if isinstance(value, dict):
        return {without_nul(key): json_without_nul(item) for key, item in value.items()}
    if isinstance(value, list):
        return [json_without_nul(item) for item in value]
    return value
