"""Meta's webhook signature: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`.

The HMAC is computed over the bytes exactly as they arrived, keyed with the app secret; a body
that was decoded and re-serialised no longer matches, whitespace included.
"""

from __future__ import annotations

import hashlib
import hmac
import string

_PREFIX = "sha256="
_HEX_DIGITS = frozenset(string.hexdigits)
_DIGEST_LENGTH = 64


def sign(raw_body: bytes, app_secret: str) -> str:
    """The `X-Hub-Signature-256` header value Meta would send with `raw_body`."""
    return _PREFIX + _digest(raw_body, app_secret)


def verify_signature(raw_body: bytes, header: str | None, app_secret: str) -> bool:
    """Whether `header` is Meta's signature of `raw_body`; False when missing or malformed.

    An empty app secret never verifies anything: a misconfigured server must not accept
    webhooks signed with a key everyone knows.
    """
    if not header or not app_secret:
        return False
    scheme, separator, received = header.strip().partition("=")
    if not separator or scheme.strip().lower() != "sha256":
        return False
    received = received.strip().lower()
    if len(received) != _DIGEST_LENGTH or not _HEX_DIGITS.issuperset(received):
        return False
    return hmac.compare_digest(_digest(raw_body, app_secret), received)


def _digest(raw_body: bytes, app_secret: str) -> str:
    return hmac.new(app_secret.encode(), raw_body, hashlib.sha256).hexdigest()


class CloudApiWebhookAuth:
    """Who may call `/webhooks/whatsapp`: Meta, signing each delivery with the app's secret, and
    its subscription check, which must carry the verify token typed in Meta's settings."""

    def __init__(self, app_secret: str, verify_token: str | None) -> None:
        self._app_secret = app_secret
        self._verify_token = verify_token

    def signed(self, raw_body: bytes, header: str | None) -> bool:
        """Whether `header` is Meta's signature of `raw_body` (see `verify_signature`)."""
        return verify_signature(raw_body, header, self._app_secret)

    def subscribes(self, mode: str | None, verify_token: str | None) -> bool:
        """Whether a subscription check is Meta's: mode `subscribe` and the configured verify
        token (none configured, none accepted)."""
        return (
            mode == "subscribe"
            and bool(self._verify_token)
            and verify_token is not None
            and hmac.compare_digest(verify_token.encode(), (self._verify_token or "").encode())
        )
