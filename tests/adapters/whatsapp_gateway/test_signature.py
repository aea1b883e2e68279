"""The shared secret on both directions: what one side signs the other verifies, and nothing
else (another body, another timestamp, another secret, an old one, a malformed header)."""

from __future__ import annotations

import hashlib
import hmac

from hypothesis import given
from hypothesis import strategies as st

from ignacio.adapters.whatsapp_gateway import (
    TOLERANCE_SECONDS,
    GatewayWebhookAuth,
    sign,
    signed_headers,
    verify_signature,
)
from tests.support.fake_gateway import signature as fakes_signature

SECRET = "s" * 40
NOW = 1_767_225_600

secrets = st.text(st.characters(codec="utf-8"), min_size=1, max_size=80)
bodies = st.binary(max_size=2_048)
moments = st.integers(min_value=0, max_value=10**11)


@given(body=bodies, secret=secrets, timestamp=moments)
def test_what_is_signed_verifies_and_is_what_the_fake_gateway_computes(
    body: bytes, secret: str, timestamp: int
) -> None:
    header = sign(body, secret, timestamp)
    assert header == fakes_signature(body, secret, timestamp)
    assert verify_signature(body, header, str(timestamp), secret, now=timestamp)
    # Upper-case hex and spaces around it are the same signature.
    assert verify_signature(
        body, f" SHA256={header[7:].upper()} ", str(timestamp), secret, now=timestamp
    )


@given(body=bodies, other=bodies, secret=secrets, timestamp=moments)
def test_another_body_does_not_verify(
    body: bytes, other: bytes, secret: str, timestamp: int
) -> None:
    header = sign(body, secret, timestamp)
    assert verify_signature(other, header, str(timestamp), secret, now=timestamp) == (other == body)


@given(body=bodies, secret=secrets, other=secrets, timestamp=moments)
def test_another_secret_does_not_verify(
    body: bytes, secret: str, other: str, timestamp: int
) -> None:
    header = sign(body, other, timestamp)
    assert verify_signature(body, header, str(timestamp), secret, now=timestamp) == (
        other == secret
    )


@given(body=bodies, timestamp=moments, shift=st.integers(min_value=1, max_value=10**6))
def test_the_timestamp_is_signed_and_must_be_within_five_minutes(
    body: bytes, timestamp: int, shift: int
) -> None:
    header = sign(body, SECRET, timestamp)
    # Claiming another moment breaks the signature.
    assert not verify_signature(body, header, str(timestamp + shift), SECRET, now=timestamp + shift)
    # The right moment, seen too late or too early.
    late = timestamp + TOLERANCE_SECONDS + shift
    early = timestamp - TOLERANCE_SECONDS - shift
    assert not verify_signature(body, header, str(timestamp), SECRET, now=late)
    assert not verify_signature(body, header, str(timestamp), SECRET, now=early)
    assert verify_signature(body, header, str(timestamp), SECRET, now=timestamp + TOLERANCE_SECONDS)


@given(signature=st.none() | st.text(max_size=100), timestamp=st.none() | st.text(max_size=30))
def test_malformed_headers_never_verify_and_never_raise(
    signature: str | None, timestamp: str | None
) -> None:
    assert not verify_signature(b"{}", signature, timestamp, SECRET, now=NOW)


def test_an_empty_secret_verifies_nothing_even_what_it_signed() -> None:
    body = b'{"status": "connected"}'
    assert not verify_signature(body, sign(body, "", NOW), str(NOW), "", now=NOW)
    assert not GatewayWebhookAuth(None).signed(body, sign(body, "", NOW), str(NOW))


def test_a_sha1_or_unprefixed_signature_is_refused() -> None:
    body = b"{}"
    sha1 = hmac.new(SECRET.encode(), f"{NOW}.".encode() + body, hashlib.sha1).hexdigest()
    assert not verify_signature(body, "sha1=" + sha1, str(NOW), SECRET, now=NOW)
    assert not verify_signature(body, sign(body, SECRET, NOW)[7:], str(NOW), SECRET, now=NOW)


def test_signed_headers_carry_the_moment_and_the_signature_and_auth_checks_them() -> None:
    body = b'{"phone_number": "+34910000111"}'
    headers = signed_headers(body, SECRET, now=NOW + 0.9)
    assert headers["X-Gateway-Timestamp"] == str(NOW)
    auth = GatewayWebhookAuth(SECRET, now=lambda: NOW + 10)
    assert auth.signed(body, headers["X-Gateway-Signature"], headers["X-Gateway-Timestamp"])
    assert not auth.signed(
        body + b" ", headers["X-Gateway-Signature"], headers["X-Gateway-Timestamp"]
    )
    # The secret shows nowhere.
    assert SECRET not in repr(auth) and SECRET not in str(headers)
