"""X-Hub-Signature-256: the HMAC of the raw body, and nothing else, verifies."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ignacio.adapters.whatsapp_cloud import sign, verify_signature

SECRET = "app-secret-0123456789"
BODY = b'{"object":"whatsapp_business_account","entry":[]}'


def test_sign_is_sha256_equals_the_hex_hmac_of_the_raw_body() -> None:
    expected = hmac.new(SECRET.encode(), BODY, hashlib.sha256).hexdigest()

    assert sign(BODY, SECRET) == f"sha256={expected}"


def test_a_valid_signature_verifies() -> None:
    assert verify_signature(BODY, sign(BODY, SECRET), SECRET)


def test_uppercase_hex_and_surrounding_spaces_still_verify() -> None:
    header = sign(BODY, SECRET)
    assert verify_signature(
        BODY, "  SHA256=" + header.removeprefix("sha256=").upper() + " ", SECRET
    )


def test_the_wrong_secret_does_not_verify() -> None:
    assert not verify_signature(BODY, sign(BODY, "another-secret"), SECRET)


@pytest.mark.parametrize("header", [None, ""])
def test_a_missing_header_does_not_verify(header: str | None) -> None:
    assert not verify_signature(BODY, header, SECRET)


@pytest.mark.parametrize(
    "header",
    [
        "sha256",
        "sha256=",
        "sha1=" + hashlib.sha1(BODY).hexdigest(),  # noqa: S324 - the old header's scheme
        sign(BODY, SECRET).removeprefix("sha256="),
        sign(BODY, SECRET)[:-1],
        sign(BODY, SECRET) + "0",
        sign(BODY, SECRET)[:-1] + "g",
        "sha256=" + "é" * 64,
        "sha256=" + "0" * 64,
        "md5=" + sign(BODY, SECRET).removeprefix("sha256="),
    ],
)
def test_a_malformed_header_does_not_verify(header: str) -> None:
    assert not verify_signature(BODY, header, SECRET)


def test_an_empty_app_secret_never_verifies() -> None:
    assert not verify_signature(BODY, sign(BODY, ""), "")


def test_a_reserialised_body_does_not_verify() -> None:
    header = sign(BODY, SECRET)
    reserialised = json.dumps(json.loads(BODY)).encode()  # ", " and ": " instead of "," and ":"

    assert reserialised != BODY
    assert not verify_signature(reserialised, header, SECRET)


@pytest.mark.parametrize("changed", [BODY + b"\n", b" " + BODY, BODY.replace(b":", b": ")])
def test_a_whitespace_change_does_not_verify(changed: bytes) -> None:
    assert not verify_signature(changed, sign(BODY, SECRET), SECRET)


@given(st.binary(max_size=300), st.text(min_size=1, max_size=40))
def test_any_body_verifies_with_its_own_signature_only(body: bytes, secret: str) -> None:
    header = sign(body, secret)

    assert verify_signature(body, header, secret)
    assert not verify_signature(body + b"x", header, secret)


@given(st.text(max_size=120))
def test_arbitrary_headers_never_raise(header: str) -> None:
    assert verify_signature(BODY, header, SECRET) is (header.strip().lower() == sign(BODY, SECRET))
