"""Live updates: what an event says and to whom (`domain.events`), and the feed that hands new
events to the open streams (`LiveFeed`), on the memory log with a fake clock."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import msgspec
import pytest

from ignacio.adapters.live import InProcessEventSignal
from ignacio.adapters.memory import InMemoryStore, InMemoryUnitOfWorkFactory
from ignacio.application import live_feed
from ignacio.application.live_feed import Ending, EventStream, LiveFeed, Mark, Notice
from ignacio.application.use_cases.live_events import (
    MESSAGE_LOGINS_KEPT,
    SESSIONS_KEPT,
    PruneEnded,
)
from ignacio.domain import Author, Busy, Conversation, DeliveryStatus, Message, User, UserSession
from ignacio.domain.events import (
    GAP_PATIENCE,
    Audience,
    EventKind,
    WorkspaceEvent,
    passable,
)
from ignacio.domain.handover import ConversationState
from ignacio.domain.message_login import MessageLogin
from ignacio.domain.summaries import ConversationSummary
from tests.support.fakes import FakeClock

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
WORKSPACE = uuid4()
MEMBER = uuid4()
AGENT = uuid4()


def conversation(
    member: UUID = MEMBER, workspace: UUID = WORKSPACE, **fields: object
) -> Conversation:
    values: dict[str, object] = {
        "id": uuid4(),
        "workspace_id": workspace,
        "user_id": member,
        "created_at": NOW,
        "updated_at": NOW,
    }
    return Conversation(**(values | fields))  # type: ignore[arg-type]


def message(where: Conversation, author: Author = Author.MEMBER) -> Message:
    return Message(
        id=uuid4(),
        workspace_id=where.workspace_id,
        conversation_id=where.id,
        user_id=where.user_id,
        author=author,
        content="Private words that no event may carry",
        created_at=NOW,
    )


def numbered(number: int, at: datetime = NOW, **fields: object) -> WorkspaceEvent:
    event = WorkspaceEvent.message_added(message(conversation()), at)
    return msgspec.structs.replace(event, id=number, **fields)


# What an event says, and to whom.


def test_events_carry_ids_and_states_never_what_was_written() -> None:
    chat = conversation(state=ConversationState.HUMAN, assignee_id=AGENT)
    said = message(chat)
    answer = msgspec.structs.replace(
        said, id=uuid4(), author=Author.ASSISTANT, delivery_status=DeliveryStatus.SENT
    )
    for event in (
        WorkspaceEvent.message_added(said, NOW),
        WorkspaceEvent.delivery_changed(answer, NOW),
        WorkspaceEvent.conversation_changed(chat, NOW, read_by=AGENT),
    ):
        assert event.member_id == MEMBER and event.conversation_id == chat.id
        assert "Private" not in msgspec.json.encode(event).decode()
    assert WorkspaceEvent.delivery_changed(answer, NOW).data == {
        "conversationId": str(chat.id),
        "messageId": str(answer.id),
        "status": "sent",
    }
    assert WorkspaceEvent.conversation_changed(chat, NOW).data == {
        "conversationId": str(chat.id),
        "state": "human",
        "assigneeId": str(AGENT),
    }


def test_the_team_sees_everything_but_someone_else_s_read_marker() -> None:
    chat = conversation()
    mine = WorkspaceEvent.conversation_changed(chat, NOW, read_by=AGENT)
    added = WorkspaceEvent.message_added(message(chat), NOW)
    assert mine.seen_by(Audience(user_id=AGENT, team=True)) is mine
    assert mine.seen_by(Audience(user_id=uuid4(), team=True)) is None
    assert added.seen_by(Audience(user_id=uuid4(), team=True)) is added


def test_a_summary_is_the_team_s() -> None:
    chat = conversation()
    said = message(chat)
    summary = ConversationSummary(
        id=uuid4(),
        workspace_id=chat.workspace_id,
        conversation_id=chat.id,
        text="The member wants to move an appointment.",
        last_message_id=said.id,
        last_message_at=NOW,
        messages_read=1,
        created_at=NOW,
    )
    written = WorkspaceEvent.summary_added(summary, chat, NOW)
    assert written.data == {"conversationId": str(chat.id), "summaryId": str(summary.id)}
    assert written.seen_by(Audience(user_id=AGENT, team=True)) is written
    assert written.seen_by(Audience(user_id=MEMBER, team=False)) is None


def test_a_member_sees_their_own_conversations_without_read_markers_or_assignee_ids() -> None:
    chat = conversation(state=ConversationState.HUMAN, assignee_id=AGENT)
    me = Audience(user_id=MEMBER, team=False)
    added = WorkspaceEvent.message_added(message(chat), NOW)
    assert added.seen_by(me) is added
    assert added.seen_by(Audience(user_id=uuid4(), team=False)) is None
    assert WorkspaceEvent.conversation_changed(chat, NOW, read_by=AGENT).seen_by(me) is None
    taken = WorkspaceEvent.conversation_changed(chat, NOW).seen_by(me)
    assert taken is not None
    assert taken.data == {"conversationId": str(chat.id), "state": "human"}


def test_a_reader_passes_what_follows_without_a_gap() -> None:
    passed, cursor = passable(4, [numbered(5), numbered(6), numbered(7)], NOW)
    assert ([e.id for e in passed], cursor) == ([5, 6, 7], 7)
    # What the reader has already passed is not handed out again.
    passed, cursor = passable(6, [numbered(5), numbered(6), numbered(7)], NOW)
    assert ([e.id for e in passed], cursor) == ([7], 7)


def test_a_reader_stops_at_a_young_gap_and_passes_an_old_one() -> None:
    # 6 is missing: its transaction may commit any moment now.
    events = [numbered(5), numbered(7), numbered(8)]
    passed, cursor = passable(4, events, NOW)
    assert ([e.id for e in passed], cursor) == ([5], 5)
    # Still missing well after 7 was stored: 6 rolled back, never to appear.
    later = NOW + GAP_PATIENCE
    passed, cursor = passable(5, events[1:], later)
    assert ([e.id for e in passed], cursor) == ([7, 8], 8)


def test_the_gap_is_judged_by_the_event_after_it() -> None:
    old_gap = [numbered(5, NOW - 2 * GAP_PATIENCE), numbered(7, NOW - GAP_PATIENCE)]
    young_gap = [numbered(9, NOW - timedelta(seconds=1))]
    passed, cursor = passable(4, old_gap + young_gap, NOW)
    assert ([e.id for e in passed], cursor) == ([5, 7], 7)


# The feed.


class Log:
    """The memory log, the signal and the feed over them."""

    def __init__(
        self, *, max_streams: int = 10, queue_size: int = 50, idle_seconds: float = 60.0
    ) -> None:
        self.store = InMemoryStore()
        self.signal = InProcessEventSignal()
        self.uow = InMemoryUnitOfWorkFactory(self.store, self.signal)
        self.clock = FakeClock(NOW)
        self.feed = LiveFeed(
            self.uow,
            self.signal,
            self.clock,
            max_streams=max_streams,
            queue_size=queue_size,
            idle_seconds=idle_seconds,
            poll_seconds=0.05,
        )

    async def commit(self, *events: WorkspaceEvent) -> None:
        async with self.uow() as uow:
            for event in events:
                await uow.events.append(event)
            await uow.commit()

    def store_directly(self, number: int, event: WorkspaceEvent) -> None:
        """As a transaction that took `number` commits: no signal (the feed polls)."""
        self.store.events[number] = msgspec.structs.replace(event, id=number)
        self.store.sequences["workspace_events"] = max(
            number, self.store.sequences.get("workspace_events", 0)
        )

    async def open(
        self,
        audience: Audience | None = None,
        *,
        last_event_id: int | None = None,
        until: datetime | None = None,
        workspace: UUID = WORKSPACE,
    ) -> EventStream:
        return await self.feed.open(
            workspace,
            audience or Audience(user_id=AGENT, team=True),
            until=until or NOW + timedelta(minutes=15),
            last_event_id=last_event_id,
        )


@pytest.fixture
async def log() -> AsyncIterator[Log]:
    opened = Log()
    yield opened
    await opened.feed.close()


async def take(stream: EventStream, within: float = 2.0) -> list[WorkspaceEvent | Mark]:
    """What the stream has for its client now (waiting for something): its batches of events
    flattened, and its marks."""
    async with asyncio.timeout(within):
        items = await anext(stream)
    return [part for item in items for part in (item if isinstance(item, tuple) else (item,))]


def said(chat: Conversation, author: Author = Author.MEMBER) -> WorkspaceEvent:
    return WorkspaceEvent.message_added(message(chat, author), NOW)


async def test_a_stream_starts_ready_then_hears_each_commit_of_its_workspace(log: Log) -> None:
    stream = await log.open()
    assert await take(stream) == [Mark(Notice.READY, 0)]
    here, elsewhere = conversation(), conversation(workspace=uuid4())
    await log.commit(said(elsewhere), said(here))
    (event,) = await take(stream)
    assert isinstance(event, WorkspaceEvent)
    assert (event.id, event.conversation_id) == (2, here.id)


async def test_a_member_s_stream_hears_only_their_own_conversations(log: Log) -> None:
    stream = await log.open(Audience(user_id=MEMBER, team=False))
    await take(stream)
    theirs, someone_else_s = conversation(), conversation(member=uuid4())
    await log.commit(said(someone_else_s), said(theirs))
    (event,) = await take(stream)
    assert isinstance(event, WorkspaceEvent) and event.conversation_id == theirs.id
    assert stream.cursor == 2


async def test_the_feed_waits_at_a_missing_number_and_hands_out_in_order(log: Log) -> None:
    stream = await log.open()
    await take(stream)
    chat = conversation()
    # 2 is committed before 1 (transactions commit in any order).
    log.store_directly(2, said(chat, Author.ASSISTANT))
    await asyncio.sleep(0.2)
    assert log.feed.cursor == 0
    log.store_directly(1, said(chat))
    batch = await take(stream)
    assert [item.id for item in batch if isinstance(item, WorkspaceEvent)] == [1, 2]


async def test_the_feed_passes_a_number_that_never_comes_once_it_is_old(log: Log) -> None:
    stream = await log.open()
    await take(stream)
    log.store_directly(2, said(conversation()))
    await asyncio.sleep(0.2)
    assert log.feed.cursor == 0
    log.clock.advance(seconds=GAP_PATIENCE.total_seconds())
    (event,) = await take(stream)
    assert isinstance(event, WorkspaceEvent) and event.id == 2


async def test_reconnecting_catches_up_before_the_live_events(log: Log) -> None:
    chat = conversation()
    first = await log.open()
    await take(first)
    await log.commit(said(chat))
    await take(first)
    await log.commit(said(chat, Author.ASSISTANT), said(chat, Author.STAFF))
    await take(first)
    again = await log.open(last_event_id=1)
    items = await take(again)
    assert [(i.id if isinstance(i, WorkspaceEvent) else i) for i in items] == [
        2,
        3,
        Mark(Notice.READY, 3),
    ]
    await log.commit(said(chat))
    (live,) = await take(again)
    assert isinstance(live, WorkspaceEvent) and live.id == 4


async def test_a_client_too_far_behind_or_behind_pruned_events_is_told_to_reload(
    log: Log, monkeypatch: pytest.MonkeyPatch
) -> None:
    chat = conversation()
    keep = await log.open()
    await log.commit(*(said(chat) for _ in range(5)))
    await take(keep)
    await take(keep)
    monkeypatch.setattr(live_feed, "CATCH_UP_LIMIT", 3)
    behind = await log.open(last_event_id=1)
    assert await take(behind) == [Mark(Notice.RESET, 5), Mark(Notice.READY, 5)]
    monkeypatch.undo()
    async with log.uow() as uow:
        await uow.events.prune(NOW + timedelta(seconds=1), 2)
        await uow.commit()
    pruned = await log.open(last_event_id=1)
    assert await take(pruned) == [Mark(Notice.RESET, 5), Mark(Notice.READY, 5)]
    made_up = await log.open(last_event_id=999)
    assert await take(made_up) == [Mark(Notice.READY, 5)]


async def test_a_slow_client_is_let_go_rather_than_buffered_without_end() -> None:
    slow = Log(queue_size=3)
    try:
        stream = await slow.open()
        chat = conversation()
        # One read's batch always goes in; a stream already holding three when more come, not.
        for _ in range(5):
            await slow.commit(said(chat))
            await asyncio.sleep(0.05)
        async with asyncio.timeout(2):
            async for _ in stream:
                pass
        assert stream.ending is Ending.TOO_SLOW
        assert slow.feed.open_streams == 0
    finally:
        await slow.feed.close()


async def test_streams_are_bounded_and_a_stopping_process_ends_them() -> None:
    small = Log(max_streams=1)
    try:
        stream = await small.open()
        with pytest.raises(Busy):
            await small.open()
        stream.close()
        again = await small.open()
        small.feed.stop_streams()
        assert again.ending is Ending.STOPPING
        with pytest.raises(Busy):
            await small.open()
    finally:
        await small.feed.close()


async def test_a_quiet_stream_idles_and_ends_when_its_time_is_up() -> None:
    quiet = Log(idle_seconds=0.06)
    try:
        stream = await quiet.open(until=NOW + timedelta(minutes=1))
        await take(stream)
        assert await take(stream) == [Mark(Notice.IDLE, 0)]
        quiet.clock.advance(minutes=1)
        with pytest.raises(StopAsyncIteration):
            await take(stream)
        assert stream.ending is Ending.EXPIRED
    finally:
        await quiet.feed.close()


async def test_with_nobody_following_the_feed_reads_nothing_and_starts_again_at_the_newest(
    log: Log,
) -> None:
    stream = await log.open()
    stream.close()
    assert (log.feed.open_streams, log.feed.cursor) == (0, None)
    await log.commit(said(conversation()), said(conversation()))
    fresh = await log.open()
    assert await take(fresh) == [Mark(Notice.READY, 2)]
    assert log.store.events[1].kind is EventKind.MESSAGE


async def test_streams_of_one_audience_share_each_batch_and_a_reader_gets_their_own(
    log: Log,
) -> None:
    """What lets a transport write a batch once for every stream of the team."""
    tabs = [await log.open() for _ in range(2)]
    other = await log.open(Audience(user_id=uuid4(), team=True))
    for stream in (*tabs, other):
        await take(stream)
    chat = conversation()
    await log.commit(said(chat), said(chat, Author.ASSISTANT))
    batches = [await anext(stream) for stream in (*tabs, other)]
    shared = batches[0][0]
    assert shared is batches[1][0] is batches[2][0]
    assert isinstance(shared, tuple) and len(shared) == 2

    marked = WorkspaceEvent.conversation_changed(chat, NOW, read_by=AGENT)
    await log.commit(said(chat), marked)
    mine, theirs = await take(tabs[0]), await take(other)
    assert [e.read_by for e in mine if isinstance(e, WorkspaceEvent)] == [None, str(AGENT)]
    assert [e.read_by for e in theirs if isinstance(e, WorkspaceEvent)] == [None]


async def test_the_sweep_forgets_old_events_sessions_and_logins_by_message() -> None:
    store = InMemoryStore()
    home = next(iter(store.workspaces))
    uow = InMemoryUnitOfWorkFactory(store)
    clock = FakeClock(NOW)
    ana = User(id=uuid4(), created_at=NOW, updated_at=NOW)

    def device(expires_at: datetime) -> UserSession:
        return UserSession(
            id=uuid4(),
            user_id=ana.id,
            token_hash=uuid4().hex,
            expires_at=expires_at,
            created_at=NOW - timedelta(days=90),
            last_used_at=NOW - timedelta(days=90),
        )

    def login(started: datetime) -> MessageLogin:
        return MessageLogin.started(
            id=uuid4(),
            workspace_id=home,
            code_hash=uuid4().hex,
            browser_token_hash=uuid4().hex,
            device=None,
            now=started,
        )

    gone_session = device(NOW - SESSIONS_KEPT - timedelta(seconds=1))
    kept_session = device(NOW - SESSIONS_KEPT + timedelta(hours=1))
    gone_login = login(NOW - MESSAGE_LOGINS_KEPT - timedelta(hours=1))
    kept_login = login(NOW - timedelta(minutes=5))
    async with uow() as work:
        await work.users.add(ana)
        for session in (gone_session, kept_session):
            await work.sessions.add(session)
        for challenge in (gone_login, kept_login):
            await work.message_logins.add(challenge)
        await work.events.append(numbered(1, NOW - timedelta(days=30)))
        await work.events.append(numbered(2, NOW))
        await work.commit()

    # The newest event is always kept (it carries the stream's cursor); the old one goes.
    assert await PruneEnded(uow, clock, timedelta(days=3))() == 3
    async with uow() as work:
        assert await work.sessions.get(gone_session.id) is None
        assert await work.sessions.get(kept_session.id) == kept_session
        assert await work.message_logins.get(gone_login.id) is None
        assert await work.message_logins.get(kept_login.id) == kept_login
    assert len(store.events) == 1
