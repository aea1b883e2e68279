"""A local fake of Supabase Storage: the parts of its HTTP API that storage3 calls for Ignacio.

`FakeSupabaseStorage` holds the state (buckets, objects, faults, the requests it saw) and its `app`
answers the way supabase/storage and the gateway in front of it do (checked against their source):

- The gateway wants an `apikey` header with a key of the project: 401 `{"message": "Invalid API
  key", "hint": ...}` otherwise, before Storage sees anything.
- Storage wants `Authorization: Bearer <a key it accepts>`: a refusal is AccessDenied, except on
  the download route, which takes a bad token as anonymous, so a private bucket is then "not
  found".
- Refusals are HTTP 400 (500 for internal errors) with the real status in the body:
  `{"statusCode": "404", "code": "NoSuchKey", "error": "not_found", "message": "Object not
  found"}`; storage3 reads `statusCode`, `error` and `message`.
- A key must match `isValidKey` (ASCII letters, digits and `_/!-.*'() &$@=;:+,?`), else
  InvalidKey; an upload over the size limit (50 MB, the free plan's, unless set) is
  EntityTooLarge.

Routes, under `/storage/v1`: `POST /object/{bucket}/{name}` (replaces only with `x-upsert:
true`, else Duplicate, statusCode 409) and `PUT` (replaces), each a multipart form with one file
part (storage3's way) or a raw body; `GET /object/{bucket}/{name}` and
`/object/authenticated/{bucket}/{name}`; `DELETE /object/{bucket}` with `{"prefixes": [...]}`,
exact names, answering with the objects it removed; `GET /bucket`, `GET /bucket/{id}`,
`POST /bucket`.

Faults on demand: `fail_next(n, status=...)` answers the next `n` requests, whatever they are, as
the platform does when busy or broken: 429 and 544 with Storage's bodies, 500 with an internal
error, 502/503/504 as plain text from the gateway. `requests` lists every request seen.

Two ways to run it, as with the other fakes: in-process (`fake.client()`) or on 127.0.0.1 in a
background thread (`with fake.serve() as base_url:`), which is what the adapter, a real HTTP
client of its own, needs.
"""

from __future__ import annotations

import re
import secrets
import threading
import uuid
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

import httpx
import msgspec
from litestar import Litestar, Request, Response, route
from litestar.datastructures import UploadFile

from tests.support.served import serve_in_thread

FAKE_BASE_URL = "http://supabase.fake"
DEFAULT_SERVICE_KEY = "fake-supabase-service-role-key"
DEFAULT_FILE_SIZE_LIMIT = 50 * 1024 * 1024
PREFIX = "/storage/v1"

# supabase/storage `isValidKey` and `isValidBucketName`; JavaScript's `\w` is ASCII only.
_VALID_KEY = re.compile(r"(\w|/|!|-|\.|\*|'|\(|\)| |&|\$|@|=|;|:|\+|,|\?)*", re.ASCII)
_VALID_BUCKET = re.compile(r"(\w|!|-|\.|\*|'|\(|\)| |&|\$|@|=|;|:|\+|,|\?)*", re.ASCII)
# The first part of an object route that names another operation, not a bucket.
_OTHER_OBJECT_ROUTES = frozenset(
    {"sign", "list", "list-v2", "move", "copy", "upload", "info", "public", "authenticated"}
)


@dataclass(frozen=True)
class StoredObject:
    id: str
    content: bytes
    content_type: str
    cache_control: str
    created_at: str
    updated_at: str


@dataclass
class Bucket:
    name: str
    public: bool = False
    file_size_limit: int | None = None
    allowed_mime_types: list[str] | None = None
    created_at: str = field(default_factory=lambda: _now())
    objects: dict[str, StoredObject] = field(default_factory=dict)


@dataclass(frozen=True)
class SeenRequest:
    method: str
    path: str
    authorised: bool


class StorageError(Exception):
    """A refusal, rendered the way Storage renders its errors."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        error: str | None = None,
        http_status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.error = error or code
        # Storage sends 400 for every refusal but internal errors (`userStatusCode`).
        self.http_status = http_status or (500 if status == 500 else 400)

    def response(self) -> Response[bytes]:
        return _json(
            self.http_status,
            {
                "statusCode": str(self.status),
                "code": self.code,
                "error": self.error,
                "message": self.message,
            },
        )


def no_such_key() -> StorageError:
    return StorageError(404, "NoSuchKey", "Object not found", error="not_found")


def no_such_bucket() -> StorageError:
    return StorageError(404, "NoSuchBucket", "Bucket not found", error="Bucket not found")


@dataclass(frozen=True)
class Fault:
    status: int
    retry_after: float | None = None


class FakeSupabaseStorage:
    """The state of a fake Supabase Storage, and (`app`) the ASGI application that serves it."""

    def __init__(
        self,
        *,
        service_key: str = DEFAULT_SERVICE_KEY,
        file_size_limit: int = DEFAULT_FILE_SIZE_LIMIT,
    ) -> None:
        self.service_key = service_key
        self.file_size_limit = file_size_limit
        self._lock = threading.Lock()
        self._buckets: dict[str, Bucket] = {}
        self._faults: deque[Fault] = deque()
        self._requests: list[SeenRequest] = []
        self.app = _build_app(self)

    # Set-up and what happened.

    def add_bucket(self, name: str, *, public: bool = False) -> None:
        with self._lock:
            self._buckets[name] = Bucket(name, public=public)

    def bucket(self, name: str) -> Bucket | None:
        with self._lock:
            return self._buckets.get(name)

    def objects(self, bucket: str) -> dict[str, StoredObject]:
        """The objects in a bucket, by key (empty if there is no such bucket)."""
        with self._lock:
            found = self._buckets.get(bucket)
            return dict(found.objects) if found else {}

    @property
    def requests(self) -> list[SeenRequest]:
        with self._lock:
            return list(self._requests)

    def fail_next(self, n: int = 1, *, status: int = 503, retry_after: float | None = None) -> None:
        """Answer the next `n` requests with `status` (429, 500, 502, 503, 504 or 544)."""
        with self._lock:
            self._faults.extend([Fault(status, retry_after)] * n)

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()
            self._faults.clear()
            self._requests.clear()

    # Running.

    def client(self, **kwargs: Any) -> httpx.AsyncClient:
        """An httpx client that reaches this fake in-process, at `FAKE_BASE_URL`."""
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=cast("Any", self.app)),
            base_url=FAKE_BASE_URL,
            **kwargs,
        )

    @contextmanager
    def serve(self) -> Iterator[str]:
        """Serve the fake on 127.0.0.1 on a free port, in a background thread; yields its base URL
        (what SUPABASE_URL would be)."""
        with serve_in_thread(self.app, "the fake Supabase Storage server") as base_url:
            yield base_url

    # The protocol.

    async def handle(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        path: str = request.scope["path"]
        authorised = self._bearer_accepted(request)
        with self._lock:
            self._requests.append(SeenRequest(request.method, path, authorised))
            fault = self._faults.popleft() if self._faults else None
        if fault is not None:
            return _fault_response(fault)
        refusal = self._gateway_refusal(request)
        if refusal is not None:
            return refusal
        parts = path.removeprefix(PREFIX + "/").split("/")
        try:
            if parts[0] == "bucket":
                return await self._bucket_route(request, parts[1:], authorised)
            if parts[0] == "object":
                return await self._object_route(request, parts[1:], authorised)
        except StorageError as error:
            return error.response()
        return _route_not_found(request.method, path)

    def _gateway_refusal(self, request: Request[Any, Any, Any]) -> Response[bytes] | None:
        apikey = request.headers.get("apikey") or request.query_params.get("apikey")
        if apikey is None:
            return _json(
                401,
                {
                    "message": "No API key found in request",
                    "hint": "No `apikey` request header or url param was found.",
                },
            )
        if not secrets.compare_digest(apikey.encode(), self.service_key.encode()):
            return _json(
                401,
                {
                    "message": "Invalid API key",
                    "hint": "Double check your Supabase `anon` or `service_role` API key.",
                },
            )
        return None

    def _bearer_accepted(self, request: Request[Any, Any, Any]) -> bool:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and secrets.compare_digest(
            token.strip().encode(), self.service_key.encode()
        )

    async def _bucket_route(
        self, request: Request[Any, Any, Any], parts: list[str], authorised: bool
    ) -> Response[bytes]:
        if not authorised:
            raise _access_denied(request)
        if parts in ([], [""]):
            if request.method == "GET":
                with self._lock:
                    return _json(200, [_bucket_json(b) for b in self._buckets.values()])
            if request.method == "POST":
                return self._create_bucket(await _json_body(request))
        elif len(parts) == 1 and request.method == "GET":
            with self._lock:
                found = self._buckets.get(parts[0])
                if found is None:
                    raise no_such_bucket()
                return _json(200, _bucket_json(found))
        return _route_not_found(request.method, request.scope["path"])

    def _create_bucket(self, body: Any) -> Response[bytes]:
        if not isinstance(body, dict) or not isinstance(body.get("name"), str):
            raise StorageError(400, "InvalidRequest", "body must have required property 'name'")
        name = body.get("id") or body["name"]
        if not isinstance(name, str) or not 0 < len(name) < 64 or not _VALID_BUCKET.fullmatch(name):
            raise StorageError(
                400, "InvalidBucketName", "Bucket name invalid", error="Invalid Input"
            )
        with self._lock:
            if name in self._buckets:
                raise StorageError(
                    409, "BucketAlreadyExists", "The resource already exists", error="Duplicate"
                )
            self._buckets[name] = Bucket(
                name,
                public=bool(body.get("public", False)),
                file_size_limit=body.get("file_size_limit"),
                allowed_mime_types=body.get("allowed_mime_types"),
            )
        return _json(200, {"name": body["name"]})

    async def _object_route(
        self, request: Request[Any, Any, Any], parts: list[str], authorised: bool
    ) -> Response[bytes]:
        method = request.method
        if method == "GET" and parts[0] == "authenticated":
            if not authorised:
                raise _access_denied(request)
            return self._download(parts[1], "/".join(parts[2:]))
        if not parts[0] or parts[0] in _OTHER_OBJECT_ROUTES:
            return _route_not_found(method, request.scope["path"])
        bucket, name = parts[0], "/".join(parts[1:])
        if method == "GET" and len(parts) > 1:
            # This route lets a bad token through as anonymous, who sees no private bucket.
            with self._lock:
                found = self._buckets.get(bucket)
            if not authorised and (found is None or not found.public):
                raise no_such_bucket()
            return self._download(bucket, name)
        if not authorised:
            raise _access_denied(request)
        if method in ("POST", "PUT") and len(parts) > 1:
            upsert = method == "PUT" or request.headers.get("x-upsert") == "true"
            return await self._upload(request, bucket, name, upsert=upsert)
        if method == "DELETE" and len(parts) == 1:
            return self._delete(bucket, await _json_body(request))
        return _route_not_found(method, request.scope["path"])

    async def _upload(
        self, request: Request[Any, Any, Any], bucket: str, name: str, *, upsert: bool
    ) -> Response[bytes]:
        _check_key(name)
        with self._lock:
            found = self._buckets.get(bucket)
            if found is None:
                raise no_such_bucket()
            limit = min(self.file_size_limit, found.file_size_limit or self.file_size_limit)
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit + 64 * 1024:
            raise _too_large()
        content, content_type, cache_control = await _uploaded(request)
        if len(content) > limit:
            raise _too_large()
        if found.allowed_mime_types and content_type not in found.allowed_mime_types:
            raise StorageError(
                415,
                "InvalidMimeType",
                f"mime type {content_type} is not supported",
                error="invalid_mime_type",
            )
        now = _now()
        with self._lock:
            existing = found.objects.get(name)
            if existing is not None and not upsert:
                raise StorageError(
                    409, "KeyAlreadyExists", "The resource already exists", error="Duplicate"
                )
            stored = StoredObject(
                id=str(uuid.uuid4()),
                content=content,
                content_type=content_type,
                cache_control=f"max-age={cache_control}",
                created_at=existing.created_at if existing else now,
                updated_at=now,
            )
            found.objects[name] = stored
        return _json(200, {"Id": stored.id, "Key": f"{bucket}/{name}"})

    def _download(self, bucket: str, name: str) -> Response[bytes]:
        with self._lock:
            found = self._buckets.get(bucket)
            if found is None:
                raise no_such_bucket()
            stored = found.objects.get(name)
        if stored is None:
            raise no_such_key()
        return Response(
            content=stored.content,
            status_code=200,
            media_type=stored.content_type,
            headers={
                "Cache-Control": stored.cache_control,
                "ETag": f'"{stored.id}"',
                "Last-Modified": stored.updated_at,
            },
        )

    def _delete(self, bucket: str, body: Any) -> Response[bytes]:
        prefixes = body.get("prefixes") if isinstance(body, dict) else None
        if (
            not isinstance(prefixes, list)
            or not prefixes
            or not all(isinstance(p, str) for p in prefixes)
        ):
            raise StorageError(
                400, "InvalidRequest", "body/prefixes must NOT have fewer than 1 items"
            )
        with self._lock:
            found = self._buckets.get(bucket)
            if found is None:
                raise no_such_bucket()
            removed = [
                (name, found.objects.pop(name)) for name in prefixes if name in found.objects
            ]
        return _json(
            200,
            [
                {
                    "bucket_id": bucket,
                    "name": name,
                    "id": stored.id,
                    "owner": "",
                    "created_at": stored.created_at,
                    "updated_at": stored.updated_at,
                    "metadata": {"size": len(stored.content), "mimetype": stored.content_type},
                }
                for name, stored in removed
            ],
        )


def _build_app(fake: FakeSupabaseStorage) -> Litestar:
    methods: list[Any] = ["GET", "POST", "PUT", "DELETE"]

    @route(PREFIX + "/{rest:path}", http_method=methods, status_code=200)
    async def storage(request: Request[Any, Any, Any]) -> Response[bytes]:
        return await fake.handle(request)

    return Litestar(
        route_handlers=[storage],
        openapi_config=None,
        logging_config=None,
        # The fake answers an upload too large itself, the way Storage does.
        request_max_body_size=None,
    )


async def _uploaded(request: Request[Any, Any, Any]) -> tuple[bytes, str, str]:
    """(content, content type, cache seconds) of an upload: a multipart form's first file part
    and its `cacheControl` field, or else the raw body and its headers."""
    if request.content_type[0] == "multipart/form-data":
        form = await request.form()
        file = next((v for v in form.values() if isinstance(v, UploadFile)), None)
        if file is None:
            raise StorageError(400, "InvalidRequest", "No content provided")
        cache = form.get("cacheControl")
        return (
            await file.read(),
            file.content_type or "application/octet-stream",
            cache if isinstance(cache, str) else "3600",
        )
    seconds = request.headers.get("cache-control", "max-age=3600").removeprefix("max-age=")
    content_type = request.headers.get("content-type") or "application/octet-stream"
    return await request.body(), content_type, seconds


def _check_key(name: str) -> None:
    if not name or not _VALID_KEY.fullmatch(name):
        raise StorageError(400, "InvalidKey", f"Invalid key: {name}")


def _access_denied(request: Request[Any, Any, Any]) -> StorageError:
    token = request.headers.get("authorization", "")
    message = "invalid signature" if token else "jwt must be provided"
    return StorageError(403, "AccessDenied", message, error="Unauthorized")


def _too_large() -> StorageError:
    return StorageError(
        413,
        "EntityTooLarge",
        "The object exceeded the maximum allowed size",
        error="Payload too large",
    )


def _fault_response(fault: Fault) -> Response[bytes]:
    headers = {} if fault.retry_after is None else {"Retry-After": f"{fault.retry_after:g}"}
    if fault.status == 429:
        # Storage's own answer when its database pool is exhausted.
        body: Any = {
            "statusCode": "429",
            "code": "SlowDown",
            "error": "too_many_connections",
            "message": "Too many connections issued to the database",
        }
    elif fault.status == 544:
        body = {
            "statusCode": "544",
            "code": "DatabaseTimeout",
            "error": "DatabaseTimeout",
            "message": "The connection to the database timed out",
        }
    elif fault.status == 500:
        body = {
            "statusCode": "500",
            "code": "InternalError",
            "error": "InternalError",
            "message": "Internal server error",
        }
    else:
        # The gateway, with Storage behind it down: not JSON at all.
        return Response(
            content=b"upstream connect error or disconnect/reset before headers. "
            b"reset reason: connection failure",
            status_code=fault.status,
            media_type="text/plain",
            headers=headers,
        )
    return _json(fault.status, body, headers)


def _route_not_found(method: str, path: str) -> Response[bytes]:
    return _json(
        404,
        {
            "statusCode": 404,
            "error": "Not Found",
            "message": f"Route {method}:{path.removeprefix(PREFIX)} not found",
        },
    )


def _bucket_json(bucket: Bucket) -> dict[str, Any]:
    return {
        "id": bucket.name,
        "name": bucket.name,
        # Storage serialises a bucket made with the service key (no owner) as "".
        "owner": "",
        "public": bucket.public,
        "file_size_limit": bucket.file_size_limit,
        "allowed_mime_types": bucket.allowed_mime_types,
        "created_at": bucket.created_at,
        "updated_at": bucket.created_at,
    }


async def _json_body(request: Request[Any, Any, Any]) -> Any:
    try:
        return msgspec.json.decode(await request.body())
    except msgspec.DecodeError:
        return None


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> Response[bytes]:
    return Response(
        content=msgspec.json.encode(body),
        status_code=status,
        media_type="application/json",
        headers=headers or {},
    )


def _now() -> str:
    return datetime.now(UTC).isoformat()


__all__ = [
    "DEFAULT_FILE_SIZE_LIMIT",
    "DEFAULT_SERVICE_KEY",
    "FAKE_BASE_URL",
    "Bucket",
    "FakeSupabaseStorage",
    "SeenRequest",
    "StorageError",
    "StoredObject",
]
