"""FileRepository over SQLAlchemy Core: `user_files`."""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Row, and_, or_, select, update
from sqlalchemy.exc import IntegrityError

from ignacio.adapters.sql.queries import (
    ConnectionSource,
    clash_contained,
    insert_new,
    keyset,
    page_of,
)
from ignacio.adapters.sql.tables import SYNC_UNFINISHED, user_files
from ignacio.domain import NotFound, Page, PageRequest, Position
from ignacio.domain.knowledge import (
    ExtractionStatus,
    FileSource,
    SyncStatus,
    UserFile,
)

_MISSING = "There is no such user, conversation or message for this file."


class SqlFileRepository:
    def __init__(self, connection: ConnectionSource) -> None:
        self._connection = connection

    async def add(self, file: UserFile) -> None:
        await insert_new(
            self._connection(),
            user_files,
            {"id": file.id, **_values(file)},
            conflict="This file is already stored.",
            missing=_MISSING,
        )

    async def get(self, file_id: UUID) -> UserFile | None:
        statement = select(user_files).where(user_files.c.id == file_id)
        row = (await self._connection().execute(statement)).first()
        return None if row is None else _to_file(row)

    async def update(self, file: UserFile) -> None:
        connection = self._connection()
        statement = update(user_files).where(user_files.c.id == file.id).values(**_values(file))
        try:
            async with clash_contained(connection):
                result = await connection.execute(statement)
        except IntegrityError as error:
            raise NotFound(_MISSING) from error
        if result.rowcount == 0:
            raise NotFound("There is no such file.")

    async def delete(self, file_id: UUID) -> None:
        await self._connection().execute(user_files.delete().where(user_files.c.id == file_id))

    async def list(self, page: PageRequest, *, user_id: UUID | None = None) -> Page[UserFile]:
        statement = select(user_files)
        if user_id is not None:
            statement = statement.where(user_files.c.user_id == user_id)
        statement = keyset(statement, user_files.c.created_at, user_files.c.id, page)
        rows = (await self._connection().execute(statement)).all()
        return page_of(rows, page, _to_file, lambda f: Position(at=f.created_at, id=f.id))

    async def needing_sync(self, limit: int, *, uploaded_before: datetime) -> builtins.list[UUID]:
        if limit <= 0:
            return []
        status = user_files.c.openai_sync_status
        statement = (
            select(user_files.c.id)
            .where(
                SYNC_UNFINISHED,
                or_(
                    status.in_([SyncStatus.PENDING.value, SyncStatus.EXPIRED.value]),
                    and_(
                        status == SyncStatus.SYNCED.value,
                        user_files.c.openai_uploaded_at < uploaded_before,
                    ),
                ),
            )
            .order_by(user_files.c.created_at.asc(), user_files.c.id.asc())
            .limit(limit)
        )
        return builtins.list((await self._connection().execute(statement)).scalars())


def _values(file: UserFile) -> dict[str, Any]:
    return {
        "user_id": file.user_id,
        "file_name": file.file_name,
        "file_path": file.file_path,
        "file_type": file.file_type,
        "file_size": file.file_size,
        "source": file.source.value,
        "conversation_id": file.conversation_id,
        "message_id": file.message_id,
        "created_at": file.created_at,
        "extraction_status": file.extraction_status.value,
        "extraction_note": file.extraction_note,
        "openai_file_id": file.openai_file_id,
        "openai_vector_store_id": file.openai_vector_store_id,
        "openai_uploaded_at": file.openai_uploaded_at,
        "openai_sync_status": file.openai_sync_status.value,
        "sync_attempts": file.sync_attempts,
        "sync_error": file.sync_error,
        "synced_at": file.synced_at,
    }


def _to_file(row: Row[Any]) -> UserFile:
    return UserFile(
        id=row.id,
        user_id=row.user_id,
        file_name=row.file_name,
        file_path=row.file_path,
        file_type=row.file_type,
        file_size=row.file_size,
        source=FileSource(row.source),
        conversation_id=row.conversation_id,
        message_id=row.message_id,
        created_at=row.created_at,
        extraction_status=ExtractionStatus(row.extraction_status),
        extraction_note=row.extraction_note,
        openai_file_id=row.openai_file_id,
        openai_vector_store_id=row.openai_vector_store_id,
        openai_uploaded_at=row.openai_uploaded_at,
        openai_sync_status=SyncStatus(row.openai_sync_status),
        sync_attempts=row.sync_attempts,
        sync_error=row.sync_error,
        synced_at=row.synced_at,
    )
