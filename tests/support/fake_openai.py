"""A local fake of the OpenAI API: the parts the assistant and the transcriber speak.

`FakeOpenAI` holds a script (what "the model" does next) and records every request; its `app`
speaks the protocol: bearer keys (401 otherwise), `POST /v1/chat/completions` (messages, function
tools, tool calls and their results, image parts), `POST /v1/responses` (input items, function and
hosted tools, function calls and their outputs, input images) and `POST /v1/audio/transcriptions`
(multipart), and `GET /v1/models` and `GET /v1/models/{model}` (the models it knows, `models`;
an unknown one is a 404 `model_not_found`; `serves_model_lookup = False` makes it a server that
only lists them, as some compatible servers do). Requests are checked the way a strict server checks them (a tool result must answer
a call the request contains, a scripted tool call must be to a tool the request offers, Chat
Completions refuses hosted tools); what fails a check is answered with a 400 and kept in
`problems`, so a test can assert there were none. When a request asks for JSON following a
schema (structured output: `response_format` or `text.format`), a scripted text answer must be
JSON, as a strict server's would be.

The script is shared by both model APIs and consumed in order: `reply(text)`, `call_tool(name,
arguments)`, `fail(status, retry_after=...)`, `hang()` (holds the request until `release()` or
the server stops, for timeouts). With nothing scripted, the model answers "Fake answer to: <the
member's last words>" at once. `transcribe_as(text)` and `fail_transcription(...)` script the
audio endpoint the same way.

Load, for the tests of how many requests go at once: `latency` (seconds every model answer
takes, however many are in flight), `throttle(seconds, retry_after=...)` (every model request in
the next `seconds` is refused with a 429, as a provider over its rate limit does),
`accept_at_most(n)` (a request beyond `n` in flight is refused with a 429), `holding = True`
(every model request waits until it is set back to False), and what came of it: `arrivals` (when
each model request came, on `time.monotonic()`, and its status), `in_flight` and
`peak_in_flight`.

Served for real on 127.0.0.1 (`with fake.serve() as base_url:`, a `/v1` URL), so the real
`openai` client and the Agents SDK run over HTTP.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import msgspec
from litestar import Litestar, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath

from tests.support.served import serve_in_thread

DEFAULT_KEY = "sk-fake-openai-key"
DEFAULT_INPUT_TOKENS = 100
DEFAULT_OUTPUT_TOKENS = 20
HANG_LIMIT_SECONDS = 30.0
DEFAULT_MODELS = ("gpt-4o-mini", "gpt-4o", "gpt-4o-mini-transcribe", "whisper-1")
MODEL_CREATED = 1_715_367_049

Api = Literal["chat_completions", "responses"]


@dataclass(frozen=True)
class Reply:
    text: str
    input_tokens: int = DEFAULT_INPUT_TOKENS
    output_tokens: int = DEFAULT_OUTPUT_TOKENS


@dataclass(frozen=True)
class ToolCall:
    name: str
    arguments: dict[str, Any]
    call_id: str
    input_tokens: int = DEFAULT_INPUT_TOKENS
    output_tokens: int = DEFAULT_OUTPUT_TOKENS


@dataclass(frozen=True)
class Fault:
    status: int
    retry_after: float | None = None
    code: str | None = None
    message: str = "The fake was told to fail this request."


@dataclass(frozen=True)
class Hang:
    """Hold the request until released: a server that never answers in time."""


Step = Reply | ToolCall | Fault | Hang


@dataclass(frozen=True)
class ModelRequest:
    """One request to a model API, as the fake understood it."""

    api: Api
    model: str
    body: dict[str, Any]
    instructions: str
    # (role, text) of every message in the input, in order, tool traffic left out.
    messages: list[tuple[str, str]]
    images: list[tuple[str, bytes]]
    tools: list[str]
    hosted_tools: list[dict[str, Any]]
    tool_outputs: dict[str, str]
    # The JSON schema the answer must follow (`response_format` / `text.format`), if any.
    output_schema: dict[str, Any] | None = None

    @property
    def last_user_text(self) -> str:
        return next((text for role, text in reversed(self.messages) if role == "user"), "")


@dataclass(frozen=True)
class TranscriptionRequest:
    model: str
    file_name: str
    content_type: str
    audio: bytes


@dataclass
class _State:
    script: deque[Step] = field(default_factory=deque)
    transcripts: deque[str | Fault] = field(default_factory=deque)
    requests: list[ModelRequest] = field(default_factory=list)
    transcriptions: list[TranscriptionRequest] = field(default_factory=list)
    refusals: list[int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    model_lookups: list[str] = field(default_factory=list)
    model_faults: deque[int] = field(default_factory=deque)
    arrivals: list[tuple[float, int]] = field(default_factory=list)
    in_flight: int = 0
    peak_in_flight: int = 0
    throttled_until: float = 0.0
    throttle_retry_after: float | None = None
    accepts: int | None = None
    accepts_retry_after: float | None = None


class _Invalid(Exception):
    pass


class FakeOpenAI:
    """The state of a fake OpenAI API, and (`app`) the ASGI application that serves it."""

    def __init__(self, *, api_key: str = DEFAULT_KEY) -> None:
        self.api_key = api_key
        self.models = set(DEFAULT_MODELS)
        self.serves_model_lookup = True
        self.default: Callable[[ModelRequest], Step] = _default_answer
        self.latency = 0.0
        # While set, model requests wait before their `latency` (see `hold`).
        self.holding = False
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._ids = itertools.count(1)
        self._state = _State()
        self.app = _build_app(self)

    # Scripting.

    def reply(self, text: str, **usage: int) -> None:
        self._push(Reply(text, **usage))

    def call_tool(self, name: str, arguments: dict[str, Any], **usage: int) -> str:
        """Script a call to `name`; returns its call id (the id its result must answer)."""
        call_id = f"call_{next(self._ids)}"
        self._push(ToolCall(name, arguments, call_id, **usage))
        return call_id

    def fail(
        self,
        status: int,
        *,
        retry_after: float | None = None,
        code: str | None = None,
        times: int = 1,
    ) -> None:
        for _ in range(times):
            self._push(Fault(status, retry_after, code))

    def hang(self, times: int = 1) -> None:
        for _ in range(times):
            self._push(Hang())

    def release(self) -> None:
        """Let every held request go (each then gets a 503, its client long gone)."""
        self._release.set()

    def throttle(self, seconds: float, *, retry_after: float | None = None) -> None:
        """Refuse every model request for the next `seconds` with a 429 (with `Retry-After`)."""
        with self._lock:
            self._state.throttled_until = time.monotonic() + seconds
            self._state.throttle_retry_after = retry_after

    def accept_at_most(self, requests: int | None, *, retry_after: float | None = None) -> None:
        """Refuse a model request with a 429 while `requests` are in flight (None: no limit)."""
        with self._lock:
            self._state.accepts = requests
            self._state.accepts_retry_after = retry_after

    def transcribe_as(self, text: str) -> None:
        with self._lock:
            self._state.transcripts.append(text)

    def fail_transcription(self, status: int, *, retry_after: float | None = None) -> None:
        with self._lock:
            self._state.transcripts.append(Fault(status, retry_after))

    def fail_model_lookup(self, status: int, *, times: int = 1) -> None:
        """Refuse the next `times` requests to `/v1/models...` with `status`."""
        with self._lock:
            self._state.model_faults.extend([status] * times)

    def reset(self) -> None:
        """Forget the script, the records and any held request; answer by default again."""
        self.models = set(DEFAULT_MODELS)
        self.serves_model_lookup = True
        self._release.set()
        with self._lock:
            self._state = _State()
        self._release = threading.Event()
        self.default = _default_answer
        self.latency = 0.0
        self.holding = False

    def _push(self, step: Step) -> None:
        with self._lock:
            self._state.script.append(step)

    # What happened.

    @property
    def requests(self) -> list[ModelRequest]:
        with self._lock:
            return list(self._state.requests)

    @property
    def transcriptions(self) -> list[TranscriptionRequest]:
        with self._lock:
            return list(self._state.transcriptions)

    @property
    def model_lookups(self) -> list[str]:
        """The paths of the `/v1/models` requests answered, in order (`models`, `models/<id>`)."""
        with self._lock:
            return list(self._state.model_lookups)

    @property
    def refusals(self) -> list[int]:
        """The status of every request the fake refused, in order."""
        with self._lock:
            return list(self._state.refusals)

    @property
    def problems(self) -> list[str]:
        """What the fake found wrong in requests (each also answered with a 400)."""
        with self._lock:
            return list(self._state.problems)

    @property
    def arrivals(self) -> list[tuple[float, int]]:
        """(`time.monotonic()` at arrival, status answered) of each model request, in order."""
        with self._lock:
            return list(self._state.arrivals)

    @property
    def in_flight(self) -> int:
        with self._lock:
            return self._state.in_flight

    @property
    def peak_in_flight(self) -> int:
        with self._lock:
            return self._state.peak_in_flight

    @property
    def unused_steps(self) -> int:
        with self._lock:
            return len(self._state.script)

    # Running.

    @contextmanager
    def serve(self) -> Iterator[str]:
        """Serve on 127.0.0.1 in a background thread; yields the API's base URL (`.../v1`)."""
        try:
            with serve_in_thread(self.app, "the fake OpenAI server") as base_url:
                yield f"{base_url}/v1"
                self.release()
        finally:
            self.release()

    # The protocol.

    def _authorised(self, request: Request[Any, Any, Any]) -> bool:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and token.strip() == self.api_key

    def _refuse(self, status: int, message: str, **extra: Any) -> Response[bytes]:
        with self._lock:
            self._state.refusals.append(status)
        return _error(status, message, **extra)

    def _invalid(self, problem: str) -> Response[bytes]:
        with self._lock:
            self._state.problems.append(problem)
        return self._refuse(400, problem, type="invalid_request_error")

    def handle_models(self, request: Request[Any, Any, Any], model: str | None) -> Response[bytes]:
        """`GET /v1/models` (the list) or `GET /v1/models/{model}` (one model, or a 404)."""
        if not self._authorised(request):
            return self._refuse(401, "Incorrect API key provided.", code="invalid_api_key")
        with self._lock:
            fault = self._state.model_faults.popleft() if self._state.model_faults else None
        if fault is not None:
            return self._refuse(fault, "The server had an error while processing your request.")
        if model is not None and not self.serves_model_lookup:
            return _json(404, {"detail": "Not Found"})
        with self._lock:
            self._state.model_lookups.append("models" if model is None else f"models/{model}")
        if model is None:
            return _json(
                200, {"object": "list", "data": [_model_object(m) for m in sorted(self.models)]}
            )
        if model not in self.models:
            return self._refuse(
                404,
                f"The model '{model}' does not exist or you do not have access to it.",
                code="model_not_found",
                type="invalid_request_error",
            )
        return _json(200, _model_object(model))

    async def handle_model(self, request: Request[Any, Any, Any], api: Api) -> Response[bytes]:
        if not self._authorised(request):
            return self._refuse(401, "Incorrect API key provided.", code="invalid_api_key")
        try:
            body = msgspec.json.decode(await request.body())
            if not isinstance(body, dict):
                raise _Invalid("The body must be a JSON object.")
            understood = (
                _understand_chat(body) if api == "chat_completions" else _understand_responses(body)
            )
        except _Invalid as problem:
            return self._invalid(f"{api}: {problem}")
        except msgspec.DecodeError:
            return self._invalid(f"{api}: the body is not JSON")
        limited = self._limited()
        if limited is not None:
            return limited
        try:
            await self._held()
            if self.latency > 0:
                await asyncio.sleep(self.latency)
            return await self._answer_model(api, understood)
        finally:
            with self._lock:
                self._state.in_flight -= 1

    async def _held(self) -> None:
        # Polled: `holding` is set from the test's thread, this runs on the server's loop.
        while True:
            if not self.holding:
                return
            await asyncio.sleep(0.05)

    def _limited(self) -> Response[bytes] | None:
        """A 429 for a request over the load the fake takes now; else counts it in flight."""
        now = time.monotonic()
        with self._lock:
            state = self._state
            retry_after: float | None = None
            if now < state.throttled_until:
                limited, retry_after = True, state.throttle_retry_after
            elif state.accepts is not None and state.in_flight >= state.accepts:
                limited, retry_after = True, state.accepts_retry_after
            else:
                limited = False
            state.arrivals.append((now, 429 if limited else 200))
            if not limited:
                state.in_flight += 1
                state.peak_in_flight = max(state.peak_in_flight, state.in_flight)
        if not limited:
            return None
        headers = {} if retry_after is None else {"retry-after": f"{retry_after:g}"}
        return self._refuse(
            429,
            "Rate limit reached for requests.",
            code="rate_limit_exceeded",
            type="requests",
            headers=headers,
        )

    async def _answer_model(self, api: Api, understood: ModelRequest) -> Response[bytes]:
        with self._lock:
            self._state.requests.append(understood)
            step = self._state.script.popleft() if self._state.script else None
        step = step or self.default(understood)
        if isinstance(step, Hang):
            await asyncio.to_thread(self._release.wait, HANG_LIMIT_SECONDS)
            # Not recorded: its client gave up long ago, and the fake may be serving another test.
            return _error(503, "Released after hanging.")
        if isinstance(step, Fault):
            headers = {} if step.retry_after is None else {"retry-after": f"{step.retry_after:g}"}
            return self._refuse(
                step.status, step.message, code=step.code, type="fault", headers=headers
            )
        if isinstance(step, Reply) and understood.output_schema is not None:
            try:
                msgspec.json.decode(step.text)
            except msgspec.DecodeError:
                return self._invalid(
                    f"{api}: the script answers {step.text!r} where the request asks for JSON "
                    "following a schema (a strict server never would)"
                )
        if isinstance(step, ToolCall) and step.name not in understood.tools:
            return self._invalid(
                f"{api}: the script calls {step.name}, which the request does not offer "
                f"(it offers {', '.join(understood.tools) or 'no tools'})"
            )
        if api == "chat_completions":
            return _json(200, _chat_answer(step, understood))
        return _json(200, _responses_answer(step, understood, next(self._ids)))

    async def handle_transcription(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        if not self._authorised(request):
            return self._refuse(401, "Incorrect API key provided.", code="invalid_api_key")
        form = await request.form()
        upload = form.get("file")
        model = form.get("model")
        if not isinstance(upload, UploadFile) or not isinstance(model, str) or not model:
            return self._invalid("transcriptions: a file and a model are required")
        audio = await upload.read()
        extension = (upload.filename or "").rsplit(".", 1)[-1].lower()
        if extension not in {"flac", "mp3", "mp4", "mpeg", "mpga", "m4a", "ogg", "wav", "webm"}:
            return self._invalid(
                f"transcriptions: unrecognised file format {upload.filename!r} (by its extension)"
            )
        with self._lock:
            self._state.transcriptions.append(
                TranscriptionRequest(model, upload.filename or "", upload.content_type, audio)
            )
            scripted = self._state.transcripts.popleft() if self._state.transcripts else None
        if isinstance(scripted, Fault):
            headers = (
                {} if scripted.retry_after is None else {"retry-after": f"{scripted.retry_after:g}"}
            )
            return self._refuse(scripted.status, scripted.message, headers=headers)
        return _json(200, {"text": scripted if scripted is not None else f"{len(audio)} bytes"})


def _default_answer(request: ModelRequest) -> Step:
    return Reply(f"Fake answer to: {request.last_user_text}")


def _understand_chat(body: dict[str, Any]) -> ModelRequest:
    model = _model(body)
    raw = body.get("messages")
    if not isinstance(raw, list) or not raw:
        raise _Invalid("messages must be a non-empty list")
    instructions: list[str] = []
    messages: list[tuple[str, str]] = []
    images: list[tuple[str, bytes]] = []
    calls: set[str] = set()
    outputs: dict[str, str] = {}
    for message in raw:
        role = message.get("role") if isinstance(message, dict) else None
        if role in ("system", "developer"):
            instructions.append(_text_of(message.get("content"), images))
        elif role == "user":
            messages.append(("user", _text_of(message.get("content"), images)))
        elif role == "assistant":
            for call in message.get("tool_calls") or []:
                function = call.get("function") or {}
                _arguments(function.get("arguments"))
                calls.add(call.get("id"))
            if message.get("content"):
                messages.append(("assistant", _text_of(message.get("content"), images)))
        elif role == "tool":
            call_id = message.get("tool_call_id")
            if call_id not in calls:
                raise _Invalid(f"tool message {call_id!r} answers no earlier tool call")
            outputs[call_id] = _text_of(message.get("content"), images)
        else:
            raise _Invalid(f"unknown role {role!r}")
    tools = []
    for tool in body.get("tools") or []:
        if tool.get("type") != "function" or not (tool.get("function") or {}).get("name"):
            raise _Invalid(f"Chat Completions takes only function tools, not {tool.get('type')!r}")
        tools.append(tool["function"]["name"])
    return ModelRequest(
        api="chat_completions",
        model=model,
        body=body,
        instructions="\n".join(instructions),
        messages=messages,
        images=images,
        tools=tools,
        hosted_tools=[],
        tool_outputs=outputs,
        output_schema=_schema(body.get("response_format")),
    )


def _understand_responses(body: dict[str, Any]) -> ModelRequest:
    model = _model(body)
    raw = body.get("input")
    items = [{"role": "user", "content": raw}] if isinstance(raw, str) else raw
    if not isinstance(items, list) or not items:
        raise _Invalid("input must be a string or a non-empty list")
    messages: list[tuple[str, str]] = []
    images: list[tuple[str, bytes]] = []
    calls: set[str] = set()
    outputs: dict[str, str] = {}
    for item in items:
        kind = item.get("type", "message") if isinstance(item, dict) else None
        if kind == "message":
            role = item.get("role")
            if role not in ("user", "assistant", "system", "developer"):
                raise _Invalid(f"unknown role {role!r}")
            messages.append((role, _text_of(item.get("content"), images)))
        elif kind == "function_call":
            _arguments(item.get("arguments"))
            calls.add(item.get("call_id"))
        elif kind == "function_call_output":
            call_id = item.get("call_id")
            if call_id not in calls:
                raise _Invalid(f"function_call_output {call_id!r} answers no earlier call")
            outputs[call_id] = str(item.get("output"))
        else:
            raise _Invalid(f"unexpected input item {kind!r}")
    tools: list[str] = []
    hosted: list[dict[str, Any]] = []
    for tool in body.get("tools") or []:
        kind = tool.get("type")
        if kind == "function" and tool.get("name"):
            tools.append(tool["name"])
        elif kind == "file_search":
            if not tool.get("vector_store_ids"):
                raise _Invalid("file_search needs vector_store_ids")
            hosted.append(tool)
        elif kind in ("web_search", "web_search_preview"):
            hosted.append(tool)
        else:
            raise _Invalid(f"unknown tool {kind!r}")
    return ModelRequest(
        api="responses",
        model=model,
        body=body,
        instructions=str(body.get("instructions") or ""),
        messages=messages,
        images=images,
        tools=tools,
        hosted_tools=hosted,
        tool_outputs=outputs,
        output_schema=_schema((body.get("text") or {}).get("format")),
    )


def _schema(format_: Any) -> dict[str, Any] | None:
    """The schema of a `json_schema` output format: nested on Chat Completions, flat on Responses."""
    if not isinstance(format_, dict) or format_.get("type") != "json_schema":
        return None
    nested = format_.get("json_schema")
    schema = (nested if isinstance(nested, dict) else format_).get("schema")
    if not isinstance(schema, dict):
        raise _Invalid("a json_schema output format needs its schema")
    return schema


def _model(body: dict[str, Any]) -> str:
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise _Invalid("model is required")
    return model


def _arguments(raw: Any) -> None:
    try:
        if not isinstance(msgspec.json.decode(raw or ""), dict):
            raise _Invalid("tool call arguments must be a JSON object")
    except msgspec.DecodeError as error:
        raise _Invalid("tool call arguments are not JSON") from error


def _text_of(content: Any, images: list[tuple[str, bytes]]) -> str:
    """The text of a message's content; its images are decoded into `images`."""
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        raise _Invalid("content must be a string or a list of parts")
    texts = []
    for part in content:
        kind = part.get("type") if isinstance(part, dict) else None
        if kind in ("text", "input_text", "output_text"):
            texts.append(str(part.get("text", "")))
        elif kind == "image_url":
            images.append(_data_url((part.get("image_url") or {}).get("url")))
        elif kind == "input_image":
            images.append(_data_url(part.get("image_url")))
        else:
            raise _Invalid(f"unexpected content part {kind!r}")
    return "\n".join(texts)


def _data_url(url: Any) -> tuple[str, bytes]:
    if not isinstance(url, str) or not url.startswith("data:") or ";base64," not in url:
        raise _Invalid("images must come as base64 data URLs")
    header, _, data = url.partition(";base64,")
    return header.removeprefix("data:"), base64.b64decode(data, validate=True)


def _chat_answer(step: Step, request: ModelRequest) -> dict[str, Any]:
    assert isinstance(step, Reply | ToolCall)
    message: dict[str, Any] = {"role": "assistant", "content": None}
    if isinstance(step, Reply):
        message["content"] = step.text
        finish = "stop"
    else:
        message["tool_calls"] = [
            {
                "id": step.call_id,
                "type": "function",
                "function": {
                    "name": step.name,
                    "arguments": msgspec.json.encode(step.arguments).decode(),
                },
            }
        ]
        finish = "tool_calls"
    return {
        "id": f"chatcmpl-{step.call_id if isinstance(step, ToolCall) else 'fake'}",
        "object": "chat.completion",
        "created": 1_764_000_000,
        "model": request.model,
        "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
        "usage": {
            "prompt_tokens": step.input_tokens,
            "completion_tokens": step.output_tokens,
            "total_tokens": step.input_tokens + step.output_tokens,
        },
    }


def _responses_answer(step: Step, request: ModelRequest, number: int) -> dict[str, Any]:
    assert isinstance(step, Reply | ToolCall)
    if isinstance(step, Reply):
        output: dict[str, Any] = {
            "type": "message",
            "id": f"msg_{number}",
            "role": "assistant",
            "status": "completed",
            "content": [{"type": "output_text", "text": step.text, "annotations": []}],
        }
    else:
        output = {
            "type": "function_call",
            "id": f"fc_{number}",
            "call_id": step.call_id,
            "name": step.name,
            "arguments": msgspec.json.encode(step.arguments).decode(),
            "status": "completed",
        }
    return {
        "id": f"resp_{number}",
        "object": "response",
        "created_at": 1_764_000_000,
        "model": request.model,
        "status": "completed",
        "output": [output],
        "parallel_tool_calls": True,
        "tool_choice": "auto",
        "tools": [],
        "usage": {
            "input_tokens": step.input_tokens,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": step.output_tokens,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": step.input_tokens + step.output_tokens,
        },
    }


def _model_object(name: str) -> dict[str, Any]:
    return {"id": name, "object": "model", "created": MODEL_CREATED, "owned_by": "system"}


def _error(
    status: int,
    message: str,
    *,
    code: str | None = None,
    type: str = "server_error",
    headers: dict[str, str] | None = None,
) -> Response[bytes]:
    body = {"error": {"message": message, "type": type, "param": None, "code": code}}
    return _json(status, body, headers)


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> Response[bytes]:
    return Response(
        content=msgspec.json.encode(body),
        status_code=status,
        media_type="application/json",
        headers=headers or {},
    )


def _build_app(fake: FakeOpenAI) -> Litestar:
    @post("/v1/chat/completions", status_code=200)
    async def chat_completions(request: Request[Any, Any, Any]) -> Response[bytes]:
        return await fake.handle_model(request, "chat_completions")

    @post("/v1/responses", status_code=200)
    async def responses(request: Request[Any, Any, Any]) -> Response[bytes]:
        return await fake.handle_model(request, "responses")

    @post("/v1/audio/transcriptions", status_code=200)
    async def transcriptions(request: Request[Any, Any, Any]) -> Response[bytes]:
        return await fake.handle_transcription(request)

    @get("/v1/models")
    async def models(request: Request[Any, Any, Any]) -> Response[bytes]:
        return fake.handle_models(request, None)

    # `path`: a model's name may hold slashes ("meta-llama/Llama-3.1-8B-Instruct").
    @get("/v1/models/{model:path}")
    async def model(request: Request[Any, Any, Any], model: FromPath[Path]) -> Response[bytes]:
        return fake.handle_models(request, str(model).removeprefix("/"))

    return Litestar(
        route_handlers=[chat_completions, responses, transcriptions, models, model],
        openapi_config=None,
        logging_config=None,
        request_max_body_size=30 * 1024 * 1024,
    )
