"""SummaryRepository over SQLAlchemy Core: `conversation_summaries`."""

from __future__ import annotations

from uuid import UUID

from ignacio.adapters.sql.mapping import FieldMap
from ignacio.adapters.sql.queries import ConnectionSource, insert_new
from ignacio.adapters.sql.tables import conversation_summaries
from ignacio.domain.summaries import ConversationSummary

_FIELDS = FieldMap(
    ConversationSummary,
    conversation_summaries,
    "id",
    "workspace_id",
    "conversation_id",
    "text",
    "model",
    "input_tokens",
    "output_tokens",
    "latency_ms",
    "last_message_id",
    "last_message_at",
    "messages_read",
    "requested_by",
    "created_at",
)


class SqlSummaryRepository:
    def __init__(self, connection: ConnectionSource) -> None:
        self._connection = connection

    async def add(self, summary: ConversationSummary) -> None:
        await insert_new(
            self._connection(),
            conversation_summaries,
            _FIELDS.insert_values(summary),
            conflict="This summary is already kept.",
            missing="There is no such conversation.",
        )

    async def latest(self, workspace_id: UUID, conversation_id: UUID) -> ConversationSummary | None:
        c = conversation_summaries.c
        # The index (conversation_id, created_at, id) answers it from its end.
        statement = (
            _FIELDS.select()
            .where(c.conversation_id == conversation_id, c.workspace_id == workspace_id)
            .order_by(c.created_at.desc(), c.id.desc())
            .limit(1)
        )
        return await _FIELDS.first(self._connection(), statement)
