"""Which OpenAI vector store is a member's: found by OpenAI's list of stores, so a restart or
another instance finds the same one, and remembered once found.

A member's store is named `<prefix>-user-<user id>` and carries `{"ignacio_user_id": <user id>}`
in its metadata; both must match, so deployments with different prefixes can share a project.
The first look-up in a process reads the whole list (100 stores a request); later ones for a
member not yet known read only the stores created since (newest first), so a store another
instance created is found at once. When two instances race to create a member's store, both
keep the oldest and the newer one is deleted.
"""

from __future__ import annotations

import asyncio
from uuid import UUID

import openai
import structlog
from openai.types import VectorStore

from ignacio.adapters.openai_vector_store.failures import unavailable

METADATA_USER_KEY = "ignacio_user_id"
LIST_PAGE_SIZE = 100
# Stores created this many seconds before the newest one seen are read again by an incremental
# scan: `created_at` has a one-second grain, and listing is not a snapshot.
_RESCAN_MARGIN = 120

log = structlog.get_logger(__name__)


class StoreDirectory:
    """Find or create the vector store of each member."""

    def __init__(self, client: openai.AsyncOpenAI, *, prefix: str) -> None:
        self._client = client
        self._prefix = prefix
        self._known: dict[UUID, tuple[int, str]] = {}  # user: (created_at, vector store id)
        self._newest_seen: int | None = None
        self._lock = asyncio.Lock()

    def name_for(self, user_id: UUID) -> str:
        return f"{self._prefix}-user-{user_id}"

    async def find(self, user_id: UUID) -> str | None:
        """The member's vector store, or None if they have none yet."""
        known = self._known.get(user_id)
        if known is not None:
            return known[1]
        async with self._lock:
            if user_id not in self._known:
                await self._scan()
        known = self._known.get(user_id)
        return known[1] if known else None

    async def find_or_create(self, user_id: UUID) -> str:
        found = await self.find(user_id)
        if found is not None:
            return found
        async with self._lock:
            if user_id not in self._known:
                await self._create(user_id)
            return self._known[user_id][1]

    def forget(self, user_id: UUID) -> None:
        """Drop what is known of the member's store (OpenAI says it no longer exists); the next
        look-up reads the whole list again."""
        self._known.pop(user_id, None)
        self._newest_seen = None

    async def _create(self, user_id: UUID) -> None:
        try:
            store = await self._client.vector_stores.create(
                name=self.name_for(user_id), metadata={METADATA_USER_KEY: str(user_id)}
            )
        except openai.OpenAIError as error:
            raise unavailable(error, "creating the member's vector store") from error
        log.info("openai_vector_store_created", user_id=str(user_id), vector_store_id=store.id)
        self._learn(store)
        # Another instance may have created one at the same moment: everyone keeps the oldest.
        await self._scan()
        kept = self._known[user_id][1]
        if kept != store.id:
            log.info(
                "openai_vector_store_duplicate_deleted",
                user_id=str(user_id),
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
        owner = (store.metadata or {}).get(METADATA_USER_KEY)
        if owner is None:
            return
        try:
            user_id = UUID(owner)
        except ValueError:
            return
        if store.name != self.name_for(user_id) or store.status == "expired":
            return
        candidate = (store.created_at, store.id)
        known = self._known.get(user_id)
        if known is None or candidate < known:
            self._known[user_id] = candidate
