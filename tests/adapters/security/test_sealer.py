"""AesGcmSealer: what it seals opens only with the same key, unaltered."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ignacio.adapters.security import AesGcmSealer

KEY = bytes(range(32))


@given(st.binary(max_size=4000))
def test_sealed_bytes_open_to_what_was_sealed_and_hide_it(plain: bytes) -> None:
    sealer = AesGcmSealer(KEY)
    sealed = sealer.seal(plain)
    assert sealer.open(sealed) == plain
    assert sealed != sealer.seal(plain)  # a fresh nonce each time
    if len(plain) >= 8:
        assert plain not in sealed


def test_altered_bytes_or_another_key_do_not_open() -> None:
    sealed = AesGcmSealer(KEY).seal(b'{"from": "34612345678"}')
    altered = sealed[:-1] + bytes([sealed[-1] ^ 1])
    with pytest.raises(ValueError, match="could not be opened"):
        AesGcmSealer(KEY).open(altered)
    with pytest.raises(ValueError, match="could not be opened"):
        AesGcmSealer(bytes(32)).open(sealed)
