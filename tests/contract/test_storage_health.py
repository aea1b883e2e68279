"""HealthProbe contract for file storage, on memory, the local disk and Supabase Storage (a local
fake of it): `ok` when a file can be stored, otherwise a reason naming what to fix and never the
service key; each adapter's own ways of failing below."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from ignacio.adapters.local_storage import LocalStorageProbe
from ignacio.adapters.memory import MemoryStorageProbe
from ignacio.adapters.supabase_storage import SupabaseBlobStorage, SupabaseStorageProbe
from ignacio.application.ports import HealthProbe
from ignacio.domain import CheckName
from tests.support.fake_supabase_storage import FakeSupabaseStorage

BUCKET = "ignacio-files"


@pytest.fixture(scope="module")
def fake_supabase() -> Iterator[tuple[FakeSupabaseStorage, str]]:
    fake = FakeSupabaseStorage()
    with fake.serve() as base_url:
        yield fake, base_url


@pytest.fixture
def supabase(fake_supabase: tuple[FakeSupabaseStorage, str]) -> tuple[FakeSupabaseStorage, str]:
    fake_supabase[0].reset()
    return fake_supabase


@pytest.fixture
async def opened() -> AsyncIterator[list[SupabaseBlobStorage]]:
    storages: list[SupabaseBlobStorage] = []
    yield storages
    for storage in storages:
        await storage.aclose()


def supabase_probe(
    supabase: tuple[FakeSupabaseStorage, str],
    opened: list[SupabaseBlobStorage],
    *,
    key: str | None = None,
    timeout_seconds: float = 5.0,
) -> SupabaseStorageProbe:
    fake, base_url = supabase
    storage = SupabaseBlobStorage(base_url, key or fake.service_key, BUCKET)
    opened.append(storage)
    return SupabaseStorageProbe(storage, timeout_seconds=timeout_seconds)


@pytest.fixture(params=["memory", "local", "supabase"])
def working(
    request: pytest.FixtureRequest, tmp_path: Path, opened: list[SupabaseBlobStorage]
) -> HealthProbe:
    """A probe of each kind over a storage that works."""
    if request.param == "memory":
        return MemoryStorageProbe()
    if request.param == "local":
        return LocalStorageProbe(tmp_path / "files")
    supabase = request.getfixturevalue("supabase")
    supabase[0].add_bucket(BUCKET)
    return supabase_probe(supabase, opened)


async def test_a_working_storage_is_ok(working: HealthProbe) -> None:
    check = await working.check()
    assert check.name == CheckName.STORAGE
    assert check.ok, check.detail


# --- the local disk ------------------------------------------------------------------------------


async def test_the_local_probe_makes_a_missing_folder_and_leaves_nothing_behind(
    tmp_path: Path,
) -> None:
    root = tmp_path / "data" / "files"
    check = await LocalStorageProbe(root).check()
    assert (check.ok, check.detail) == (True, "ok")
    assert root.is_dir()
    assert list(root.iterdir()) == []


async def test_a_file_where_the_folder_should_be_is_a_problem(tmp_path: Path) -> None:
    root = tmp_path / "files"
    root.write_text("not a folder")
    check = await LocalStorageProbe(root).check()
    assert not check.ok
    assert check.detail == f"{root} is a file, not a folder (IGNACIO_STORAGE_DIR)"


async def test_a_folder_that_cannot_be_made_is_a_problem(tmp_path: Path) -> None:
    (tmp_path / "data").write_text("a file where a folder is needed")
    root = tmp_path / "data" / "files"
    check = await LocalStorageProbe(root).check()
    assert not check.ok
    assert check.detail.startswith(f"cannot create the folder {root}: ")


async def test_a_local_probe_out_of_time_says_so(tmp_path: Path) -> None:
    check = await LocalStorageProbe(tmp_path, timeout_seconds=0).check()
    assert (check.ok, check.detail) == (False, "the disk did not answer within 0 s")


# --- Supabase Storage ----------------------------------------------------------------------------


async def test_a_refused_service_key_is_a_problem_that_does_not_repeat_it(
    supabase: tuple[FakeSupabaseStorage, str], opened: list[SupabaseBlobStorage]
) -> None:
    supabase[0].add_bucket(BUCKET)
    wrong_key = "wrong-service-key-0123456789"
    check = await supabase_probe(supabase, opened, key=wrong_key).check()
    assert not check.ok
    assert "SUPABASE_SERVICE_KEY" in check.detail
    assert wrong_key not in check.detail
    assert supabase[0].service_key not in check.detail


async def test_a_missing_bucket_is_a_problem_and_is_not_created(
    supabase: tuple[FakeSupabaseStorage, str], opened: list[SupabaseBlobStorage]
) -> None:
    check = await supabase_probe(supabase, opened).check()
    assert not check.ok
    assert "IGNACIO_SUPABASE_BUCKET" in check.detail
    assert supabase[0].bucket(BUCKET) is None


async def test_a_public_bucket_is_a_problem(
    supabase: tuple[FakeSupabaseStorage, str], opened: list[SupabaseBlobStorage]
) -> None:
    supabase[0].add_bucket(BUCKET, public=True)
    check = await supabase_probe(supabase, opened).check()
    assert not check.ok
    assert "public" in check.detail


async def test_an_unreachable_supabase_is_a_problem(opened: list[SupabaseBlobStorage]) -> None:
    storage = SupabaseBlobStorage("http://127.0.0.1:1", "a-service-key", BUCKET)
    opened.append(storage)
    check = await SupabaseStorageProbe(storage).check()
    assert not check.ok
    assert "a-service-key" not in check.detail


async def test_a_failing_supabase_is_a_problem(
    supabase: tuple[FakeSupabaseStorage, str], opened: list[SupabaseBlobStorage]
) -> None:
    supabase[0].add_bucket(BUCKET)
    supabase[0].fail_next(status=503)
    check = await supabase_probe(supabase, opened).check()
    assert not check.ok
    assert "503" in check.detail
