"""A local fake of OpenAI's Files and Vector Stores API: the parts Ignacio's vector-store index speaks.

`FakeOpenAIFiles` holds the state (uploaded files, vector stores and their files, every request,
the faults to inject) and its `app` speaks the protocol under `/v1`:

- `POST /files` (multipart: `file`, `purpose`), `GET /files`, `GET /files/{id}`,
  `DELETE /files/{id}` (which, as at OpenAI, also detaches the file from every vector store);
- `POST /vector_stores` (`name`, `metadata`, `file_ids`), `GET /vector_stores` (a cursor page:
  `limit`, `order`, `after`, `before`), `GET` and `DELETE /vector_stores/{id}`;
- `POST /vector_stores/{id}/files` (`file_id`, `attributes`, `chunking_strategy`), `GET` (list,
  with `filter` by status), `GET /vector_stores/{id}/files/{file_id}` and `DELETE` (detach only);
- `POST /vector_stores/{id}/search` (`query`, `max_num_results`, `filters`, `ranking_options`):
  `filters` compare a vector-store file's `attributes` (eq, ne, gt, gte, lt, lte, in, nin;
  combined with and/or); a malformed filter is refused with a 400, as OpenAI refuses it.

Bearer keys are checked (401 `invalid_api_key` otherwise). Errors have OpenAI's shape:
`{"error": {"message", "type", "param", "code"}}`, every answer an `x-request-id`. A vector-store
file is `in_progress` when attached and `completed` at its `processing_polls`-th retrieval (1 by
default: the first poll sees it done; 0: done at once); only completed files are searched.

Where it is simpler than OpenAI, on purpose: it chunks by words (a word counts as a token, 800
with an overlap of 400 unless a static strategy says otherwise), and ranks chunks by the share of
the query's words they hold (case and accents folded) instead of by embeddings, so it returns
only chunks that share a word with the query, where OpenAI returns the nearest ones whatever
they are.

Faults on demand: `fail_next(n, status=429, retry_after=...)` refuses the next `n` authorised
requests (optionally only those to one `endpoint`), `fail_processing(n)` makes the next `n`
attached files end `failed`, and `hold_together(n, endpoint=...)` answers the next `n` requests
to an endpoint only once all have arrived (a race, every time). Run it in-process
(`fake.http_client()`, an `httpx2` client over ASGI, for the `openai` SDK's `http_client=`) or
on 127.0.0.1 (`with fake.serve() as base_url:`, where `base_url` ends in `/v1`).
"""

from __future__ import annotations

import asyncio
import itertools
import re
import secrets
import threading
import time
import unicodedata
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal, cast

import httpx2
import msgspec
from litestar import Litestar, Request, Response, delete, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions import MethodNotAllowedException, NotFoundException

from tests.support.served import serve_in_thread

FAKE_API_KEY = "sk-fake-openai-files-0123456789"
FAKE_BASE_URL = "http://openai.fake/v1"

Endpoint = Literal["files", "vector_stores", "vector_store_files", "search"]

FILE_PURPOSES = frozenset({"assistants", "batch", "fine-tune", "vision", "user_data", "evals"})
DEFAULT_MAX_CHUNK_TOKENS = 800
DEFAULT_CHUNK_OVERLAP_TOKENS = 400
MAX_METADATA_PAIRS = 16
MAX_KEY_LENGTH = 64
MAX_VALUE_LENGTH = 512
_HOLD_TIMEOUT = 30.0

_WORD = re.compile(r"\w+")
_TOKEN = re.compile(r"\S+\s*")
_STATUS_ERRORS: dict[int, tuple[str, str, str | None]] = {
    429: (
        "Rate limit reached for requests. Please try again later.",
        "requests",
        "rate_limit_exceeded",
    ),
    500: (
        "The server had an error while processing your request. Sorry about that!",
        "server_error",
        None,
    ),
    502: ("Bad gateway.", "server_error", None),
    503: ("The engine is currently overloaded, please try again later.", "server_error", None),
}


@dataclass(frozen=True)
class Fault:
    status: int
    retry_after: float | None = None
    message: str | None = None
    code: str | None = None


@dataclass(frozen=True)
class RequestRecord:
    """One request the fake answered, at `at` on its clock."""

    method: str
    path: str
    status: int
    at: float


@dataclass
class StoredFile:
    id: str
    filename: str
    purpose: str
    content: bytes
    created_at: int

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "file",
            "bytes": len(self.content),
            "created_at": self.created_at,
            "expires_at": None,
            "filename": self.filename,
            "purpose": self.purpose,
            "status": "processed",
            "status_details": None,
        }


@dataclass
class StoreFile:
    """A file attached to a vector store, with the chunks it was cut into once processed."""

    id: str
    vector_store_id: str
    created_at: int
    attributes: dict[str, Any]
    max_chunk_tokens: int
    overlap_tokens: int
    polls_left: int
    fails_with: tuple[str, str] | None
    status: str = "in_progress"
    last_error: dict[str, str] | None = None
    usage_bytes: int = 0
    chunks: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "vector_store.file",
            "created_at": self.created_at,
            "vector_store_id": self.vector_store_id,
            "status": self.status,
            "last_error": self.last_error,
            "usage_bytes": self.usage_bytes,
            "attributes": dict(self.attributes),
            "chunking_strategy": {
                "type": "static",
                "static": {
                    "max_chunk_size_tokens": self.max_chunk_tokens,
                    "chunk_overlap_tokens": self.overlap_tokens,
                },
            },
        }


@dataclass
class VectorStore:
    id: str
    name: str
    metadata: dict[str, str]
    created_at: int
    files: dict[str, StoreFile] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        statuses = [f.status for f in self.files.values()]
        return {
            "id": self.id,
            "object": "vector_store",
            "created_at": self.created_at,
            "name": self.name,
            "metadata": dict(self.metadata),
            "status": "in_progress" if "in_progress" in statuses else "completed",
            "usage_bytes": sum(f.usage_bytes for f in self.files.values()),
            "file_counts": {
                "in_progress": statuses.count("in_progress"),
                "completed": statuses.count("completed"),
                "failed": statuses.count("failed"),
                "cancelled": statuses.count("cancelled"),
                "total": len(statuses),
            },
            "last_active_at": self.created_at,
            "expires_after": None,
            "expires_at": None,
        }


@dataclass
class _State:
    files: dict[str, StoredFile] = field(default_factory=dict)
    deleted_files: list[str] = field(default_factory=list)
    stores: dict[str, VectorStore] = field(default_factory=dict)
    requests: list[RequestRecord] = field(default_factory=list)
    searches: list[tuple[str, list[str]]] = field(default_factory=list)
    faults: deque[tuple[Endpoint | None, Fault]] = field(default_factory=deque)
    processing_faults: deque[tuple[str, str]] = field(default_factory=deque)
    held: _Held | None = None


@dataclass
class _Held:
    """Requests kept waiting until `count` of them have arrived (see `hold_together`)."""

    count: int
    endpoint: Endpoint
    method: str
    arrived: int = 0
    released: asyncio.Event | None = None


class _Refusal(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.param = param
        self.code = code
        self.retry_after = retry_after


class FakeOpenAIFiles:
    """The state of a fake OpenAI Files and Vector Stores API, and (`app`) the ASGI app serving it."""

    def __init__(
        self,
        *,
        api_key: str = FAKE_API_KEY,
        processing_polls: int = 1,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.api_key = api_key
        self.processing_polls = processing_polls
        self.clock = clock
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._state = _State()
        self.app = _build_app(self)

    # What happened.

    @property
    def files(self) -> dict[str, StoredFile]:
        """The uploaded files not deleted, by id."""
        with self._lock:
            return dict(self._state.files)

    @property
    def deleted_file_ids(self) -> list[str]:
        with self._lock:
            return list(self._state.deleted_files)

    @property
    def vector_stores(self) -> dict[str, VectorStore]:
        with self._lock:
            return dict(self._state.stores)

    @property
    def requests(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._state.requests)

    @property
    def searches(self) -> list[tuple[str, list[str]]]:
        """Each search answered: (vector store id, its queries)."""
        with self._lock:
            return list(self._state.searches)

    def store_files(self, vector_store_id: str) -> dict[str, StoreFile]:
        """The files attached to a vector store, by file id (none if the store does not exist)."""
        with self._lock:
            store = self._state.stores.get(vector_store_id)
            return dict(store.files) if store else {}

    def stores_with_metadata(self, key: str, value: str) -> list[VectorStore]:
        with self._lock:
            return [s for s in self._state.stores.values() if s.metadata.get(key) == value]

    def count(self, method: str, path_pattern: str) -> int:
        """How many requests matched `method` and the regular expression `path_pattern`."""
        pattern = re.compile(path_pattern)
        return sum(1 for r in self.requests if r.method == method and pattern.fullmatch(r.path))

    # Set-up.

    def fail_next(
        self,
        n: int = 1,
        *,
        status: int = 500,
        retry_after: float | None = None,
        endpoint: Endpoint | None = None,
        message: str | None = None,
        code: str | None = None,
    ) -> None:
        """Refuse the next `n` authorised requests (to `endpoint`, or to any) with `status`."""
        fault = Fault(status=status, retry_after=retry_after, message=message, code=code)
        with self._lock:
            self._state.faults.extend([(endpoint, fault)] * n)

    def fail_processing(
        self,
        n: int = 1,
        *,
        code: str = "server_error",
        message: str = "An internal error occurred while processing the file.",
    ) -> None:
        """Make the next `n` files attached to a vector store end `failed` with this `last_error`."""
        with self._lock:
            self._state.processing_faults.extend([(code, message)] * n)

    def add_vector_store(self, name: str, metadata: dict[str, str] | None = None) -> str:
        """Create a vector store directly (as another program would), returning its id."""
        with self._lock:
            store = VectorStore(
                id=self._new_id("vs_"),
                name=name,
                metadata=dict(metadata or {}),
                created_at=int(self.clock()),
            )
            self._state.stores[store.id] = store
        return store.id

    def hold_together(self, n: int, *, endpoint: Endpoint, method: str = "GET") -> None:
        """Keep the next `n` authorised `method` requests to `endpoint` waiting until all `n` have
        arrived: each is answered from the state it found, so a race happens every time.

        Held requests must share one event loop (in-process, or all on the served fake).
        """
        with self._lock:
            self._state.held = _Held(count=n, endpoint=endpoint, method=method.upper())

    def reset(self) -> None:
        """Forget everything: files, stores, records and faults."""
        with self._lock:
            self._state = _State()

    # Running.

    def http_client(self, **kwargs: Any) -> httpx2.AsyncClient:
        """An `httpx2` client reaching this fake in-process (give `FAKE_BASE_URL` as `base_url`)."""
        return httpx2.AsyncClient(
            transport=httpx2.ASGITransport(app=cast("Any", self.app)), **kwargs
        )

    @contextmanager
    def serve(self) -> Iterator[str]:
        """Serve the fake on 127.0.0.1 in a background thread; yields the API's base URL (`.../v1`)."""
        with serve_in_thread(self.app, "the fake OpenAI files server") as base_url:
            yield f"{base_url}/v1"

    # The protocol.

    async def handle(
        self,
        request: Request[Any, Any, Any],
        endpoint: Endpoint,
        answer: Callable[[Request[Any, Any, Any]], Awaitable[dict[str, Any]]],
    ) -> Response[bytes]:
        try:
            self._check_key(request)
            self._injected_fault(endpoint)
            body = await answer(request)
            await self._wait_for_the_others(request.method, endpoint)
            response = _json(200, body)
        except _Refusal as refusal:
            response = _error(refusal)
        with self._lock:
            self._state.requests.append(
                RequestRecord(
                    request.method, request.url.path, response.status_code or 200, self.clock()
                )
            )
        return response

    def _check_key(self, request: Request[Any, Any, Any]) -> None:
        header = request.headers.get("authorization", "")
        scheme, _, key = header.partition(" ")
        key = key.strip()
        if scheme.lower() != "bearer" or not key:
            raise _Refusal(
                401,
                "You didn't provide an API key. You need to provide your API key in an "
                "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
            )
        if not secrets.compare_digest(key.encode(), self.api_key.encode()):
            masked = f"{key[:3]}{'*' * 8}{key[-4:]}" if len(key) > 8 else "*" * len(key)
            raise _Refusal(
                401,
                f"Incorrect API key provided: {masked}. You can find your API key at "
                "https://platform.openai.com/account/api-keys.",
                code="invalid_api_key",
            )

    def _injected_fault(self, endpoint: Endpoint) -> None:
        with self._lock:
            queue = self._state.faults
            index = next(
                (i for i, (only, _) in enumerate(queue) if only is None or only == endpoint), None
            )
            if index is None:
                return
            fault = queue[index][1]
            del queue[index]
        message, kind, code = _STATUS_ERRORS.get(
            fault.status, (f"Error {fault.status}.", "invalid_request_error", None)
        )
        raise _Refusal(
            fault.status,
            fault.message or message,
            type=kind,
            code=fault.code or code,
            retry_after=fault.retry_after,
        )

    async def _wait_for_the_others(self, method: str, endpoint: Endpoint) -> None:
        with self._lock:
            held = self._state.held
            if held is None or held.endpoint != endpoint or held.method != method:
                return
            if held.released is None:
                held.released = asyncio.Event()
            held.arrived += 1
            released = held.released
            if held.arrived >= held.count:
                self._state.held = None
                released.set()
        # A safety net only: the test that armed the hold sends every request it waits for.
        await asyncio.wait_for(released.wait(), timeout=_HOLD_TIMEOUT)

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):06d}{secrets.token_hex(8)}"

    # Files.

    async def create_file(self, request: Request[Any, Any, Any]) -> dict[str, Any]:
        content_type = request.headers.get("content-type", "")
        if not content_type.startswith("multipart/form-data"):
            raise _Refusal(400, "Invalid request: expected a multipart/form-data body.")
        form = await request.form()
        upload = form.get("file")
        purpose = form.get("purpose")
        if not isinstance(upload, UploadFile):
            raise _Refusal(400, "Missing required parameter: 'file'.", param="file")
        if not isinstance(purpose, str) or not purpose:
            raise _Refusal(400, "Missing required parameter: 'purpose'.", param="purpose")
        if purpose not in FILE_PURPOSES:
            raise _Refusal(
                400,
                f"'{purpose}' is not one of {sorted(FILE_PURPOSES)} - 'purpose'",
                param="purpose",
            )
        content = await upload.read()
        if not content:
            raise _Refusal(400, "File is empty.", param="file")
        with self._lock:
            stored = StoredFile(
                id=self._new_id("file-"),
                filename=upload.filename or "upload",
                purpose=purpose,
                content=content,
                created_at=int(self.clock()),
            )
            self._state.files[stored.id] = stored
        return stored.as_json()

    async def list_files(self, request: Request[Any, Any, Any]) -> dict[str, Any]:
        purpose = request.query_params.get("purpose")
        with self._lock:
            files = [
                f for f in self._state.files.values() if purpose is None or f.purpose == purpose
            ]
            return _page(request, [(f.id, f.created_at, f.as_json()) for f in files], 10_000)

    async def retrieve_file(self, request: Request[Any, Any, Any]) -> dict[str, Any]:
        with self._lock:
            return self._file(request.path_params["file_id"]).as_json()

    async def delete_file(self, request: Request[Any, Any, Any]) -> dict[str, Any]:
        file_id = request.path_params["file_id"]
        with self._lock:
            self._file(file_id)
            del self._state.files[file_id]
            self._state.deleted_files.append(file_id)
            for store in self._state.stores.values():
                store.files.pop(file_id, None)
        return {"id": file_id, "object": "file", "deleted": True}

    def _file(self, file_id: str) -> StoredFile:
        stored = self._state.files.get(file_id)
        if stored is None:
            raise _Refusal(404, f"No such File object: {file_id}", param="id")
        return stored

    # Vector stores.

    async def create_store(self, request: Request[Any, Any, Any]) -> dict[str, Any]:
        body = await _json_body(request)
        name = body.get("name") or ""
        if not isinstance(name, str):
            raise _Refusal(400, "Invalid type for 'name': expected a string.", param="name")
        metadata = _metadata(body.get("metadata"), "metadata", values=(str,))
        file_ids = body.get("file_ids") or []
        if not isinstance(file_ids, list) or not all(isinstance(i, str) for i in file_ids):
            raise _Refusal(400, "Invalid 'file_ids': expected an array of strings.")
        with self._lock:
            for file_id in file_ids:
                self._file(file_id)
            store = VectorStore(
                id=self._new_id("vs_"),
                name=name,
                metadata=cast("dict[str, str]", metadata),
                created_at=int(self.clock()),
            )
            self._state.stores[store.id] = store
            for file_id in file_ids:
                self._attach(store, file_id, {}, None)
            return store.as_json()

    async def list_stores(self, request: Request[Any, Any, Any]) -> dict[str, Any]:
        with self._lock:
            items = [(s.id, s.created_at, s.as_json()) for s in self._state.stores.values()]
            return _page(request, items, 100)

    async def retrieve_store(self, request: Request[Any, Any, Any]) -> dict[str, Any]:
        with self._lock:
            return self._store(request.path_params["vector_store_id"]).as_json()

    async def delete_store(self, request: Request[Any, Any, Any]) -> dict[str, Any]:
        store_id = request.path_params["vector_store_id"]
        with self._lock:
            self._store(store_id)
            del self._state.stores[store_id]
        return {"id": store_id, "object": "vector_store.deleted", "deleted": True}

    def _store(self, store_id: str) -> VectorStore:
        store = self._state.stores.get(store_id)
        if store is None:
            raise _Refusal(404, f"No vector store found with id '{store_id}'.")
        return store

    # Vector-store files.

    async def attach_file(self, request: Request[Any, Any, Any]) -> dict[str, Any]:
        body = await _json_body(request)
        file_id = body.get("file_id")
        if not isinstance(file_id, str) or not file_id:
            raise _Refusal(400, "Missing required parameter: 'file_id'.", param="file_id")
        attributes = _metadata(body.get("attributes"), "attributes", values=(str, int, float, bool))
        strategy = _chunking(body.get("chunking_strategy"))
        with self._lock:
            store = self._store(request.path_params["vector_store_id"])
            self._file(file_id)
            return self._attach(store, file_id, attributes, strategy).as_json()

    def _attach(
        self,
        store: VectorStore,
        file_id: str,
        attributes: dict[str, Any],
        strategy: tuple[int, int] | None,
    ) -> StoreFile:
        max_tokens, overlap = strategy or (DEFAULT_MAX_CHUNK_TOKENS, DEFAULT_CHUNK_OVERLAP_TOKENS)
        fails_with = (
            self._state.processing_faults.popleft() if self._state.processing_faults else None
        )
        attached = StoreFile(
            id=file_id,
            vector_store_id=store.id,
            created_at=int(self.clock()),
            attributes=attributes,
            max_chunk_tokens=max_tokens,
            overlap_tokens=overlap,
            polls_left=self.processing_polls,
            fails_with=fails_with,
        )
        store.files.pop(file_id, None)
        store.files[file_id] = attached
        if attached.polls_left <= 0:
            self._finish(attached)
        return attached

    def _finish(self, attached: StoreFile) -> None:
        if attached.fails_with is not None:
            code, message = attached.fails_with
            attached.status = "failed"
            attached.last_error = {"code": code, "message": message}
            return
        stored = self._state.files[attached.id]
        attached.chunks = _chunks(stored.text, attached.max_chunk_tokens, attached.overlap_tokens)
        attached.usage_bytes = len(stored.content)
        attached.status = "completed"

    async def list_store_files(self, request: Request[Any, Any, Any]) -> dict[str, Any]:
        status = request.query_params.get("filter")
        with self._lock:
            store = self._store(request.path_params["vector_store_id"])
            items = [
                (f.id, f.created_at, f.as_json())
                for f in store.files.values()
                if status is None or f.status == status
            ]
            return _page(request, items, 100)

    async def retrieve_store_file(self, request: Request[Any, Any, Any]) -> dict[str, Any]:
        with self._lock:
            attached = self._store_file(request)
            if attached.status == "in_progress":
                attached.polls_left -= 1
                if attached.polls_left <= 0:
                    self._finish(attached)
            return attached.as_json()

    async def detach_file(self, request: Request[Any, Any, Any]) -> dict[str, Any]:
        with self._lock:
            attached = self._store_file(request)
            del self._state.stores[attached.vector_store_id].files[attached.id]
        return {"id": attached.id, "object": "vector_store.file.deleted", "deleted": True}

    def _store_file(self, request: Request[Any, Any, Any]) -> StoreFile:
        store = self._store(request.path_params["vector_store_id"])
        file_id = request.path_params["file_id"]
        attached = store.files.get(file_id)
        if attached is None:
            raise _Refusal(404, f"No file found with id '{file_id}' in vector store '{store.id}'.")
        return attached

    # Search.

    async def search(self, request: Request[Any, Any, Any]) -> dict[str, Any]:
        body = await _json_body(request)
        raw_query = body.get("query")
        queries = [raw_query] if isinstance(raw_query, str) else raw_query
        if not isinstance(queries, list) or not all(isinstance(q, str) for q in queries):
            raise _Refusal(400, "Missing required parameter: 'query'.", param="query")
        limit = body.get("max_num_results", 10)
        if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= 50:
            raise _Refusal(
                400,
                "Invalid 'max_num_results': expected an integer between 1 and 50.",
                param="max_num_results",
            )
        raw_filters = body.get("filters")
        filters = None if raw_filters is None else _checked_filters(raw_filters)
        threshold = _threshold(body.get("ranking_options"))
        words = set().union(*(_words(q) for q in queries))
        with self._lock:
            store = self._store(request.path_params["vector_store_id"])
            self._state.searches.append((store.id, list(queries)))
            hits: list[tuple[float, int, int, StoreFile, str]] = []
            for order, attached in enumerate(store.files.values()):
                if attached.status != "completed" or attached.id not in self._state.files:
                    continue
                if filters is not None and not _matches(filters, attached.attributes):
                    continue
                for position, chunk in enumerate(attached.chunks):
                    score = _score(words, chunk)
                    if score > 0 and score >= threshold:
                        hits.append((score, order, position, attached, chunk))
            hits.sort(key=lambda hit: (-hit[0], hit[1], hit[2]))
            data = [
                {
                    "file_id": attached.id,
                    "filename": self._state.files[attached.id].filename,
                    "score": score,
                    "attributes": dict(attached.attributes),
                    "content": [{"type": "text", "text": chunk}],
                }
                for score, _, _, attached, chunk in hits[:limit]
            ]
        return {
            "object": "vector_store.search_results.page",
            "search_query": list(queries),
            "data": data,
            "has_more": False,
            "next_page": None,
        }


def _build_app(fake: FakeOpenAIFiles) -> Litestar:
    @post("/v1/files", status_code=200)
    async def create_file(request: Request[Any, Any, Any]) -> Response[bytes]:
        return await fake.handle(request, "files", fake.create_file)

    @get("/v1/files")
    async def list_files(request: Request[Any, Any, Any]) -> Response[bytes]:
        return await fake.handle(request, "files", fake.list_files)

    @get("/v1/files/{file_id:str}")
    async def retrieve_file(request: Request[Any, Any, Any]) -> Response[bytes]:
        return await fake.handle(request, "files", fake.retrieve_file)

    @delete("/v1/files/{file_id:str}", status_code=200)
    async def delete_file(request: Request[Any, Any, Any]) -> Response[bytes]:
        return await fake.handle(request, "files", fake.delete_file)

    @post("/v1/vector_stores", status_code=200)
    async def create_store(request: Request[Any, Any, Any]) -> Response[bytes]:
        return await fake.handle(request, "vector_stores", fake.create_store)

    @get("/v1/vector_stores")
    async def list_stores(request: Request[Any, Any, Any]) -> Response[bytes]:
        return await fake.handle(request, "vector_stores", fake.list_stores)

    @get("/v1/vector_stores/{vector_store_id:str}")
    async def retrieve_store(request: Request[Any, Any, Any]) -> Response[bytes]:
        return await fake.handle(request, "vector_stores", fake.retrieve_store)

    @delete("/v1/vector_stores/{vector_store_id:str}", status_code=200)
    async def delete_store(request: Request[Any, Any, Any]) -> Response[bytes]:
        return await fake.handle(request, "vector_stores", fake.delete_store)

    @post("/v1/vector_stores/{vector_store_id:str}/files", status_code=200)
    async def attach_file(request: Request[Any, Any, Any]) -> Response[bytes]:
        return await fake.handle(request, "vector_store_files", fake.attach_file)

    @get("/v1/vector_stores/{vector_store_id:str}/files")
    async def list_store_files(request: Request[Any, Any, Any]) -> Response[bytes]:
        return await fake.handle(request, "vector_store_files", fake.list_store_files)

    @get("/v1/vector_stores/{vector_store_id:str}/files/{file_id:str}")
    async def retrieve_store_file(request: Request[Any, Any, Any]) -> Response[bytes]:
        return await fake.handle(request, "vector_store_files", fake.retrieve_store_file)

    @delete("/v1/vector_stores/{vector_store_id:str}/files/{file_id:str}", status_code=200)
    async def detach_file(request: Request[Any, Any, Any]) -> Response[bytes]:
        return await fake.handle(request, "vector_store_files", fake.detach_file)

    @post("/v1/vector_stores/{vector_store_id:str}/search", status_code=200)
    async def search(request: Request[Any, Any, Any]) -> Response[bytes]:
        return await fake.handle(request, "search", fake.search)

    def invalid_url(request: Request[Any, Any, Any], _: Exception) -> Response[bytes]:
        return _error(_Refusal(404, f"Invalid URL ({request.method} {request.url.path})"))

    return Litestar(
        route_handlers=[
            create_file,
            list_files,
            retrieve_file,
            delete_file,
            create_store,
            list_stores,
            retrieve_store,
            delete_store,
            attach_file,
            list_store_files,
            retrieve_store_file,
            detach_file,
            search,
        ],
        exception_handlers={
            NotFoundException: invalid_url,
            MethodNotAllowedException: invalid_url,
        },
        openapi_config=None,
        logging_config=None,
    )


async def _json_body(request: Request[Any, Any, Any]) -> dict[str, Any]:
    raw = await request.body()
    try:
        body = msgspec.json.decode(raw) if raw else {}
    except (msgspec.DecodeError, RecursionError) as error:
        raise _Refusal(
            400,
            "We could not parse the JSON body of your request. (HINT: This likely means you "
            "aren't using your HTTP library correctly.)",
        ) from error
    if not isinstance(body, dict):
        raise _Refusal(400, "Invalid request body: expected a JSON object.")
    return body


def _metadata(raw: Any, param: str, *, values: tuple[type, ...]) -> dict[str, Any]:
    """`metadata` or `attributes`: at most 16 pairs, keys up to 64 characters, strings up to 512."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise _Refusal(400, f"Invalid type for '{param}': expected an object.", param=param)
    if len(raw) > MAX_METADATA_PAIRS:
        raise _Refusal(
            400,
            f"Invalid '{param}': too many properties. Expected an object with at most "
            f"{MAX_METADATA_PAIRS} properties, but got an object with {len(raw)} properties "
            "instead.",
            param=param,
        )
    for key, value in raw.items():
        if len(key) > MAX_KEY_LENGTH:
            raise _Refusal(
                400,
                f"Invalid '{param}': key '{key}' is longer than {MAX_KEY_LENGTH} characters.",
                param=param,
            )
        if not isinstance(value, values):
            raise _Refusal(
                400, f"Invalid type for '{param}.{key}': unsupported value type.", param=param
            )
        if isinstance(value, str) and len(value) > MAX_VALUE_LENGTH:
            raise _Refusal(
                400,
                f"Invalid '{param}.{key}': string too long. Expected a string with maximum "
                f"length {MAX_VALUE_LENGTH}, but got a string with length {len(value)} instead.",
                param=param,
            )
    return dict(raw)


def _chunking(raw: Any) -> tuple[int, int] | None:
    if raw is None or (isinstance(raw, dict) and raw.get("type") == "auto"):
        return None
    static = raw.get("static") if isinstance(raw, dict) and raw.get("type") == "static" else None
    size = static.get("max_chunk_size_tokens") if isinstance(static, dict) else None
    overlap = static.get("chunk_overlap_tokens") if isinstance(static, dict) else None
    if not isinstance(size, int) or not isinstance(overlap, int):
        raise _Refusal(400, "Invalid 'chunking_strategy'.", param="chunking_strategy")
    if not 100 <= size <= 4096 or not 0 <= overlap <= size // 2:
        raise _Refusal(
            400,
            "Invalid 'chunking_strategy': max_chunk_size_tokens must be between 100 and 4096, "
            "and chunk_overlap_tokens must not exceed half of it.",
            param="chunking_strategy",
        )
    return size, overlap


def _threshold(raw: Any) -> float:
    if raw is None:
        return 0.0
    value = raw.get("score_threshold", 0.0) if isinstance(raw, dict) else None
    if not isinstance(value, int | float) or not 0 <= value <= 1:
        raise _Refusal(400, "Invalid 'ranking_options.score_threshold'.", param="ranking_options")
    return float(value)


_COMPARISONS = ("eq", "ne", "gt", "gte", "lt", "lte", "in", "nin")
_COMPOUNDS = ("and", "or")


def _checked_filters(raw: Any, param: str = "filters") -> dict[str, Any]:
    """A search's `filters`, refused (400) unless it is a filter OpenAI accepts: a comparison
    (`type` one of eq, ne, gt, gte, lt, lte, in, nin; `key`, a string; `value`, a string,
    number or boolean, or for in/nin an array of strings and numbers) or a compound (`type` and
    or or; `filters`, an array of filters), with no other properties. Checked before any file
    is looked at, so a malformed filter is refused even on an empty store."""
    if not isinstance(raw, dict):
        raise _Refusal(400, f"Invalid type for '{param}': expected an object.", param=param)
    kind = raw.get("type")
    if kind is None:
        raise _Refusal(400, f"Missing required parameter: '{param}.type'.", param=f"{param}.type")
    if kind not in _COMPARISONS + _COMPOUNDS:
        supported = ", ".join(f"'{k}'" for k in _COMPARISONS + _COMPOUNDS)
        raise _Refusal(
            400,
            f"Invalid value: '{kind}'. Supported values are: {supported}.",
            param=f"{param}.type",
            code="invalid_value",
        )
    allowed = {"type", "filters"} if kind in _COMPOUNDS else {"type", "key", "value"}
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise _Refusal(
            400,
            f"Unknown parameter: '{param}.{unknown[0]}'.",
            param=f"{param}.{unknown[0]}",
            code="unknown_parameter",
        )
    if kind in _COMPOUNDS:
        parts = raw.get("filters")
        if not isinstance(parts, list):
            raise _Refusal(
                400, f"Missing required parameter: '{param}.filters'.", param=f"{param}.filters"
            )
        for n, part in enumerate(parts):
            _checked_filters(part, f"{param}.filters[{n}]")
        return raw
    for required in ("key", "value"):
        if required not in raw:
            raise _Refusal(
                400,
                f"Missing required parameter: '{param}.{required}'.",
                param=f"{param}.{required}",
            )
    if not isinstance(raw["key"], str):
        raise _Refusal(
            400, f"Invalid type for '{param}.key': expected a string.", param=f"{param}.key"
        )
    value = raw["value"]
    if kind in ("in", "nin"):
        valid = isinstance(value, list) and all(_is_scalar(v, boolean=False) for v in value)
    else:
        valid = _is_scalar(value, boolean=True)
    if not valid:
        raise _Refusal(
            400, f"Invalid type for '{param}.value'.", param=f"{param}.value", code="invalid_type"
        )
    return raw


def _is_scalar(value: Any, *, boolean: bool) -> bool:
    if isinstance(value, bool):
        return boolean
    return isinstance(value, str | int | float)


def _matches(filters: dict[str, Any], attributes: dict[str, Any]) -> bool:
    """Whether a file's attributes pass a filter `_checked_filters` accepted. A file without the
    key passes no comparison but `ne` and `nin`; values compare only with values of their kind
    (a string never equals a number, a boolean never equals 1)."""
    kind: str = filters["type"]
    if kind in _COMPOUNDS:
        results = [_matches(part, attributes) for part in filters["filters"]]
        return all(results) if kind == "and" else any(results)
    key: str = filters["key"]
    expected: Any = filters["value"]
    if key not in attributes:
        return kind in ("ne", "nin")
    actual: Any = attributes[key]
    if kind in ("eq", "ne"):
        return _same(actual, expected) == (kind == "eq")
    if kind in ("in", "nin"):
        return any(_same(actual, option) for option in expected) == (kind == "in")
    numbers = (int, float)
    if isinstance(actual, bool) or isinstance(expected, bool):
        return False
    if not isinstance(actual, numbers) or not isinstance(expected, numbers):
        return False
    compared: dict[str, bool] = {
        "gt": actual > expected,
        "gte": actual >= expected,
        "lt": actual < expected,
        "lte": actual <= expected,
    }
    return compared[kind]


def _same(actual: Any, expected: Any) -> bool:
    if isinstance(actual, bool) or isinstance(expected, bool):
        return actual is expected
    if isinstance(actual, str) or isinstance(expected, str):
        return isinstance(actual, str) and isinstance(expected, str) and actual == expected
    return bool(actual == expected)


def _page(
    request: Request[Any, Any, Any], items: list[tuple[str, int, Any]], max_limit: int
) -> dict[str, Any]:
    """A cursor page, ordered by creation (`order`, desc by default), after/before an id."""
    params = request.query_params
    try:
        limit = int(params.get("limit", "20"))
    except ValueError:
        limit = -1
    if not 1 <= limit <= max_limit:
        raise _Refusal(
            400,
            f"Invalid 'limit': integer below minimum value or above {max_limit}.",
            param="limit",
        )
    order = params.get("order", "desc")
    if order not in ("asc", "desc"):
        raise _Refusal(400, "Invalid 'order': expected 'asc' or 'desc'.", param="order")
    # The id breaks ties among objects created in the same second, as insertion order would.
    positions = {item[0]: i for i, item in enumerate(items)}
    ordered = sorted(items, key=lambda item: (item[1], positions[item[0]]))
    if order == "desc":
        ordered.reverse()
    ids = [item[0] for item in ordered]
    after, before = params.get("after"), params.get("before")
    if after is not None:
        ordered = ordered[ids.index(after) + 1 :] if after in ids else []
    elif before is not None:
        ordered = ordered[: ids.index(before)][-limit:] if before in ids else []
    page = ordered[:limit]
    return {
        "object": "list",
        "data": [item[2] for item in page],
        "first_id": page[0][0] if page else None,
        "last_id": page[-1][0] if page else None,
        "has_more": len(ordered) > len(page),
    }


def _chunks(text: str, max_tokens: int, overlap: int) -> list[str]:
    """Cut into windows of `max_tokens` words overlapping by `overlap`, keeping the spacing."""
    tokens = _TOKEN.findall(text.lstrip())
    if not tokens:
        return []
    step = max(max_tokens - overlap, 1)
    chunks = []
    for start in range(0, len(tokens), step):
        chunks.append("".join(tokens[start : start + max_tokens]).strip())
        if start + max_tokens >= len(tokens):
            break
    return chunks


def _words(text: str) -> set[str]:
    return set(_word_list(text))


def _word_list(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in folded if not unicodedata.combining(c))
    return _WORD.findall(stripped)


def _score(query_words: set[str], chunk: str) -> float:
    """The share of the query's words in the chunk, nudged by how dense they are in it."""
    if not query_words:
        return 0.0
    chunk_words = _word_list(chunk)
    if not chunk_words:
        return 0.0
    shared = query_words.intersection(chunk_words)
    if not shared:
        return 0.0
    density = sum(1 for word in chunk_words if word in query_words) / len(chunk_words)
    return round(0.8 * len(shared) / len(query_words) + 0.2 * density, 6)


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> Response[bytes]:
    return Response(
        content=msgspec.json.encode(body),
        status_code=status,
        media_type="application/json",
        headers={"x-request-id": f"req_{secrets.token_hex(12)}", **(headers or {})},
    )


def _error(refusal: _Refusal) -> Response[bytes]:
    headers = {}
    if refusal.retry_after is not None:
        headers["Retry-After"] = f"{refusal.retry_after:g}"
    body = {
        "error": {
            "message": refusal.message,
            "type": refusal.type,
            "param": refusal.param,
            "code": refusal.code,
        }
    }
    return _json(refusal.status, body, headers)


__all__ = [
    "FAKE_API_KEY",
    "FAKE_BASE_URL",
    "FakeOpenAIFiles",
    "Fault",
    "RequestRecord",
    "StoreFile",
    "StoredFile",
    "VectorStore",
]
