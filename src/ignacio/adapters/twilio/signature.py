"""Twilio's webhook signature: `X-Twilio-Signature`, base64 of an HMAC of the URL and the form.

The string signed is the full URL Twilio requested (as configured in its console, query string
included) followed by every POST parameter's name and value, sorted by name (and by value when a
name repeats; a repeated pair counts once). The key is the account's Auth Token and the hash
SHA-1, unless the request carries `X-Twilio-Webhooks-Signature-Settings` naming another algorithm
(`algorithm=HMAC_SHA256`). Twilio is not consistent about default ports, so a URL is accepted
with or without its port, as Twilio's own validator does.

The URL must be the public one: behind a proxy the request's own URL (http, an internal host)
is not what Twilio signed, which is why the operator configures it.
"""

from __future__ import annotations

import base64
import hmac
from collections.abc import Iterable
from urllib.parse import SplitResult, urlsplit, urlunsplit

SIGNATURE_HEADER = "x-twilio-signature"
SETTINGS_HEADER = "x-twilio-webhooks-signature-settings"
HMAC_SHA1 = "HMAC_SHA1"
HMAC_SHA256 = "HMAC_SHA256"

_HASHES = {HMAC_SHA1: "sha1", HMAC_SHA256: "sha256"}
_DEFAULT_PORTS = {"https": 443, "http": 80}


def sign(
    url: str, params: Iterable[tuple[str, str]], auth_token: str, *, algorithm: str = HMAC_SHA1
) -> str:
    """The `X-Twilio-Signature` Twilio would send with a POST of `params` to `url`."""
    digest = _HASHES[algorithm.upper()]
    values: dict[str, set[str]] = {}
    for name, value in params:
        values.setdefault(name, set()).add(value)
    signed = url + "".join(
        name + value for name in sorted(values) for value in sorted(values[name])
    )
    mac = hmac.new(auth_token.encode(), signed.encode(), digest)
    return base64.b64encode(mac.digest()).decode()


def verify_signature(
    url: str,
    params: Iterable[tuple[str, str]],
    header: str | None,
    auth_token: str,
    *,
    settings: str | None = None,
) -> bool:
    """Whether `header` is Twilio's signature of `params` posted to `url` (with or without the
    default port); False when missing, or signed with an algorithm this does not know.

    An empty Auth Token never verifies anything: a misconfigured server must not accept
    webhooks anyone could sign.
    """
    if not header or not auth_token:
        return False
    algorithm = signature_algorithm(settings)
    if algorithm not in _HASHES:
        return False
    pairs = list(params)
    received = header.strip().encode()
    return any(
        hmac.compare_digest(
            sign(variant, pairs, auth_token, algorithm=algorithm).encode(), received
        )
        for variant in url_variants(url)
    )


def signature_algorithm(settings: str | None) -> str:
    """The algorithm `X-Twilio-Webhooks-Signature-Settings` names (`key=...,algorithm=...`);
    HMAC_SHA1, Twilio's default, when the header is absent or names none."""
    for part in (settings or "").split(","):
        name, separator, value = part.partition("=")
        if separator and name.strip().lower() == "algorithm" and value.strip():
            return value.strip().upper()
    return HMAC_SHA1


def url_variants(url: str) -> list[str]:
    """The URL as given, without its port and with the scheme's default port, once each."""
    variants = [url]
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return variants
    if parts.hostname is None:
        return variants
    host = parts.netloc.rsplit("@", 1)[-1]
    credentials = parts.netloc[: len(parts.netloc) - len(host)]
    bare = host if port is None else host.rsplit(":", 1)[0]
    without_port = _with_netloc(parts, credentials + bare)
    default = _DEFAULT_PORTS.get(parts.scheme.lower())
    with_port = (
        url if port is not None else _with_netloc(parts, f"{credentials}{bare}:{default or 80}")
    )
    for variant in (without_port, with_port):
        if variant not in variants:
            variants.append(variant)
    return variants


def _with_netloc(parts: SplitResult, netloc: str) -> str:
    return urlunsplit(parts._replace(netloc=netloc))


class TwilioWebhookAuth:
    """Who may call `/webhooks/twilio`: Twilio, signing the form and the URL it called with the
    account's Auth Token. That URL is the public one (`public_url` with the request's path and
    query) when the operator configured it, else the URL the request arrived at; a status
    callback may also have been signed for the configured `status_callback_url`."""

    def __init__(
        self, auth_token: str | None, public_url: str | None, status_callback_url: str | None
    ) -> None:
        self._auth_token = auth_token or ""
        self._public_url = public_url.rstrip("/") if public_url else None
        self._status_callback_url = status_callback_url

    def signed(
        self,
        params: Iterable[tuple[str, str]],
        header: str | None,
        settings: str | None,
        *,
        request_url: str,
        path_and_query: str,
        status: bool = False,
        auth_token: str | None = None,
    ) -> bool:
        """Whether the form is Twilio's, posted to any URL Twilio may have called for it;
        signed with `auth_token` when given (a workspace number's own account), else the
        deployment's."""
        token = auth_token if auth_token is not None else self._auth_token
        urls = [self._public_url + path_and_query if self._public_url else request_url]
        if status and self._status_callback_url and self._status_callback_url not in urls:
            urls.append(self._status_callback_url)
        pairs = list(params)
        return any(verify_signature(url, pairs, header, token, settings=settings) for url in urls)
