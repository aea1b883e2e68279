"""SummaryRepository in memory."""

from __future__ import annotations

from uuid import UUID

from ignacio.adapters.memory.store import InMemoryStore
from ignacio.domain import Conflict, NotFound
from ignacio.domain.summaries import ConversationSummary


class InMemorySummaryRepository:
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def add(self, summary: ConversationSummary) -> None:
        if summary.id in self._store.summaries:
            raise Conflict("This summary is already kept.")
        if summary.conversation_id not in self._store.conversations:
            raise NotFound("There is no such conversation.")  # as SQL's foreign key says
        self._store.summaries[summary.id] = summary

    async def latest(self, workspace_id: UUID, conversation_id: UUID) -> ConversationSummary | None:
        conversation = self._store.conversations.get(conversation_id)
        # The summaries of a conversation since deleted are never read: as ON DELETE CASCADE.
        if conversation is None or conversation.workspace_id != workspace_id:
            return None
        theirs = [
            summary
            for summary in self._store.summaries.values()
            if summary.conversation_id == conversation_id
        ]
        return max(theirs, key=lambda summary: (summary.created_at, summary.id), default=None)
