"""BlobStorage contract, on memory, on the local disk and on Supabase Storage (a local fake of it);
the disk never written outside its root."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from uuid import uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ignacio.adapters.local_storage import LocalFileStorage
from ignacio.adapters.memory import InMemoryBlobStorage
from ignacio.adapters.supabase_storage import SupabaseBlobStorage
from ignacio.application.ports import BlobStorage
from ignacio.domain import Conflict, InvalidInput, NotFound
from tests.support.fake_supabase_storage import FakeSupabaseStorage

StorageFactory = Callable[[], BlobStorage]


@pytest.fixture(scope="module")
def fake_supabase() -> Iterator[tuple[FakeSupabaseStorage, str]]:
    fake = FakeSupabaseStorage()
    with fake.serve() as base_url:
        yield fake, base_url


@pytest.fixture(params=["memory", "local", "supabase"])
async def new_storage(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[StorageFactory]:
    """Makes empty storages of one kind; on disk, each under its own root in `tmp_path/roots`;
    on Supabase, each in its own bucket."""
    opened: list[SupabaseBlobStorage] = []
    if request.param == "supabase":
        fake, base_url = request.getfixturevalue("fake_supabase")

    def make() -> BlobStorage:
        if request.param == "memory":
            return InMemoryBlobStorage()
        if request.param == "supabase":
            bucket = f"contract-{uuid4().hex}"
            fake.add_bucket(bucket)
            opened.append(SupabaseBlobStorage(base_url, fake.service_key, bucket))
            return opened[-1]
        return LocalFileStorage(tmp_path / "roots" / uuid4().hex)

    yield make
    for storage in opened:
        await storage.aclose()


@pytest.fixture
def storage(new_storage: StorageFactory) -> BlobStorage:
    return new_storage()


async def test_put_then_get_gives_the_content_back(storage: BlobStorage) -> None:
    contents = {
        "users/1/files/informe.pdf": b"%PDF-1.7\x00\xff" * 1000,
        "users/1/files/vacío.txt": b"",
        "users/1/voice/wamid.HBgL==.ogg": bytes(range(256)),
        "top-level": b"x",
    }
    for path, content in contents.items():
        await storage.put(path, content, "application/octet-stream")
    for path, content in contents.items():
        assert await storage.get(path) == content


async def test_put_replaces_the_content(storage: BlobStorage) -> None:
    await storage.put("a/b.txt", b"first, and longer than the second", "text/plain")
    await storage.put("a/b.txt", b"second", "text/plain")
    assert await storage.get("a/b.txt") == b"second"


async def test_get_of_nothing_is_not_found(storage: BlobStorage) -> None:
    await storage.put("a/b/c.txt", b"x", "text/plain")
    for missing in ("a/b/d.txt", "nothing", "a/b", "a/b/c.txt/d"):
        with pytest.raises(NotFound):
            await storage.get(missing)


async def test_delete_removes_and_is_idempotent(storage: BlobStorage) -> None:
    await storage.put("a/b/c.txt", b"x", "text/plain")
    await storage.put("a/kept.txt", b"y", "text/plain")
    await storage.delete("a/b/c.txt")
    await storage.delete("a/b/c.txt")
    await storage.delete("never/stored")
    await storage.delete("a/b")  # a folder on disk, nothing in memory: not a file either way
    with pytest.raises(NotFound):
        await storage.get("a/b/c.txt")
    assert await storage.get("a/kept.txt") == b"y"
    # The emptied folder went with the file, so its path can hold a file now.
    await storage.put("a/b", b"z", "text/plain")
    assert await storage.get("a/b") == b"z"


async def test_a_path_is_a_file_or_a_folder_never_both(storage: BlobStorage) -> None:
    if isinstance(storage, SupabaseBlobStorage):
        pytest.skip("object keys are names, not folders: Supabase keeps 'a/b' and 'a/b/c' both")
    await storage.put("a/b", b"file", "text/plain")
    await storage.put("c/d/e", b"file", "text/plain")
    with pytest.raises(Conflict):
        await storage.put("a/b/c", b"under a file", "text/plain")
    with pytest.raises(Conflict):
        await storage.put("c/d", b"over a folder", "text/plain")
    assert await storage.get("a/b") == b"file"
    assert await storage.get("c/d/e") == b"file"


ESCAPES = [
    "",
    "/etc/passwd",
    "//server/share",
    "../outside",
    "a/../../outside",
    "a/..",
    "..",
    ".",
    "./a",
    "a/./b",
    "a//b",
    "a/",
    "a\\..\\..\\outside",
    "..\\outside",
    "C:\\Windows",
    "a\x00b",
    "a/\x00/b",
    "\ud800",
    "a/" + "n" * 256,
]


@pytest.mark.parametrize("path", ESCAPES)
async def test_paths_that_could_escape_are_refused(storage: BlobStorage, path: str) -> None:
    with pytest.raises(InvalidInput):
        await storage.put(path, b"x", "text/plain")
    with pytest.raises(InvalidInput):
        await storage.get(path)
    with pytest.raises(InvalidInput):
        await storage.delete(path)


def _files_outside(tmp_path: Path) -> dict[str, bytes]:
    """Every file under `tmp_path` except the storage roots, with its content."""
    found: dict[str, bytes] = {}
    for folder, subfolders, files in os.walk(tmp_path):
        if Path(folder) == tmp_path:
            subfolders[:] = [name for name in subfolders if name != "roots"]
        for name in files:
            path = Path(folder) / name
            found[str(path)] = b"<link>" if path.is_symlink() else path.read_bytes()
    return found


_SEGMENTS = st.one_of(
    st.sampled_from(
        ["..", ".", "", "...", "a", "b", "~", "link", "%2e%2e", "..\\", "\\", "\x00", " ", "ü"]
    ),
    st.text(max_size=6),
)
_NASTY_PATHS = st.one_of(
    st.builds(
        lambda lead, parts: lead + "/".join(parts),
        st.sampled_from(["", "/", "./", "../", "\\"]),
        st.lists(_SEGMENTS, min_size=1, max_size=6),
    ),
    st.text(max_size=30),
)


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(path=_NASTY_PATHS)
async def test_any_path_is_refused_or_stays_inside_the_root(
    new_storage: StorageFactory, tmp_path: Path, path: str
) -> None:
    storage = new_storage()
    outside = tmp_path / "outside"
    outside.mkdir(exist_ok=True)
    (outside / "secret").write_bytes(b"do not touch")
    if isinstance(storage, LocalFileStorage):
        # A link inside the root that leads out of it: following it would be an escape.
        storage.root.mkdir(parents=True)
        (storage.root / "link").symlink_to(outside, target_is_directory=True)
    before = _files_outside(tmp_path)
    try:
        await storage.put(path, b"payload", "application/octet-stream")
    except InvalidInput:
        with pytest.raises(InvalidInput):
            await storage.get(path)
    else:
        assert await storage.get(path) == b"payload"
        if isinstance(storage, LocalFileStorage):
            written = storage.root.joinpath(*path.split("/")).resolve()
            assert written.is_relative_to(storage.root.resolve())
        await storage.delete(path)
        with pytest.raises(NotFound):
            await storage.get(path)
    assert _files_outside(tmp_path) == before


async def test_a_link_out_of_the_root_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_bytes(b"do not touch")
    storage = LocalFileStorage(tmp_path / "root")
    (tmp_path / "root").mkdir()
    (tmp_path / "root" / "link").symlink_to(outside, target_is_directory=True)
    (tmp_path / "root" / "to-root").symlink_to(tmp_path / "root", target_is_directory=True)
    for path in ("link/secret", "link/new", "to-root"):
        with pytest.raises(InvalidInput):
            await storage.put(path, b"x", "text/plain")
        with pytest.raises(InvalidInput):
            await storage.get(path)
        with pytest.raises(InvalidInput):
            await storage.delete(path)
    assert sorted(p.name for p in outside.iterdir()) == ["secret"]
    assert (outside / "secret").read_bytes() == b"do not touch"
    # A link that stays inside is followed.
    await storage.put("to-root/inside.txt", b"fine", "text/plain")
    assert await storage.get("inside.txt") == b"fine"


async def test_a_failed_write_leaves_the_old_content_and_no_litter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    storage = LocalFileStorage(tmp_path / "root")
    await storage.put("a/b.bin", b"old", "application/octet-stream")

    def crash(_source: object, _target: object) -> None:
        raise OSError("disk gone at the worst moment")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="worst moment"):
        await storage.put("a/b.bin", b"new" * 100_000, "application/octet-stream")
    monkeypatch.undo()
    assert await storage.get("a/b.bin") == b"old"
    assert sorted(p.name for p in (tmp_path / "root" / "a").iterdir()) == ["b.bin"]


async def test_concurrent_writes_leave_one_whole_content(tmp_path: Path) -> None:
    storage = LocalFileStorage(tmp_path / "root")
    contents = [bytes([n]) * 300_000 for n in range(12)]
    await asyncio.gather(*(storage.put("same/path", c, "text/plain") for c in contents))
    assert await storage.get("same/path") in contents
    assert [p.name for p in (tmp_path / "root" / "same").iterdir()] == ["path"]


async def test_files_are_private_to_the_owner(tmp_path: Path) -> None:
    storage = LocalFileStorage(tmp_path / "root")
    await storage.put("users/1/file", b"x", "text/plain")
    mode = (tmp_path / "root" / "users" / "1" / "file").stat().st_mode
    assert mode & 0o077 == 0


async def test_concurrent_puts_and_deletes_in_one_folder_never_fail(tmp_path: Path) -> None:
    """A delete prunes the folder it empties; a put racing it makes the folder again."""
    storage = LocalFileStorage(tmp_path / "root")

    async def churn(n: int) -> None:
        for _ in range(20):
            await storage.put(f"shared/{n}", b"x", "text/plain")
            await storage.delete(f"shared/{n}")

    await asyncio.gather(*(churn(n) for n in range(6)))
    for n in range(6):
        with pytest.raises(NotFound):
            await storage.get(f"shared/{n}")
