"""The DocumentIndex port over OpenAI vector stores: one store per member and one per workspace's
knowledge base, one file per indexed file.

Indexing uploads the file's extracted text as Markdown (purpose `assistants`), attaches it to the
member's store (a knowledge document: the workspace's) with the attributes `ignacio_file_id`,
`file_name`, `workspace_id` and, for a member's file, `user_id`, waits until
OpenAI has processed it, and only then removes the older copies of the same file, so a search
never finds the file missing while it is replaced. When one file is indexed twice at once, the
copy attached last stays, whichever indexing finishes first; one overtaken while OpenAI was
still processing it answers with the copy that replaced it. A copy that failed to process is
removed; one still processing when the wait ends is left attached (the retry replaces it).
Searching asks OpenAI's search endpoint of the member's store, filtered on the workspace's id
(a member's store holds their files of every workspace), and of the workspace's knowledge base,
both at once, and keeps only hits carrying our attributes, the member's (none, in the knowledge
base) and the workspace's; the two lists are merged by score, which OpenAI's ranker gives on one
scale. OpenAI cuts the document into chunks of its own, so a hit may span several of the chunks
indexed.

Transient failures are retried by the SDK itself (`max_retries` on the client); what remains
becomes `UpstreamUnavailable`, with a message an operator can act on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from typing import TypeVar
from uuid import UUID

import openai
import structlog
from openai.types.shared_params import ComparisonFilter
from openai.types.vector_store_search_params import RankingOptions
from openai.types.vector_stores import VectorStoreFile

from ignacio.adapters.openai_vector_store.document import read_hit, render, upload_name
from ignacio.adapters.openai_vector_store.failures import unavailable
from ignacio.adapters.openai_vector_store.stores import Owner, StoreDirectory
from ignacio.application.ports import IndexedFile, RemoteCopy
from ignacio.domain.errors import UpstreamUnavailable
from ignacio.domain.knowledge import Passage

FILE_ID_ATTRIBUTE = "ignacio_file_id"
FILE_NAME_ATTRIBUTE = "file_name"
USER_ID_ATTRIBUTE = "user_id"
WORKSPACE_ID_ATTRIBUTE = "workspace_id"
"""The hosted `file_search` of the agents adapter filters on it too."""
MAX_ATTRIBUTE_LENGTH = 512
MAX_SEARCH_RESULTS = 50
"""OpenAI's ceiling for `max_num_results`."""
MAX_QUERY_CHARS = 4000
"""Longer queries are cut (at a space): no question needs more, and OpenAI may refuse them."""
_LIST_PAGE_SIZE = 100

T = TypeVar("T")

# OpenAI drops an uploaded file after 7 days (seed 000); the copy is then made again.
OPENAI_FILE_RETENTION = timedelta(days=7)

log = structlog.get_logger(__name__)


class OpenAIVectorStoreIndex:
    """Search over OpenAI vector stores (`DocumentIndex`): one store per member, searched one
    workspace at a time, and one per workspace's knowledge base.

    `client` is an `openai.AsyncOpenAI` (the one the assistant uses will do): its timeout
    applies to every call, and its `max_retries` unless `max_retries` is given here; the caller
    owns it and closes it. `store_prefix` names the stores (`<prefix>-user-<id>`,
    `<prefix>-workspace-<id>`).
    `poll_interval` and `max_processing_wait` (seconds) bound the wait for OpenAI to process an
    upload. `min_score` drops hits OpenAI scores lower (it otherwise returns the nearest
    passages, related or not). `retention`: how long OpenAI keeps an uploaded file (7 days).
    """

    def __init__(
        self,
        client: openai.AsyncOpenAI,
        *,
        store_prefix: str = "ignacio",
        retention: timedelta = OPENAI_FILE_RETENTION,
        poll_interval: float = 1.0,
        max_processing_wait: float = 300.0,
        min_score: float | None = None,
        max_retries: int | None = None,
    ) -> None:
        if max_retries is not None:
            # A copy sharing the connection pool, with its own retry budget.
            client = client.with_options(max_retries=max_retries)
        self._client = client
        self._stores = StoreDirectory(client, prefix=store_prefix)
        self._poll_interval_ms = max(int(poll_interval * 1000), 1)
        self._max_processing_wait = max_processing_wait
        self._min_score = min_score
        self.retention: timedelta | None = retention

    def __repr__(self) -> str:
        return f"OpenAIVectorStoreIndex({str(self._client.base_url)!r})"

    async def index(self, file: IndexedFile) -> RemoteCopy | None:
        document = render(file)
        owner = Owner.of(file.workspace_id, file.user_id)
        if document is None:
            # Nothing to search: no copy is kept, and an earlier one would be out of date.
            await self.remove(file.workspace_id, file.user_id, file.file_id)
            return None
        store_id = await self._stores.find_or_create(owner)
        uploaded = await _guarded(
            "uploading a file",
            self._client.files.create(
                file=(upload_name(file), document.encode(), "text/markdown"),
                purpose="assistants",
            ),
        )
        try:
            attributes: dict[str, str | float | bool] = {
                FILE_ID_ATTRIBUTE: str(file.file_id),
                FILE_NAME_ATTRIBUTE: file.file_name[:MAX_ATTRIBUTE_LENGTH],
                WORKSPACE_ID_ATTRIBUTE: str(file.workspace_id),
            }
            if file.user_id is not None:
                attributes[USER_ID_ATTRIBUTE] = str(file.user_id)
            attached = await self._client.vector_stores.files.create(
                store_id, file_id=uploaded.id, attributes=attributes
            )
        except openai.OpenAIError as error:
            if isinstance(error, openai.NotFoundError):
                self._stores.forget(owner)
            await self._delete_quietly(uploaded.id)
            raise unavailable(error, f"adding a file to the {owner.kind}'s vector store") from error
        mine = (attached.created_at, attached.id)
        try:
            if attached.status == "in_progress":
                attached = await self._wait_until_processed(store_id, uploaded.id)
            if attached.status != "completed":
                await self._discard(store_id, uploaded.id)
                reason = attached.last_error.message if attached.last_error else attached.status
                raise UpstreamUnavailable(
                    f"OpenAI could not process the file {file.file_name!r} for search ({reason})."
                )
            copies = await self._copies(store_id, file.file_id)
        except _Superseded:
            return await self._newest_copy(store_id, file)
        except _StoreGone as error:
            self._stores.forget(owner)
            raise UpstreamUnavailable(
                f"The {owner.kind}'s OpenAI vector store disappeared while a file was indexed."
            ) from error
        # Only older copies go: when the same file is indexed twice at once, the newest copy
        # is the one that stays, whichever indexing finishes first.
        for copy in copies:
            if (copy.created_at, copy.id) < mine:
                await self._discard(store_id, copy.id)
        log.info(
            "openai_file_indexed",
            file_id=str(file.file_id),
            openai_file_id=uploaded.id,
            vector_store_id=store_id,
        )
        return RemoteCopy(
            file_id=uploaded.id,
            store_id=store_id,
            uploaded_at=datetime.fromtimestamp(uploaded.created_at, UTC),
        )

    async def _newest_copy(self, store_id: str, file: IndexedFile) -> RemoteCopy:
        """The copy that replaced ours while OpenAI was processing it (a newer indexing)."""
        try:
            copies = await self._copies(store_id, file.file_id)
        except _StoreGone:
            copies = []
        if not copies:
            raise UpstreamUnavailable(
                f"The file {file.file_name!r} was replaced while OpenAI processed it, and the "
                "replacement is gone too; it will be indexed again."
            )
        newest = max(copies, key=lambda copy: (copy.created_at, copy.id))
        return RemoteCopy(
            file_id=newest.id,
            store_id=store_id,
            uploaded_at=datetime.fromtimestamp(newest.created_at, UTC),
        )

    async def remove(self, workspace_id: UUID, user_id: UUID | None, file_id: UUID) -> None:
        owner = Owner.of(workspace_id, user_id)
        store_id = await self._stores.find(owner)
        if store_id is None:
            return
        try:
            copies = await self._copies(store_id, file_id)
        except _StoreGone:
            self._stores.forget(owner)
            return
        for copy in copies:
            await self._discard(store_id, copy.id)

    async def forget_member(self, user_id: UUID) -> None:
        """Delete the member's vector store, with the uploads still attached to it (deleting a
        store leaves the files it held): a deleted member leaves nothing of theirs at OpenAI."""
        owner = Owner("user", user_id)
        store_id = await self._stores.find(owner)
        if store_id is None:
            return
        attached: list[str] = []
        try:
            async for copy in self._client.vector_stores.files.list(
                store_id, limit=_LIST_PAGE_SIZE
            ):
                attached.append(copy.id)
        except openai.NotFoundError:
            self._stores.forget(owner)
            return
        except openai.OpenAIError as error:
            raise unavailable(error, "listing the member's vector store") from error
        for openai_file_id in attached:
            await self._discard(store_id, openai_file_id)
        try:
            await self._client.vector_stores.delete(store_id)
        except openai.NotFoundError:
            pass
        except openai.OpenAIError as error:
            raise unavailable(error, "deleting the member's vector store") from error
        self._stores.forget(owner)
        log.info("openai_vector_store_deleted", user_id=str(user_id), vector_store_id=store_id)

    async def search(
        self, workspace_id: UUID, user_id: UUID, query: str, limit: int = 5
    ) -> list[Passage]:
        if limit <= 0 or not any(character.isalnum() for character in query):
            return []
        found = await asyncio.gather(
            self._search_store(Owner("user", user_id), workspace_id, query, limit),
            self._search_store(Owner("workspace", workspace_id), workspace_id, query, limit),
        )
        passages = [passage for hits in found for passage in hits]
        passages.sort(key=lambda passage: -passage.score)
        return passages[:limit]

    async def _search_store(
        self, owner: Owner, workspace_id: UUID, query: str, limit: int
    ) -> list[Passage]:
        """The owner's store's hits in the workspace: a member's files, or with `owner` the
        workspace itself, its knowledge base (whose files carry no member)."""
        store_id = await self._stores.find(owner)
        if store_id is None:
            return []
        ranking: RankingOptions | openai.Omit = openai.omit
        if self._min_score is not None:
            ranking = {"score_threshold": self._min_score}
        try:
            page = await self._client.vector_stores.search(
                store_id,
                query=_clipped(query),
                max_num_results=min(limit, MAX_SEARCH_RESULTS),
                ranking_options=ranking,
                filters=workspace_filter(workspace_id),
            )
        except openai.NotFoundError:
            self._stores.forget(owner)
            return []
        except openai.OpenAIError as error:
            raise unavailable(error, f"searching the {owner.kind}'s files") from error
        knowledge = owner.kind == "workspace"
        member = None if knowledge else str(owner.id)
        passages = []
        for hit in page.data:
            attributes = hit.attributes or {}
            if attributes.get(USER_ID_ATTRIBUTE) != member:
                continue
            if attributes.get(WORKSPACE_ID_ATTRIBUTE) != str(workspace_id):
                continue
            try:
                file_id = UUID(str(attributes.get(FILE_ID_ATTRIBUTE)))
            except ValueError:
                continue
            name = attributes.get(FILE_NAME_ATTRIBUTE)
            file_name = name if isinstance(name, str) and name else hit.filename
            text, location = read_hit(
                "\n\n".join(part.text for part in hit.content if part.type == "text"), file_name
            )
            if text:
                passages.append(
                    Passage(
                        file_id=file_id,
                        file_name=file_name,
                        text=text,
                        score=hit.score,
                        location=location,
                        knowledge=knowledge,
                    )
                )
        return passages

    async def _wait_until_processed(self, store_id: str, openai_file_id: str) -> VectorStoreFile:
        try:
            return await self._client.vector_stores.files.poll(
                openai_file_id,
                vector_store_id=store_id,
                poll_interval_ms=self._poll_interval_ms,
                max_wait_seconds=self._max_processing_wait,
            )
        except openai.NotFoundError as error:
            raise _Superseded from error
        except TimeoutError as error:
            raise UpstreamUnavailable(
                f"OpenAI was still processing the file after {self._max_processing_wait:g} s; "
                "it will be indexed again."
            ) from error
        except openai.OpenAIError as error:
            raise unavailable(error, "waiting for OpenAI to process a file") from error

    async def _copies(self, store_id: str, file_id: UUID) -> list[VectorStoreFile]:
        """Every copy of this file in the store."""
        wanted = str(file_id)
        copies = []
        try:
            async for attached in self._client.vector_stores.files.list(
                store_id, limit=_LIST_PAGE_SIZE
            ):
                if (attached.attributes or {}).get(FILE_ID_ATTRIBUTE) == wanted:
                    copies.append(attached)
        except openai.NotFoundError as error:
            raise _StoreGone from error
        except openai.OpenAIError as error:
            raise unavailable(error, "listing the member's vector store") from error
        return copies

    async def _discard(self, store_id: str, openai_file_id: str) -> None:
        """Detach the copy from the store and delete the uploaded file; either may be gone."""
        try:
            await self._client.vector_stores.files.delete(openai_file_id, vector_store_id=store_id)
        except openai.NotFoundError:
            pass
        except openai.OpenAIError as error:
            raise unavailable(error, "removing a file from the member's vector store") from error
        try:
            await self._client.files.delete(openai_file_id)
        except openai.NotFoundError:
            pass
        except openai.OpenAIError as error:
            raise unavailable(error, "deleting a file from OpenAI") from error

    async def _delete_quietly(self, openai_file_id: str) -> None:
        """Delete an upload that will not be used; a failure only leaves an unattached file."""
        try:
            await self._client.files.delete(openai_file_id)
        except openai.OpenAIError as error:
            log.warning(
                "openai_file_not_deleted", openai_file_id=openai_file_id, error=type(error).__name__
            )


class _StoreGone(Exception):
    """The member's vector store no longer exists at OpenAI."""


class _Superseded(Exception):
    """Our copy vanished while OpenAI processed it: a newer indexing of the file removed it."""


def workspace_filter(workspace_id: UUID) -> ComparisonFilter:
    """The search filter that keeps only one workspace's files of a store."""
    return {"type": "eq", "key": WORKSPACE_ID_ATTRIBUTE, "value": str(workspace_id)}


def _clipped(query: str) -> str:
    if len(query) <= MAX_QUERY_CHARS:
        return query
    cut = query[:MAX_QUERY_CHARS]
    space = cut.rfind(" ")
    return cut[:space] if space > 0 else cut


async def _guarded(doing: str, call: Awaitable[T]) -> T:
    try:
        return await call
    except openai.OpenAIError as error:
        raise unavailable(error, doing) from error
