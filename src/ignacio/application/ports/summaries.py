"""SummaryRepository port: the summaries of each conversation."""

from __future__ import annotations

from typing import Protocol
from uuid import UUID

from ignacio.domain.summaries import ConversationSummary


class SummaryRepository(Protocol):
    """Summaries, read within one workspace: one of another workspace is not there."""

    async def add(self, summary: ConversationSummary) -> None:
        """Keep a new summary; raises Conflict if its id is taken, NotFound if its conversation
        does not exist."""
        ...

    async def latest(self, workspace_id: UUID, conversation_id: UUID) -> ConversationSummary | None:
        """The conversation's newest summary (by creation time, then id), or None."""
        ...
