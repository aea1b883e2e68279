"""ResyncFiles: extract and index again every file, or one member's (the operator's command)."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

import msgspec

from ignacio.application.ports import UnitOfWorkFactory
from ignacio.application.use_cases.sync_file import SyncFile
from ignacio.application.workspaces import every_workspace_id
from ignacio.domain import Order, PageRequest
from ignacio.domain.knowledge import SyncStatus

_PAGE = 100

Progress = Callable[[int, int], None]
"""Called with (done, total) after each file."""


class ResyncReport(msgspec.Struct, frozen=True, kw_only=True):
    total: int
    synced: int
    failed: int


class ResyncFiles:
    """Runs SyncFile on each file in turn, oldest first, whatever its status: after a change of
    extractor or index, or to upload everything to a newly configured vector store. A file that
    still cannot be reached is left to the queue, which retries it."""

    def __init__(self, uow: UnitOfWorkFactory, sync: SyncFile) -> None:
        self._uow = uow
        self._sync = sync

    async def __call__(
        self, *, user_id: UUID | None = None, progress: Progress | None = None
    ) -> ResyncReport:
        file_ids = await self._all_ids(user_id)
        synced = failed = 0
        for done, file_id in enumerate(file_ids, start=1):
            await self._sync(file_id, force=True)
            async with self._uow() as uow:
                file = await uow.files.find(file_id)
            if file is not None and file.sync_status is SyncStatus.SYNCED:
                synced += 1
            elif file is not None:
                failed += 1
            if progress is not None:
                progress(done, len(file_ids))
        return ResyncReport(total=len(file_ids), synced=synced, failed=failed)

    async def _all_ids(self, user_id: UUID | None) -> list[UUID]:
        """Every workspace's files (the operator's command spans them all), workspace by
        workspace, each oldest first."""
        ids: list[UUID] = []
        async with self._uow() as uow:
            for workspace_id in await every_workspace_id(uow):
                request = PageRequest(limit=_PAGE, order=Order.OLDEST_FIRST)
                while True:
                    page = await uow.files.list(workspace_id, request, user_id=user_id)
                    ids.extend(file.id for file in page.items)
                    if page.next is None:
                        break
                    request = PageRequest(limit=_PAGE, after=page.next, order=Order.OLDEST_FIRST)
        return ids
