"""Which OpenAI vector store is a member's, or a workspace's knowledge base: found by OpenAI's list
of stores, so a restart or another instance finds the same one, and remembered once found.

A member's store is named `<prefix>-user-<user id>` and carries `{"ignacio_user_id": <user id>}`
in its metadata; a workspace's knowledge base `<prefix>-workspace-<workspace id>` with
`{"ignacio_workspace_id": <workspace id>}`. Name and metadata must match, so deployments with
different prefixes can share a project.
The first look-up in a process reads the whole list (100 stores a request); later ones for a
member not yet known read only the stores created since (newest first), so a store another
instance created is found at once. When two instances race to create a member's store, both
keep the oldest and the newer one is deleted.
"""

from __future__ import annotations

import asyncio
from typing import Literal, NamedTuple
from uuid import UUID

import openai
import structlog
from openai.types import VectorStore

from ignacio.adapters.openai_vector_store.failures import unavailable

METADATA_USER_KEY = "ignacio_user_id"
METADATA_WORKSPACE_KEY = "ignacio_workspace_id"
LIST_PAGE_SIZE = 100
# Stores created this many seconds before the newest one seen are read again by an incremental
# scan: `created_at` has a one-second grain, and listing is not a snapshot.
_RESCAN_MARGIN = 120

log = structlog.get_logger(__name__)


class Owner(NamedTuple):
    """Whose store: a member's (`user`) or a workspace's knowledge base (`workspace`)."""

    kind: Literal["user", "workspace"]
    id: UUID

    @classmethod
    def of(cls, workspace_id: UUID, user_id: UUID | None) -> Owner:
        """The store a file is kept in: its member's, or its workspace's knowledge base."""
        return cls("workspace", workspace_id) if user_id is None else cls("user", user_id)

    @property
    def metadata_key(self) -> str:
        return METADATA_USER_KEY if self.kind == "user" else METADATA_WORKSPACE_KEY

    def __str__(self) -> str:
        return f"{self.kind}-{self.id}"


class StoreDirectory:
    """Find or create the vector store of each member and each workspace's knowledge base."""

    def __init__(self, client: openai.AsyncOpenAI, *, prefix: str) -> None:
        self._client = client
        self._prefix = prefix
        self._known: dict[Owner, tuple[int, str]] = {}  # owner: (created_at, vector store id)
        self._newest_seen: int | None = None
        self._lock = asyncio.Lock()

    def name_for(self, owner: Owner) -> str:
        return f"{self._prefix}-{owner}"

    async def find(self, owner: Owner) -> str | None:
        """The owner's vector store, or None if there is none yet."""
        known = self._known.get(owner)
        if known is not None:
            return known[1]
        async with self._lock:
            if owner not in self._known:
                await self._scan()
        known = self._known.get(owner)
        return known[1] if known else None

    async def find_or_create(self, owner: Owner) -> str:
        found = await self.find(owner)
        if found is not None:
            return found
        async with self._lock:
            if owner not in self._known:
                await self._create(owner)
            return self._known[owner][1]

    def forget(self, owner: Owner) -> None:
        """Drop what is known of the owner's store (OpenAI says it no longer exists); the next
        look-up reads the whole list again."""
        self._known.pop(owner, None)
        self._newest_seen = None

    async def _create(self, owner: Owner) -> None:
        try:
            store = await self._client.vector_stores.create(
                name=self.name_for(owner), metadata={owner.metadata_key: str(owner.id)}
            )
        except openai.OpenAIError as error:
            raise unavailable(error, f"creating the {owner.kind}'s vector store") from error
        log.info("openai_vector_store_created", owner=str(owner), vector_store_id=store.id)
        self._learn(store)
        # Another instance may have created one at the same moment: everyone keeps the oldest.
        await self._scan()
        kept = self._known[owner][1]
        if kept != store.id:
            log.info(
                "openai_vector_store_duplicate_deleted",
                owner=str(owner),
                kept=kept,
                deleted=store.id,
            )
            try:
                await self._client.vector_stores.delete(store.id)
            except openai.NotFoundError:
                pass
            except openai.OpenAIError as error:
                log.warning(
                    "openai_vector_store_duplicate_not_deleted",
                    vector_store_id=store.id,
                    error=type(error).__name__,
                )

    async def _scan(self) -> None:
        since = None if self._newest_seen is None else self._newest_seen - _RESCAN_MARGIN
        newest = self._newest_seen
        try:
            async for store in self._client.vector_stores.list(limit=LIST_PAGE_SIZE, order="desc"):
                newest = store.created_at if newest is None else max(newest, store.created_at)
                if since is not None and store.created_at < since:
                    break
                self._learn(store)
        except openai.OpenAIError as error:
            raise unavailable(error, "listing the vector stores") from error
        self._newest_seen = newest

    def _learn(self, store: VectorStore) -> None:
        metadata = store.metadata or {}
        kinds: tuple[tuple[Literal["user", "workspace"], str], ...] = (
            ("user", METADATA_USER_KEY),
            ("workspace", METADATA_WORKSPACE_KEY),
        )
        for kind, key in kinds:
            if key not in metadata:
                continue
            try:
                owner = Owner(kind, UUID(metadata[key]))
            except ValueError:
                return
            if store.name != self.name_for(owner) or store.status == "expired":
                return
            candidate = (store.created_at, store.id)
            known = self._known.get(owner)
            if known is None or candidate < known:
                self._known[owner] = candidate
            return
