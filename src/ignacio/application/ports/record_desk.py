"""RecordDesk port: what the assistant's record tools may do, for the member of the turn."""

from __future__ import annotations

from typing import Protocol
from uuid import UUID

import msgspec

from ignacio.domain.records import Record, RecordType


class Drafted(msgspec.Struct, frozen=True, kw_only=True):
    """A record the assistant made or confirmed, and what the member is to be told of it."""

    record: Record
    link: str | None
    text: str


class RecordDesk(Protocol):
    """Records made in a conversation; the member and the workspace are always the turn's,
    never an argument of the model's."""

    async def types(self, workspace_id: UUID) -> list[RecordType]:
        """The record types of the workspace, built-in first."""
        ...

    async def draft(
        self,
        workspace_id: UUID,
        user_id: UUID,
        conversation_id: UUID | None,
        type_name: str,
        values: object,
    ) -> Drafted:
        """Validate `values` against the type and keep them as the member's draft (correcting
        the draft of that type they have); raises InvalidInput, storing nothing, when invalid."""
        ...

    async def confirm(self, workspace_id: UUID, user_id: UUID) -> Drafted:
        """Make the member's newest draft final; NotFound when they have none."""
        ...
