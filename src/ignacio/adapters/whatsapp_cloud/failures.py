"""Graph API refusals and network failures, classified into the Channel port's `SendFailure`.

Retriable: the network, timeouts, HTTP 429 and 5xx, and the error codes that mean "slow down" or
"try again" (throughput, pair rate, rate limits, temporary errors). Everything else will fail the
same way again as it is: outside the 24-hour window (131047), undeliverable (131026), an invalid
parameter (100), a bad token (190), ...
"""

from __future__ import annotations

import httpx
import msgspec

from ignacio.adapters.http_support import network_failure, retry_after_seconds
from ignacio.adapters.whatsapp_cloud.payloads import GraphErrorBody
from ignacio.application.ports import SendFailure
from ignacio.domain.pacing import Throttle

RETRIABLE_ERROR_CODES = frozenset(
    {
        1,  # API unknown: possibly a temporary outage
        2,  # API service: temporary, because of downtime or overload
        4,  # API too many calls (app-level rate limit)
        80007,  # WhatsApp Business Account rate limit
        130429,  # Cloud API throughput reached
        131000,  # something went wrong
        131016,  # service unavailable
        131056,  # (business, consumer) pair rate limit
        131057,  # account in maintenance mode
        133004,  # server temporarily unavailable
    }
)


# The rate limits that pass with time, and whom they hold back: one person, or the whole number.
THROTTLES = {131056: Throttle.PAIR, 130429: Throttle.NUMBER}


def failure_from_response(response: httpx.Response) -> SendFailure:
    """The SendFailure a non-2xx Graph API answer means; the body must already be read."""
    status = response.status_code
    error = None
    try:
        error = msgspec.json.decode(response.content, type=GraphErrorBody, strict=False).error
    except (msgspec.DecodeError, RecursionError):
        error = None
    code = error.code if error else None
    details = error.error_data.details if error and error.error_data else None
    title = details or (error.message if error else None) or f"WhatsApp answered HTTP {status}."
    retriable = status == 429 or status >= 500 or code in RETRIABLE_ERROR_CODES
    return SendFailure(
        title,
        retriable=retriable,
        code=code,
        retry_after=retry_after_seconds(response.headers.get("retry-after")) if retriable else None,
        throttled=THROTTLES.get(code) if code is not None else None,
    )


def failure_from_exception(error: httpx.HTTPError) -> SendFailure:
    """A request that got no answer (timeout, refused connection, broken stream): it may pass."""
    return network_failure(error, "WhatsApp")
