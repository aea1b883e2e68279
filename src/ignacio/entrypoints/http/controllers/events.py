"""Live updates, as Server-Sent Events: the team's stream of a workspace
(`/workspaces/{workspace}/events`) and a person's stream of their own conversations
(`/conversations/events`).

Each event is written as

    id: 42
    event: message
    data: {"conversationId":"...","messageId":"...","author":"member"}

`event` is `message` (added), `message_changed` (its member edited it, `change: edited`, or
deleted it, `change: deleted`), `delivery` (an outgoing message's status moved), `conversation`
(who answers it changed, or the caller marked it read: `readBy`) or, for the team, `summary` (a
summary was written). The stream opens with
`ready` (its `id` is the cursor to resume from, even before any event) and may say `reset`
(too much was missed: reload, then go on). A comment (`: idle`) comes every 15 seconds when
nothing else does. The stream ends when the access token expires (or after
IGNACIO_EVENT_STREAM_SECONDS), with `end`; the client opens it again with a fresh token and
`Last-Event-ID` (or `?lastEventId=`), and gets what it missed first.

The token goes in the Authorization header, never in the URL (URLs end up in logs): browsers
read the stream with fetch, not EventSource, which cannot send headers.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import AsyncIterator
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get
from litestar.background_tasks import BackgroundTask
from litestar.di import NamedDependency, Provide
from litestar.params import HeaderParameter, QueryParameter
from litestar.response import Stream

from ignacio.application.live_feed import Ending, Events, EventStream, Item, Mark, Notice
from ignacio.application.use_cases.live_events import OpenEventStream
from ignacio.domain.events import WorkspaceEvent
from ignacio.domain.workspaces import WorkspaceAccess
from ignacio.entrypoints.http.dependencies import bearer_token, provide_named_workspace
from ignacio.entrypoints.http.error_responses import NAMED_WORKSPACE, error_responses

EVENT_STREAM = "text/event-stream"
# How long a client waits before reconnecting after the connection drops.
RECONNECT_MILLISECONDS = 2000
_LARGEST_ID = 2**63 - 1  # a cursor is a 64-bit number

LastEventIdHeader = Annotated[
    int | None,
    HeaderParameter(
        name="Last-Event-ID",
        ge=0,
        le=_LARGEST_ID,
        description="The `id` of the last event the client received: the stream starts "
        "with what came after it. Without it (or `lastEventId`), from now.",
    ),
]
LastEventIdQuery = Annotated[
    int | None,
    QueryParameter(
        name="lastEventId",
        ge=0,
        le=_LARGEST_ID,
        description="`Last-Event-ID`, for a client that cannot send the header.",
    ),
]

_HEADERS = {
    "Cache-Control": "no-cache",
    # Proxies that buffer responses (nginx) would hold the events back.
    "X-Accel-Buffering": "no",
}
_DESCRIPTION = (
    "Server-Sent Events: `id`, `event` (`ready`, `message`, `message_changed`, `delivery`, "
    "`conversation`, `summary`, `reset`, `end`) and `data` (JSON) per event; `: idle` comments "
    "keep the connection alive."
)


def _event_frame(event: WorkspaceEvent) -> bytes:
    return b"id: %d\nevent: %s\ndata: %s\n\n" % (
        event.id,
        event.kind.value.encode(),
        msgspec.json.encode(event.data),
    )


class _Frames:
    """Each batch written once, not once per stream: the feed hands one batch of events to
    every stream of an audience (the same object), so the bytes written for the first stream
    are kept for the others. The last few dozen batches are kept, with the batch itself (its
    identity is the key)."""

    def __init__(self, size: int = 64) -> None:
        self._size = size
        self._written: OrderedDict[int, tuple[Events, bytes]] = OrderedDict()

    def of(self, item: Item) -> bytes:
        if isinstance(item, Mark):
            if item.notice is Notice.IDLE:
                return b": idle\n\n"
            return b"id: %d\nevent: %s\ndata: {}\n\n" % (item.cursor, item.notice.value.encode())
        kept = self._written.get(id(item))
        if kept is not None and kept[0] is item:
            return kept[1]
        frames = b"".join(map(_event_frame, item))
        self._written[id(item)] = (item, frames)
        if len(self._written) > self._size:
            self._written.popitem(last=False)
        return frames


_frames_written = _Frames()


def _ending(stream: EventStream) -> bytes:
    why = (stream.ending or Ending.CLOSED).value
    return b"event: end\ndata: %s\n\n" % msgspec.json.encode({"reason": why})


async def _frames(stream: EventStream) -> AsyncIterator[bytes]:
    try:
        yield b"retry: %d\n\n" % RECONNECT_MILLISECONDS
        async for items in stream:
            # One write for all the client has not taken yet: a burst costs one send.
            yield b"".join(map(_frames_written.of, items))
        yield _ending(stream)
    finally:
        stream.close()


def _response(stream: EventStream) -> Stream:
    # The background task closes the stream also when the client left while a write was
    # pending (the generator is then not finalised at once).
    return Stream(
        _frames(stream),
        media_type=EVENT_STREAM,
        headers=_HEADERS,
        background=BackgroundTask(stream.close),
    )


def _cursor(header: int | None, query: int | None) -> int | None:
    return header if header is not None else query


class TeamEventsController(Controller):
    path = "/workspaces/{workspace:str}/events"
    tags = ["live"]
    dependencies = {NAMED_WORKSPACE: Provide(provide_named_workspace)}

    @get(
        "/",
        media_type=EVENT_STREAM,
        response_description=_DESCRIPTION,
        responses=error_responses(403, 404, 503),
    )
    async def team_events(
        self,
        request: Request[Any, Any, Any],
        team_access: NamedDependency[WorkspaceAccess],
        open_event_stream: NamedDependency[OpenEventStream],
        last_event_id: LastEventIdHeader = None,
        last_event_id_query: LastEventIdQuery = None,
    ) -> Stream:
        """What changes in the workspace's conversations, live, for its agents and admins (the
        inbox): messages added, delivery statuses, who answers, the caller's read markers.
        503 (with Retry-After) when this server holds all the streams it can."""
        stream = await open_event_stream(
            team_access,
            bearer_token(request),
            team=True,
            last_event_id=_cursor(last_event_id, last_event_id_query),
        )
        return _response(stream)


class MemberEventsController(Controller):
    path = "/conversations/events"
    tags = ["live"]

    @get(
        "/",
        media_type=EVENT_STREAM,
        response_description=_DESCRIPTION,
        responses=error_responses(503),
    )
    async def my_events(
        self,
        request: Request[Any, Any, Any],
        workspace_access: NamedDependency[WorkspaceAccess],
        open_event_stream: NamedDependency[OpenEventStream],
        last_event_id: LastEventIdHeader = None,
        last_event_id_query: LastEventIdQuery = None,
    ) -> Stream:
        """What changes in the caller's own conversations in the workspace they act in, live
        (the chat): messages added (the assistant's answers, the team's replies), delivery
        statuses, who answers. 503 (with Retry-After) when this server holds all the streams
        it can."""
        stream = await open_event_stream(
            workspace_access,
            bearer_token(request),
            team=False,
            last_event_id=_cursor(last_event_id, last_event_id_query),
        )
        return _response(stream)


__all__ = ["MemberEventsController", "TeamEventsController"]
