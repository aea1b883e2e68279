"""The local file storage's health probe: can a file be written under the root folder."""

from __future__ import annotations

import asyncio
import errno
import os
import tempfile
from pathlib import Path

from ignacio.adapters.probing import DEFAULT_TIMEOUT_SECONDS, within_limit
from ignacio.domain import CheckName, HealthCheck

_PROBE_PREFIX = ".health-"


class LocalStorageProbe:
    """Writes, then removes, a small file in the root folder (making the folder if missing, as
    the first upload would): what an upload needs, checked by doing it rather than by reading
    permission bits, which a read-only mount or a full disk would not show.

    The reason names the folder (an admin needs it to fix the permissions) but nothing else
    of the machine.
    """

    def __init__(self, root: Path, timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS) -> None:
        self.root = Path(root).absolute()
        self._timeout = timeout_seconds

    async def check(self) -> HealthCheck:
        return await within_limit(
            CheckName.STORAGE, self._check_in_thread, self._timeout, "the disk"
        )

    async def _check_in_thread(self) -> HealthCheck:
        return await asyncio.to_thread(self._write_and_remove)

    def _write_and_remove(self) -> HealthCheck:
        name = CheckName.STORAGE
        if self.root.exists() and not self.root.is_dir():
            return HealthCheck.failed(
                name, f"{self.root} is a file, not a folder (IGNACIO_STORAGE_DIR)"
            )
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            return HealthCheck.failed(name, f"cannot create the folder {self.root}: {_why(error)}")
        try:
            descriptor, temporary = tempfile.mkstemp(dir=self.root, prefix=_PROBE_PREFIX)
        except OSError as error:
            return HealthCheck.failed(name, f"cannot write in {self.root}: {_why(error)}")
        try:
            with os.fdopen(descriptor, "wb") as file:
                file.write(b"ok")
                file.flush()
        except OSError as error:
            return HealthCheck.failed(name, f"cannot write in {self.root}: {_why(error)}")
        finally:
            Path(temporary).unlink(missing_ok=True)
        return HealthCheck.passed(name)


def _why(error: OSError) -> str:
    if error.errno in (errno.EACCES, errno.EPERM):
        return "permission denied (check the folder's owner and permissions)"
    if error.errno == errno.EROFS:
        return "the file system is read-only"
    if error.errno == errno.ENOSPC:
        return "the disk is full"
    if error.errno == errno.EDQUOT:
        return "the disk quota is used up"
    return f"{type(error).__name__} ({errno.errorcode.get(error.errno or 0, 'unknown')})"
