"""Choosing where files are kept: memory with memory://, the disk by default, Supabase Storage
when configured (and refused when half configured)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ignacio.adapters.local_storage import LocalFileStorage
from ignacio.adapters.memory import InMemoryBlobStorage
from ignacio.adapters.supabase_storage import SupabaseBlobStorage
from ignacio.domain import UpstreamUnavailable
from ignacio.entrypoints.config import BlobStorageKind, ConfigurationError, Settings, reveal
from ignacio.entrypoints.container import build_container
from ignacio.entrypoints.runtime import close_container, start_processing
from tests.support.fake_supabase_storage import FakeSupabaseStorage

SUPABASE = {
    "IGNACIO_BLOB_STORAGE": "supabase",
    "SUPABASE_URL": "https://abcdefghijklmnop.supabase.co",
    "SUPABASE_SERVICE_KEY": "service-role-key-that-must-stay-secret",
}


@pytest.mark.parametrize(
    ("database_url", "kind"),
    [
        ("", BlobStorageKind.LOCAL),
        ("sqlite+aiosqlite:///var/ignacio.db", BlobStorageKind.LOCAL),
        ("postgresql://u:p@db/ignacio", BlobStorageKind.LOCAL),
        ("memory://", BlobStorageKind.MEMORY),
    ],
)
def test_by_default_files_go_where_they_went_before(
    database_url: str, kind: BlobStorageKind
) -> None:
    settings = Settings.from_env({"IGNACIO_DATABASE_URL": database_url})

    assert settings.storage.kind is None
    assert settings.effective_blob_storage is kind


def test_the_kind_can_be_chosen_whatever_the_database() -> None:
    settings = Settings.from_env(
        {"IGNACIO_DATABASE_URL": "memory://", "IGNACIO_BLOB_STORAGE": "local"}
    )

    assert settings.effective_blob_storage is BlobStorageKind.LOCAL


def test_supabase_is_configured_from_the_environment() -> None:
    settings = Settings.from_env({**SUPABASE, "IGNACIO_SUPABASE_BUCKET": "members"})

    assert settings.effective_blob_storage is BlobStorageKind.SUPABASE
    assert settings.storage.supabase_url == SUPABASE["SUPABASE_URL"]
    assert reveal(settings.storage.supabase_service_key) == SUPABASE["SUPABASE_SERVICE_KEY"]
    assert settings.storage.supabase_bucket == "members"
    assert Settings.from_env(SUPABASE).storage.supabase_bucket == "ignacio-files"


@pytest.mark.parametrize(
    ("missing", "named"),
    [
        (["SUPABASE_URL"], "SUPABASE_URL"),
        (["SUPABASE_SERVICE_KEY"], "SUPABASE_SERVICE_KEY"),
        (["SUPABASE_URL", "SUPABASE_SERVICE_KEY"], "SUPABASE_URL, SUPABASE_SERVICE_KEY"),
    ],
)
def test_supabase_without_its_url_or_key_refuses_to_start(missing: list[str], named: str) -> None:
    environ = {name: value for name, value in SUPABASE.items() if name not in missing}

    with pytest.raises(ConfigurationError, match="IGNACIO_BLOB_STORAGE=supabase needs") as error:
        Settings.from_env(environ)

    assert named in str(error.value)
    assert SUPABASE["SUPABASE_SERVICE_KEY"] not in str(error.value)


def test_the_supabase_variables_are_ignored_unless_supabase_is_chosen() -> None:
    settings = Settings.from_env({"SUPABASE_URL": "not a url", "IGNACIO_SUPABASE_BUCKET": "a/b"})

    assert settings.effective_blob_storage is BlobStorageKind.LOCAL


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("IGNACIO_BLOB_STORAGE", "s3"),
        ("SUPABASE_URL", "abcdefghijklmnop.supabase.co"),
        ("IGNACIO_SUPABASE_BUCKET", "files/of members"),
        ("IGNACIO_SUPABASE_BUCKET", "b" * 64),
    ],
)
def test_a_bad_value_names_its_variable(variable: str, value: str) -> None:
    with pytest.raises(ConfigurationError, match=variable) as error:
        Settings.from_env({**SUPABASE, variable: value})

    assert SUPABASE["SUPABASE_SERVICE_KEY"] not in str(error.value)


@pytest.mark.parametrize(
    ("environ", "adapter"),
    [
        ({"IGNACIO_DATABASE_URL": "memory://"}, InMemoryBlobStorage),
        ({"IGNACIO_DATABASE_URL": "memory://", "IGNACIO_BLOB_STORAGE": "local"}, LocalFileStorage),
        ({"IGNACIO_DATABASE_URL": "memory://", **SUPABASE}, SupabaseBlobStorage),
    ],
)
async def test_the_container_picks_the_blob_storage(
    environ: dict[str, str], adapter: type, tmp_path: Path
) -> None:
    container = build_container(Settings.from_env({**environ, "IGNACIO_DATA_DIR": str(tmp_path)}))
    try:
        storage = container.blob_storage()
        assert isinstance(storage, adapter)
        assert container.blob_storage() is storage
    finally:
        await close_container(container)  # nothing was opened, so nothing is reached
    if isinstance(storage, LocalFileStorage):
        assert storage.root == tmp_path / "files"
    if isinstance(storage, SupabaseBlobStorage):
        assert (storage.url, storage.bucket) == (SUPABASE["SUPABASE_URL"], "ignacio-files")


@pytest.fixture
def served() -> Iterator[tuple[FakeSupabaseStorage, str]]:
    fake = FakeSupabaseStorage()
    with fake.serve() as base_url:
        yield fake, base_url


async def test_start_up_creates_the_private_bucket(
    served: tuple[FakeSupabaseStorage, str],
) -> None:
    fake, base_url = served
    container = build_container(
        Settings.from_env(
            {
                "IGNACIO_DATABASE_URL": "memory://",
                "IGNACIO_BLOB_STORAGE": "supabase",
                "SUPABASE_URL": base_url,
                "SUPABASE_SERVICE_KEY": fake.service_key,
            }
        )
    )
    try:
        await start_processing(container)
        await container.blob_storage().put("users/1/files/a.txt", b"x", "text/plain")
    finally:
        await close_container(container)

    bucket = fake.bucket("ignacio-files")
    assert bucket is not None
    assert not bucket.public
    assert list(fake.objects("ignacio-files")) == ["users/1/files/a.txt"]


async def test_start_up_with_a_wrong_key_stops_with_what_to_check(
    served: tuple[FakeSupabaseStorage, str],
) -> None:
    _, base_url = served
    container = build_container(
        Settings.from_env(
            {
                "IGNACIO_DATABASE_URL": "memory://",
                "IGNACIO_BLOB_STORAGE": "supabase",
                "SUPABASE_URL": base_url,
                "SUPABASE_SERVICE_KEY": "a-key-of-another-project",
            }
        )
    )
    try:
        with pytest.raises(UpstreamUnavailable, match="SUPABASE_SERVICE_KEY") as error:
            await start_processing(container)
    finally:
        await close_container(container)
    assert "a-key-of-another-project" not in error.value.message
