"""Twilio signatures: ours agree with Twilio's own validator, and nothing else passes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from ignacio.adapters.twilio import sign, url_variants, verify_signature

TOKEN = "12345678901234567890123456789012"
URL = "https://ignacio.example.org/webhooks/twilio"
FORM = [
    ("MessageSid", "SM" + "a" * 32),
    ("From", "whatsapp:+34612345678"),
    ("To", "whatsapp:+14155238886"),
    ("Body", "Hola, ¿qué tal? 100% & más"),
    ("NumMedia", "0"),
    ("ProfileName", ""),
]


def official(url: str, params: list[tuple[str, str]], algorithm: str | None = None) -> str:
    return str(RequestValidator(TOKEN).compute_signature(url, dict(params), algorithm))


def test_a_form_signed_by_twilio_s_library_verifies() -> None:
    assert verify_signature(URL, FORM, official(URL, FORM), TOKEN)
    assert sign(URL, FORM, TOKEN) == official(URL, FORM)


def test_sha256_signatures_verify_when_the_settings_header_asks_for_them() -> None:
    settings = "key=webhooks_sharedkey_1,algorithm=HMAC_SHA256"
    signed = official(URL, FORM, "HMAC_SHA256")

    assert verify_signature(URL, FORM, signed, TOKEN, settings=settings)
    assert not verify_signature(URL, FORM, signed, TOKEN)
    assert not verify_signature(URL, FORM, official(URL, FORM), TOKEN, settings=settings)


@pytest.mark.parametrize(
    ("url", "params"),
    [
        (URL, [*FORM[:3], ("Body", "Hola, ¿qué tal? 100% & menos"), *FORM[4:]]),
        (URL, [*FORM, ("Extra", "added")]),
        (URL, FORM[:-1]),
        ("https://attacker.example.org/webhooks/twilio", FORM),
        ("http://ignacio.example.org/webhooks/twilio", FORM),
        (URL + "/status", FORM),
        (URL + "?x=1", FORM),
    ],
    ids=[
        "tampered-body",
        "added-field",
        "removed-field",
        "other-host",
        "other-scheme",
        "other-path",
        "other-query",
    ],
)
def test_a_changed_form_or_url_does_not_verify(url: str, params: list[tuple[str, str]]) -> None:
    assert not verify_signature(url, params, official(URL, FORM), TOKEN)


@pytest.mark.parametrize("header", [None, "", "   ", "not base64 at all", "AAAA"])
def test_a_missing_or_malformed_signature_does_not_verify(header: str | None) -> None:
    assert not verify_signature(URL, FORM, header, TOKEN)


def test_another_token_or_no_token_does_not_verify() -> None:
    assert not verify_signature(URL, FORM, official(URL, FORM), "another-token")
    empty = str(RequestValidator("").compute_signature(URL, dict(FORM)))
    assert not verify_signature(URL, FORM, empty, "")


def test_an_unknown_algorithm_does_not_verify() -> None:
    assert not verify_signature(
        URL, FORM, official(URL, FORM), TOKEN, settings="algorithm=HMAC_MD5"
    )


@pytest.mark.parametrize(
    ("signed_url", "received_url"),
    [
        (
            "https://ignacio.example.org/webhooks/twilio",
            "https://ignacio.example.org:443/webhooks/twilio",
        ),
        (
            "https://ignacio.example.org:443/webhooks/twilio",
            "https://ignacio.example.org/webhooks/twilio",
        ),
        ("http://localhost:8000/webhooks/twilio?a=1", "http://localhost:8000/webhooks/twilio?a=1"),
    ],
)
def test_the_default_port_may_be_there_or_not(signed_url: str, received_url: str) -> None:
    assert verify_signature(received_url, FORM, official(signed_url, FORM), TOKEN)


def test_url_variants_keep_credentials_and_query() -> None:
    assert url_variants("https://u:p@host.example/x?y=1") == [
        "https://u:p@host.example/x?y=1",
        "https://u:p@host.example:443/x?y=1",
    ]
    assert url_variants("http://host.example:8080/x") == [
        "http://host.example:8080/x",
        "http://host.example/x",
    ]


characters = st.characters(exclude_categories=["Cs"])  # no lone surrogates: not UTF-8
names = st.text(alphabet=characters, min_size=1, max_size=12)
values = st.text(alphabet=characters, max_size=40)


@given(params=st.dictionaries(names, values, max_size=12), path=st.text(max_size=20))
def test_any_form_signed_by_twilio_s_library_verifies_and_matches(
    params: dict[str, str], path: str
) -> None:
    url = URL + "/" + "".join(c for c in path if c.isalnum())
    pairs = list(params.items())
    theirs = official(url, pairs)
    assert sign(url, pairs, TOKEN) == theirs
    assert verify_signature(url, pairs, theirs, TOKEN)
    if pairs:
        name, value = pairs[0]
        assert not verify_signature(url, [(name, value + "x"), *pairs[1:]], theirs, TOKEN)


def test_repeated_parameters_are_signed_as_twilio_signs_them() -> None:
    class MultiDict(dict[str, str]):
        def getall(self, name: str) -> list[str]:
            return ["b", "a", "b"] if name == "Tag" else [self[name]]

    multi = MultiDict({"Tag": "b", "Body": "x"})
    theirs = str(RequestValidator(TOKEN).compute_signature(URL, multi))
    assert verify_signature(
        URL, [("Tag", "b"), ("Body", "x"), ("Tag", "a"), ("Tag", "b")], theirs, TOKEN
    )
