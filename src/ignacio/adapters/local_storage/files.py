"""LocalFileStorage: each blob a file under a root folder, written all or nothing.

A path comes from inside the application, but it is checked as if it came from outside:
relative, '/'-separated, no empty, '.' or '..' parts, no backslash or NUL, and once resolved
(symbolic links included) inside the root. Writes go to a temporary file in the same folder,
are flushed to disk and renamed over the target, so a reader sees the old content or the new,
never a part. Disk work runs in a worker thread, off the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
from pathlib import Path

from ignacio.domain import Conflict, InvalidInput, NotFound
from ignacio.domain.files import check_storage_path

_TEMPORARY_PREFIX = ".tmp-"
_WRITE_TRIES = 10


class LocalFileStorage:
    """Files under `root` (created on first write); the content type is not kept."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root).absolute()

    async def put(self, path: str, content: bytes, content_type: str) -> None:
        target = self._target(path)
        await asyncio.to_thread(self._write, target, bytes(content))

    async def get(self, path: str) -> bytes:
        target = self._target(path)
        return await asyncio.to_thread(self._read, target)

    async def delete(self, path: str) -> None:
        target = self._target(path)
        await asyncio.to_thread(self._remove, target)

    def _target(self, path: str) -> Path:
        """The file for a path, refused unless the path's text is one of ours (no disk access)."""
        check_storage_path(path)
        return self.root.joinpath(*path.split("/"))

    def _ensure_inside(self, target: Path) -> None:
        """Refuse a target that a symbolic link inside the root leads out of it."""
        root = self.root.resolve()
        resolved = target.resolve()
        if resolved == root or not resolved.is_relative_to(root):
            raise InvalidInput("A storage path must stay inside the storage folder.")

    def _write(self, target: Path, content: bytes) -> None:
        self._ensure_inside(target)
        folder = target.parent
        for attempt in range(_WRITE_TRIES):
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except (FileExistsError, NotADirectoryError) as error:
                # mkdir also says "exists" when a delete pruned the folder between its own two
                # steps; only a file in the way is a conflict, a vanished folder is made again.
                if self._file_in_the_way(folder) or attempt == _WRITE_TRIES - 1:
                    raise Conflict("A file is stored where this path needs a folder.") from error
                continue
            if target.is_dir():
                raise Conflict("A folder is stored at this path.")
            try:
                descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=_TEMPORARY_PREFIX)
            except FileNotFoundError:
                # A delete removed the folder, empty, between the two steps: make it again.
                if attempt == _WRITE_TRIES - 1:
                    raise
                continue
            break
        try:
            with os.fdopen(descriptor, "wb") as file:
                file.write(content)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise
        _sync_folder(folder)

    def _file_in_the_way(self, folder: Path) -> bool:
        """Whether the folder, or one of its parents inside the root, is a file."""
        for candidate in (folder, *folder.parents):
            if candidate == self.root or not candidate.is_relative_to(self.root):
                return False
            if candidate.exists() and not candidate.is_dir():
                return True
        return False

    def _read(self, target: Path) -> bytes:
        self._ensure_inside(target)
        try:
            return target.read_bytes()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError) as error:
            raise NotFound("There is no file at this path.") from error

    def _remove(self, target: Path) -> None:
        self._ensure_inside(target)
        if target.is_dir():
            return
        try:
            target.unlink()
        except (FileNotFoundError, NotADirectoryError):
            return
        # Folders left empty go too, up to the root: a path is a file or a folder, never both.
        folder = target.parent
        while folder != self.root and folder.is_relative_to(self.root):
            try:
                folder.rmdir()
            except OSError:
                return
            folder = folder.parent


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable: on POSIX the folder's entry is flushed on its own."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
