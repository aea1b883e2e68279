"""SupabaseBlobStorage: each blob an object in one private Supabase Storage bucket, via storage3.

A path is checked like on every other adapter, then written as an object key Supabase accepts
(`keys.py`). `put` is one upload with `x-upsert: true`: Supabase writes the new version before it
switches the object's row to it, so a reader gets the old content or the new, never a part, and a
failed upload leaves the old one. Objects are names, not files in folders: `a/b` and `a/b/c` can
both exist, so unlike on disk a put never conflicts with what is stored above or below it.

Supabase answers most refusals with HTTP 400 and the real status in the body (`{"statusCode":
"404", "error": "not_found", ...}`), and a download with a key it does not accept as if the
bucket did not exist; both are read here. Failures become domain errors: a missing object
NotFound, anything else UpstreamUnavailable with what to check. The service key is sent in
headers only and scrubbed from any text of Supabase's that a message repeats.
"""

from __future__ import annotations

import contextlib
import json

import httpx
from storage3 import AsyncStorageClient
from storage3.exceptions import StorageApiError
from storage3.types import FileOptions
from storage3.utils import StorageException

from ignacio.adapters.supabase_storage.keys import object_key
from ignacio.domain import Conflict, DomainError, InvalidInput, NotFound, UpstreamUnavailable

DEFAULT_TIMEOUT = 60.0

# What storage3 raises when a call fails: an error answer, no answer at all, or an answer it
# could not read (a gateway's HTML page where JSON was expected).
_FAILURES = (StorageException, httpx.HTTPError, ValueError, KeyError)
_CREDENTIAL_CODES = frozenset({"InvalidJWT", "Unauthorized", "AccessDenied"})
_QUOTED_TEXT_LIMIT = 200
_UNREAD_PREFIX = "Unable to parse error message: "


class SupabaseBlobStorage:
    """Blobs in the private bucket `bucket` of the Supabase project at `url` (its API URL,
    `https://<project>.supabase.co`), reached with the project's service key.

    The HTTP client is made on first use and closed by `aclose()`; `ensure_bucket()` creates the
    bucket, private, when it is missing.
    """

    def __init__(
        self, url: str, service_key: str, bucket: str, *, timeout: float = DEFAULT_TIMEOUT
    ) -> None:
        self.url = url.rstrip("/")
        self.bucket = bucket
        self._service_key = service_key
        self._timeout = timeout
        self._client: AsyncStorageClient | None = None

    def __repr__(self) -> str:
        return f"SupabaseBlobStorage(url={self.url!r}, bucket={self.bucket!r})"

    async def put(self, path: str, content: bytes, content_type: str) -> None:
        key = object_key(path)
        options: FileOptions = {
            "content-type": content_type or "application/octet-stream",
            "upsert": "true",
            # Seconds a cache may keep the object: none, or a replaced file could be read stale.
            "cache-control": "0",
        }
        try:
            await self._storage().from_(self.bucket).upload(key, bytes(content), options)
        except _FAILURES as error:
            raise self._failure(error, "store a file") from error

    async def get(self, path: str) -> bytes:
        key = object_key(path)
        try:
            return await self._storage().from_(self.bucket).download(key)
        except _FAILURES as error:
            raise self._failure(error, "read a file") from error

    async def delete(self, path: str) -> None:
        key = object_key(path)
        try:
            await self._storage().from_(self.bucket).remove([key])
        except _FAILURES as error:
            raise self._failure(error, "delete a file") from error

    async def ensure_bucket(self) -> None:
        """Create the bucket, private, if it does not exist; refuse to use a public one."""
        storage = self._storage()
        try:
            try:
                bucket = await storage.get_bucket(self.bucket)
            except StorageApiError as error:
                if not _is_missing_bucket(error):
                    raise
                await self._create_bucket(storage)
                return
        except _FAILURES as error:
            raise self._failure(error, "check the bucket") from error
        if bucket.public:
            raise Conflict(
                f"The Supabase Storage bucket {self.bucket!r} is public: anyone could read "
                "members' files by their path. Make it private in Supabase (Storage, the bucket, "
                "Edit bucket) or set IGNACIO_SUPABASE_BUCKET to another bucket."
            )

    async def check_bucket(self) -> None:
        """Raise the domain error that says what to fix unless the bucket exists, this key can
        use it, and it is private; changes nothing (unlike `ensure_bucket`)."""
        try:
            bucket = await self._storage().get_bucket(self.bucket)
        except _FAILURES as error:
            raise self._failure(error, "check the bucket") from error
        if bucket.public:
            raise Conflict(
                f"The bucket {self.bucket!r} is public: anyone could read members' files. Make "
                "it private in Supabase (Storage, the bucket, Edit bucket)."
            )

    async def aclose(self) -> None:
        """Close the HTTP client, if one was made; a later call makes a new one."""
        client, self._client = self._client, None
        if client is not None:
            await client.session.aclose()

    async def _create_bucket(self, storage: AsyncStorageClient) -> None:
        try:
            await storage.create_bucket(self.bucket, options={"public": False})
        except StorageApiError as error:
            # Another instance starting at the same time made it first.
            if _status(error.status) != 409:
                raise

    def _storage(self) -> AsyncStorageClient:
        if self._client is None:
            headers = {"apikey": self._service_key, "Authorization": f"Bearer {self._service_key}"}
            session = httpx.AsyncClient(
                timeout=httpx.Timeout(self._timeout, connect=min(self._timeout, 10.0)),
                follow_redirects=False,
                http2=True,
            )
            self._client = AsyncStorageClient(
                f"{self.url}/storage/v1/", headers, http_client=session
            )
        return self._client

    def _failure(self, error: Exception, doing: str) -> DomainError:
        """The domain error for a failed call, its message free of the service key."""
        if isinstance(error, httpx.TimeoutException):
            return UpstreamUnavailable(
                f"Supabase Storage did not answer in time when asked to {doing}; try again later."
            )
        if isinstance(error, httpx.HTTPError):
            return UpstreamUnavailable(
                f"Could not reach Supabase Storage at {self.url} to {doing} "
                f"({type(error).__name__}); check SUPABASE_URL, or try again later."
            )
        if not isinstance(error, StorageApiError):
            return UpstreamUnavailable(
                f"Supabase Storage gave an answer Ignacio could not read when asked to {doing}; "
                "check that SUPABASE_URL is the project's API URL (https://<project>.supabase.co)."
            )
        body_status = _status(error.status)
        http_status = _http_status(error)
        statuses = {body_status, http_status}
        said = self._said(error)
        if statuses & {401, 403} or error.code in _CREDENTIAL_CODES:
            return UpstreamUnavailable(
                f"Supabase Storage refused Ignacio's credentials ({said}): check "
                "SUPABASE_SERVICE_KEY, which must be the service_role (or secret) key of the "
                "project at SUPABASE_URL."
            )
        if _is_missing_bucket(error):
            return UpstreamUnavailable(
                f"Supabase Storage has no bucket {self.bucket!r} that this key can use: check "
                "IGNACIO_SUPABASE_BUCKET (Ignacio creates it at start-up), and SUPABASE_SERVICE_KEY "
                "(Supabase answers a download with a key it does not accept this way too)."
            )
        if body_status == 404:
            return NotFound("There is no file at this path.")
        if 429 in statuses or any(status >= 500 for status in statuses if status is not None):
            return UpstreamUnavailable(
                f"Supabase Storage is unavailable or busy (HTTP {http_status or body_status}: "
                f"{said}) when asked to {doing}; try again later."
            )
        if body_status == 409:
            return Conflict("Supabase Storage already holds an object at this path.")
        if body_status == 413:
            return InvalidInput(
                "The file is larger than Supabase Storage accepts (the project's upload size "
                "limit, or the bucket's)."
            )
        if body_status == 415:
            return InvalidInput(f"The bucket {self.bucket!r} does not accept this content type.")
        return UpstreamUnavailable(
            f"Supabase Storage refused to {doing} (HTTP {http_status or body_status}, "
            f"{error.code}: {said})."
        )

    def _said(self, error: StorageApiError) -> str:
        """Supabase's own words, short, and without the service key should they repeat it.

        storage3 wraps an answer it could not read whole (the gateway's `{"message": ...}`, a
        proxy's text) in a sentence of its own; the message inside is what is worth repeating.
        """
        text = error.message.removeprefix(_UNREAD_PREFIX)
        with contextlib.suppress(ValueError):
            answer = json.loads(text)
            if isinstance(answer, dict) and isinstance(answer.get("message"), str):
                text = answer["message"]
        if self._service_key:
            text = text.replace(self._service_key, "[SUPABASE_SERVICE_KEY]")
        if len(text) > _QUOTED_TEXT_LIMIT:
            text = text[:_QUOTED_TEXT_LIMIT] + "..."
        return text


def _is_missing_bucket(error: StorageApiError) -> bool:
    return _status(error.status) == 404 and "bucket not found" in (
        f"{error.code} {error.message}".lower()
    )


def _status(value: object) -> int | None:
    """A status as Supabase writes it in a body ("404") or as HTTP gives it (404)."""
    try:
        return int(str(value))
    except ValueError:
        return None


def _http_status(error: BaseException) -> int | None:
    """The HTTP status of the answer behind a storage3 error, which keeps it only in its causes."""
    cause: BaseException | None = error
    for _ in range(5):
        if cause is None:
            return None
        if isinstance(cause, httpx.HTTPStatusError):
            return cause.response.status_code
        cause = cause.__cause__ or cause.__context__
    return None
