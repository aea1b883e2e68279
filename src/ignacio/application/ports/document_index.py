"""DocumentIndex port: search over the text of a member's files and their workspace's knowledge
base, in one workspace."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol
from uuid import UUID

import msgspec

from ignacio.domain.knowledge import Chunk, Passage


class IndexedFile(msgspec.Struct, frozen=True, kw_only=True):
    """What an index needs of a file: whose it is (a member's, or with `user_id` None the
    workspace's knowledge base), in which workspace, what it is called, and its passages."""

    workspace_id: UUID
    user_id: UUID | None
    file_id: UUID
    file_name: str
    media_type: str
    chunks: list[Chunk]


class RemoteCopy(msgspec.Struct, frozen=True, kw_only=True):
    """Where an index that keeps files elsewhere (an OpenAI vector store) put this one: the
    file's id there, and the store (a member's collection, or a workspace's knowledge base)
    that holds it."""

    file_id: str
    store_id: str
    uploaded_at: datetime


class DocumentIndex(Protocol):
    retention: timedelta | None
    """How long a remote copy lives before the index drops it, so that it must be made again
    (OpenAI keeps uploaded files 7 days); None for an index that keeps no copy elsewhere."""

    async def index(self, file: IndexedFile) -> RemoteCopy | None:
        """Make the file's chunks searchable in its workspace (by its owner; a knowledge
        document by every member), replacing any earlier version of it.

        Returns the remote copy for an index that keeps one, None for one that does not.
        Raises UpstreamUnavailable when a remote index cannot be reached (worth retrying).
        """
        ...

    async def remove(self, workspace_id: UUID, user_id: UUID | None, file_id: UUID) -> None:
        """Drop the file's chunks (and any remote copy): the member's file, or with `user_id`
        None the workspace's knowledge document; nothing happens if there are none."""
        ...

    async def forget_member(self, user_id: UUID) -> None:
        """Drop everything the index keeps for the member, in every workspace: their chunks and,
        for a remote index, their store there (never a knowledge base they uploaded to). Nothing
        happens if there is none. Raises UpstreamUnavailable when a remote index cannot be
        reached."""
        ...

    async def search(
        self, workspace_id: UUID, user_id: UUID, query: str, limit: int = 5
    ) -> list[Passage]:
        """The passages that best answer the query, best first, among the member's files in this
        workspace and the workspace's knowledge base (`Passage.knowledge`), ranked together;
        never another member's, nor the member's own or a knowledge base from another workspace
        (a member of several organisations' workspaces must not have one's documents quoted in
        another).

        A query with no searchable words finds nothing rather than failing.
        """
        ...
