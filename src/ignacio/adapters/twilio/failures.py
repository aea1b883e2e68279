"""Twilio REST refusals and network failures, classified into the Channel port's `SendFailure`.

Retriable: the network, timeouts, HTTP 429 and 5xx, and the error codes that mean "slow down" or
"try again" (too many requests, Twilio's own errors, a full queue, the WhatsApp rate limit).
Everything else fails the same way again as it is: outside the 24-hour window (63016), an
invalid recipient (21211, 63024), a body over 1,600 characters (21617), bad credentials
(20003), an unknown content template (63027), ...
"""

from __future__ import annotations

import httpx
import msgspec

from ignacio.adapters.http_support import network_failure, retry_after_seconds
from ignacio.adapters.twilio.payloads import TwilioError
from ignacio.application.ports import SendFailure
from ignacio.domain.pacing import Throttle

RETRIABLE_ERROR_CODES = frozenset(
    {
        20429,  # too many requests
        20500,  # internal server error
        20503,  # service unavailable
        30001,  # queue overflow
        63010,  # Twilio's platform could not process the message
        63018,  # rate limit exceeded for the WhatsApp channel
    }
)

# What the codes Ignacio is most likely to meet mean, for a status callback that says no more.
ERROR_TITLES = {
    20003: "Twilio refused the credentials (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN).",
    21211: "The 'To' number is not a valid phone number.",
    21617: "The message is longer than 1,600 characters.",
    30003: "The recipient's phone is unreachable.",
    30008: "Unknown error from the carrier.",
    63003: "The recipient is not reachable on WhatsApp.",
    63016: "Outside the 24-hour window: WhatsApp accepts only a template until the person writes.",
    63018: "WhatsApp rate limit exceeded.",
    63024: "Invalid message recipient.",
    63027: "The content template does not exist for this language.",
    63032: "WhatsApp did not deliver the message to this user.",
}


def error_title(code: int | None) -> str | None:
    """A readable reason for a Twilio error code, where Ignacio knows one."""
    if code is None:
        return None
    return ERROR_TITLES.get(
        code, f"Twilio error {code} (https://www.twilio.com/docs/errors/{code})."
    )


def failure_from_response(response: httpx.Response) -> SendFailure:
    """The SendFailure a non-2xx Twilio answer means; the body must already be read."""
    status = response.status_code
    try:
        error = msgspec.json.decode(response.content, type=TwilioError, strict=False)
    except (msgspec.DecodeError, RecursionError):
        error = TwilioError()
    code = error.code
    title = error.message or error_title(code) or f"Twilio answered HTTP {status}."
    retriable = status == 429 or status >= 500 or code in RETRIABLE_ERROR_CODES
    return SendFailure(
        title,
        retriable=retriable,
        code=code,
        retry_after=retry_after_seconds(response.headers.get("retry-after")) if retriable else None,
        # WhatsApp's rate limit for the sender (Twilio's 63018): the number is held back.
        throttled=Throttle.NUMBER if code == 63018 else None,
    )


def failure_from_exception(error: httpx.HTTPError) -> SendFailure:
    """A request that got no answer (timeout, refused connection, broken stream): it may pass."""
    return network_failure(error, "Twilio")
