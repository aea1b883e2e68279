"""The secret shared with a WhatsApp-Web gateway, on both directions (seed 001 has none).

Every request, Ignacio's to the gateway and the gateway's webhooks to Ignacio, carries two
headers:

- `X-Gateway-Timestamp`: the time it was sent, in whole seconds since the Unix epoch;
- `X-Gateway-Signature`: `sha256=` and the hex HMAC-SHA256, keyed with the shared secret, of the
  timestamp, a full stop, and the raw body exactly as sent (`b"1767225600." + body`; a GET
  signs an empty body).

A signature older or newer than five minutes is refused, so a captured request cannot be
replayed later (a replayed message would be de-duplicated anyway; a replayed "disconnected"
would not be). An empty secret never verifies anything.
"""

from __future__ import annotations

import hashlib
import hmac
import string
import time
from collections.abc import Callable

SIGNATURE_HEADER = "x-gateway-signature"
TIMESTAMP_HEADER = "x-gateway-timestamp"
TOLERANCE_SECONDS = 300

_PREFIX = "sha256="
_HEX_DIGITS = frozenset(string.hexdigits)
_DIGEST_LENGTH = 64
_MAX_TIMESTAMP_DIGITS = 12


def sign(raw_body: bytes, secret: str, timestamp: int) -> str:
    """The `X-Gateway-Signature` of `raw_body` sent at `timestamp`."""
    return _PREFIX + _digest(raw_body, secret, timestamp)


def signed_headers(raw_body: bytes, secret: str, now: float | None = None) -> dict[str, str]:
    """The two headers a request with `raw_body` carries, sent now."""
    timestamp = int(time.time() if now is None else now)
    return {
        "X-Gateway-Timestamp": str(timestamp),
        "X-Gateway-Signature": sign(raw_body, secret, timestamp),
    }


def verify_signature(
    raw_body: bytes,
    signature: str | None,
    timestamp: str | None,
    secret: str,
    *,
    now: float,
    tolerance_seconds: float = TOLERANCE_SECONDS,
) -> bool:
    """Whether `signature` signs `raw_body` at `timestamp`, and `timestamp` is within
    `tolerance_seconds` of `now`; False when either header is missing or malformed."""
    if not signature or not timestamp or not secret:
        return False
    stamp = timestamp.strip()
    if not (stamp.isascii() and stamp.isdigit() and len(stamp) <= _MAX_TIMESTAMP_DIGITS):
        return False
    if abs(now - int(stamp)) > tolerance_seconds:
        return False
    scheme, separator, received = signature.strip().partition("=")
    if not separator or scheme.strip().lower() != "sha256":
        return False
    received = received.strip().lower()
    if len(received) != _DIGEST_LENGTH or not _HEX_DIGITS.issuperset(received):
        return False
    return hmac.compare_digest(_digest(raw_body, secret, int(stamp)), received)


def _digest(raw_body: bytes, secret: str, timestamp: int) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode(), hashlib.sha256)
    mac.update(raw_body)
    return mac.hexdigest()


class GatewayWebhookAuth:
    """Who may call `/webhooks/gateway/...`: the deployment's gateway, signing each webhook
    with the shared secret (none configured: nobody)."""

    def __init__(self, secret: str | None, now: Callable[[], float] = time.time) -> None:
        self._secret = secret or ""
        self._now = now

    def __repr__(self) -> str:
        return "GatewayWebhookAuth()"

    def signed(self, raw_body: bytes, signature: str | None, timestamp: str | None) -> bool:
        return verify_signature(raw_body, signature, timestamp, self._secret, now=self._now())
