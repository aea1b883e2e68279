"""Object keys: every checked path gets a key Supabase accepts, its own, and can be read back."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ignacio.adapters.supabase_storage import object_key, path_of
from ignacio.adapters.supabase_storage.keys import MAX_KEY_LENGTH
from ignacio.domain import InvalidInput
from ignacio.domain.files import check_storage_path

# supabase/storage `isValidKey`, as tests/support/fake_supabase_storage.py applies it.
SUPABASE_KEY = re.compile(r"(\w|/|!|-|\.|\*|'|\(|\)| |&|\$|@|=|;|:|\+|,|\?)+", re.ASCII)


def _checked(path: str) -> bool:
    try:
        check_storage_path(path)
    except InvalidInput:
        return False
    return True


PATHS = st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=5).map("/".join)


@pytest.mark.parametrize(
    ("path", "key"),
    [
        ("users/1/files/informe.pdf", "users/1/files/informe.pdf"),
        ("users/1/voice/wamid.HBgL==.ogg", "users/1/voice/wamid.HBgL==.ogg"),
        ("Informe final_v2-b.txt", "Informe final_v2-b.txt"),
        ("vacío.txt", "vac!C3!ADo.txt"),
        ("!", "!21"),
        ("%41", "!2541"),
        ("a+b&c", "a!2Bb!26c"),
    ],
)
def test_a_path_s_key(path: str, key: str) -> None:
    assert object_key(path) == key
    assert path_of(key) == path


@given(path=PATHS)
def test_every_checked_path_has_a_valid_key_that_reads_back(path: str) -> None:
    if not _checked(path):
        with pytest.raises(InvalidInput):
            object_key(path)
        return
    key = object_key(path)
    assert SUPABASE_KEY.fullmatch(key)
    assert "%" not in key
    assert key.count("/") == path.count("/")
    assert path_of(key) == path


@given(first=PATHS, second=PATHS)
def test_two_paths_never_share_a_key(first: str, second: str) -> None:
    if first != second and _checked(first) and _checked(second):
        assert object_key(first) != object_key(second)


def test_a_key_too_long_for_supabase_is_refused() -> None:
    fits = "/".join(["b" * 99] * (MAX_KEY_LENGTH // 100))
    assert len(fits) == MAX_KEY_LENGTH - 1
    fits += "c"
    assert object_key(fits) == fits
    with pytest.raises(InvalidInput, match="too long"):
        object_key(fits + "c")
