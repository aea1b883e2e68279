"""Supabase Storage's health probe: is the bucket there, private, and usable with this key."""

from __future__ import annotations

from ignacio.adapters.probing import DEFAULT_TIMEOUT_SECONDS, within_limit
from ignacio.adapters.supabase_storage.storage import SupabaseBlobStorage
from ignacio.domain import CheckName, DomainError, HealthCheck


class SupabaseStorageProbe:
    """One bucket look-up (`GET /storage/v1/bucket/{id}`) with the storage's own client: a
    wrong URL, a refused key, a missing or public bucket each get the storage's own advice,
    which names the setting to check and never repeats the key."""

    def __init__(
        self, storage: SupabaseBlobStorage, timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    ) -> None:
        self._storage = storage
        self._timeout = timeout_seconds

    async def check(self) -> HealthCheck:
        return await within_limit(CheckName.STORAGE, self._look, self._timeout, "Supabase Storage")

    async def _look(self) -> HealthCheck:
        try:
            await self._storage.check_bucket()
        except DomainError as error:
            return HealthCheck.failed(CheckName.STORAGE, error.message)
        return HealthCheck.passed(CheckName.STORAGE)
