"""RecordRepository in memory."""

from __future__ import annotations

import builtins
from uuid import UUID

from ignacio.adapters.memory.store import InMemoryStore
from ignacio.application.ports import RecordFilter
from ignacio.domain import Conflict, NotFound
from ignacio.domain.pagination import Order, Page, PageRequest, Position
from ignacio.domain.records import Record, RecordComment, RecordStatus, RecordType


class InMemoryRecordRepository:
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def add_type(self, workspace_id: UUID, kind: RecordType) -> None:
        if (workspace_id, kind.name) in self._store.record_types:
            raise Conflict(f"This workspace already has a record type named '{kind.name}'.")
        self._store.record_types[(workspace_id, kind.name)] = kind

    async def types(self, workspace_id: UUID) -> builtins.list[RecordType]:
        return sorted(
            (kind for (ws, _), kind in self._store.record_types.items() if ws == workspace_id),
            key=lambda kind: kind.name,
        )

    async def remove_type(self, workspace_id: UUID, name: str) -> bool:
        return self._store.record_types.pop((workspace_id, name), None) is not None

    async def add(self, record: Record) -> None:
        if record.id in self._store.records:
            raise Conflict("This record is already kept.")
        self._store.records[record.id] = record

    async def get(
        self, workspace_id: UUID, record_id: UUID, *, for_update: bool = False
    ) -> Record | None:
        record = self._store.records.get(record_id)
        return record if record is not None and record.workspace_id == workspace_id else None

    async def update(self, record: Record) -> None:
        stored = self._store.records.get(record.id)
        if stored is not None and stored.workspace_id == record.workspace_id:
            self._store.records[record.id] = record

    async def list(
        self, workspace_id: UUID, where: RecordFilter, page: PageRequest
    ) -> Page[Record]:
        chosen = [
            record
            for record in self._store.records.values()
            if record.workspace_id == workspace_id
            and (where.type_name is None or record.type_name == where.type_name)
            and (where.status is None or record.status is where.status)
            and (where.user_id is None or record.user_id == where.user_id)
        ]
        ascending = page.order is Order.OLDEST_FIRST
        chosen.sort(key=lambda r: (r.created_at, r.id), reverse=not ascending)
        if page.after is not None:
            mark = (page.after.at, page.after.id)
            chosen = [
                r
                for r in chosen
                if ((r.created_at, r.id) > mark if ascending else (r.created_at, r.id) < mark)
            ]
        items = chosen[: page.limit]
        more = len(chosen) > page.limit
        return Page(
            items=items,
            next=Position(at=items[-1].created_at, id=items[-1].id) if more and items else None,
        )

    async def latest_draft(self, workspace_id: UUID, user_id: UUID) -> Record | None:
        drafts = [
            record
            for record in self._store.records.values()
            if record.workspace_id == workspace_id
            and record.user_id == user_id
            and record.status is RecordStatus.DRAFT
        ]
        return max(drafts, key=lambda r: (r.created_at, r.id), default=None)

    async def add_comment(self, comment: RecordComment) -> None:
        record = self._store.records.get(comment.record_id)
        if record is None or record.workspace_id != comment.workspace_id:
            raise NotFound("There is no such record.")
        if comment.id in self._store.record_comments:
            raise Conflict("This comment is already kept.")
        self._store.record_comments[comment.id] = comment

    async def comments(self, workspace_id: UUID, record_id: UUID) -> builtins.list[RecordComment]:
        return sorted(
            (
                comment
                for comment in self._store.record_comments.values()
                if comment.record_id == record_id and comment.workspace_id == workspace_id
            ),
            key=lambda comment: (comment.created_at, comment.id),
        )
