"""WorkspaceStatistics contract: a workspace's activity over a period, counted alike by every
adapter. Known data with the numbers worked out by hand; then random data against the
domain's `percentile`, the reference every adapter's percentiles are held to."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ignacio.adapters.memory import InMemoryUnitOfWorkFactory
from ignacio.adapters.memory.statistics import InMemoryWorkspaceStatistics
from ignacio.adapters.sql.statistics import SqlWorkspaceStatistics
from ignacio.application.ports.statistics import (
    FailureReason,
    Timing,
    WorkspaceStatistics,
)
from ignacio.domain import Author, Channel, Conversation, DeliveryStatus, Message, User
from ignacio.domain.handover import Actor, ConversationState, StateChange, Transition
from ignacio.domain.statistics import Period, percentile
from tests.contract.builders import conversation, delivery, message, store, user, workspace
from tests.contract.conftest import Backend

MARCH = Period(since=date(2026, 3, 1), until=date(2026, 3, 4))


def on(day: int, hour: int, minute: int = 0, second: int = 0, micro: int = 0) -> datetime:
    """An instant on 1 March 2026 + `day` days, in UTC."""
    return datetime(2026, 3, 1, hour, minute, second, micro, tzinfo=UTC) + timedelta(days=day)


def change(of: Conversation, transition: Transition, at: datetime, **fields: Any) -> StateChange:
    to_state = {
        Transition.HANDOFF: ConversationState.WAITING,
        Transition.TAKE: ConversationState.HUMAN,
        Transition.HAND_BACK: ConversationState.ASSISTANT,
        Transition.CLOSE: ConversationState.CLOSED,
    }[transition]
    values: dict[str, Any] = {
        "id": uuid4(),
        "workspace_id": of.workspace_id,
        "conversation_id": of.id,
        "transition": transition,
        "from_state": ConversationState.ASSISTANT,
        "to_state": to_state,
        "actor": Actor.TEAM if transition is not Transition.HANDOFF else Actor.ASSISTANT,
        "created_at": at,
    }
    return StateChange(**(values | fields))


def answer(
    where: Conversation,
    to: Message,
    at: datetime,
    *,
    model: str | None = None,
    tokens: tuple[int, int] | None = None,
    latency_ms: int | None = None,
) -> Message:
    """The assistant's answer to `to`: naming it on WhatsApp, as answers there do."""
    return message(
        where,
        author=Author.ASSISTANT,
        channel=to.channel,
        content="answer",
        created_at=at,
        reply_to_id=to.id if to.channel is Channel.WHATSAPP else None,
        ai_model=model,
        input_tokens=tokens[0] if tokens else None,
        output_tokens=tokens[1] if tokens else None,
        latency_ms=latency_ms,
    )


def chat(owner: User, workspace_id: UUID, channel: Channel, created_at: datetime) -> Conversation:
    return conversation(owner, workspace_id, channel=channel, created_at=created_at)


def said(where: Conversation, at: datetime, author: Author = Author.MEMBER) -> Message:
    return message(where, author=author, channel=where.channel, created_at=at)


@pytest.fixture
def statistics(backend: Backend) -> WorkspaceStatistics:
    if backend.engine is None:
        assert isinstance(backend.uow, InMemoryUnitOfWorkFactory)
        return InMemoryWorkspaceStatistics(backend.uow.store)
    return SqlWorkspaceStatistics(backend.engine)


def timing(count: int, p50: float, p95: float) -> Timing:
    return Timing(count=count, p50=p50, p95=p95)


def assert_timings(found: list[Timing], expected: list[Timing]) -> None:
    assert [item.count for item in found] == [item.count for item in expected]
    for got, wanted in zip(found, expected, strict=True):
        for value, reference in ((got.p50, wanted.p50), (got.p95, wanted.p95)):
            if reference is None:
                assert value is None
            else:
                assert value == pytest.approx(reference, abs=1e-6)


async def test_a_period_of_known_activity_counts_to_the_numbers_worked_out_by_hand(
    backend: Backend, statistics: WorkspaceStatistics, home: UUID
) -> None:
    ana, luis, agent = user(1), user(2), user(3)
    web = chat(ana, home, Channel.WEB, on(0, 9))
    wa = chat(luis, home, Channel.WHATSAPP, on(0, 10))
    wa_later = chat(luis, home, Channel.WHATSAPP, on(1, 8))
    # Started before the period, active in it.
    old = chat(ana, home, Channel.WEB, on(-2, 9))

    web_q1, web_q2 = said(web, on(0, 9)), said(web, on(0, 9, 5))
    web_a1 = answer(
        web, web_q1, on(0, 9, 0, 2), model="gpt-4o-mini", tokens=(100, 20), latency_ms=1500
    )
    web_a2 = answer(
        web, web_q2, on(0, 9, 5, 3), model="gpt-4o-mini", tokens=(200, 40), latency_ms=2500
    )
    wa_q1 = said(wa, on(0, 10, 0, 0, 250_000))
    wa_a1 = answer(
        wa, wa_q1, on(0, 10, 0, 4, 1), model="gpt-4.1", tokens=(300, 60), latency_ms=3000
    )
    wa_q2 = said(wa, on(1, 11))
    wa_a2 = answer(wa, wa_q2, on(1, 11, 0, 10), model="gpt-4.1", tokens=(400, 80), latency_ms=8000)
    by_hand = said(wa, on(1, 12), Author.STAFF)
    later_q1, later_q2 = said(wa_later, on(1, 8)), said(wa_later, on(1, 8, 30))
    # An apology: no model, no time of its own; the member still waited for it.
    later_a1 = answer(wa_later, later_q1, on(1, 8, 0, 2))
    old_q = said(old, on(2, 15))
    old_a = answer(
        old, old_q, on(2, 15, 0, 1), model="gpt-4o-mini", tokens=(50, 10), latency_ms=1000
    )
    # At the bounds: the first instant is in the period, the first after it and the last before
    # it are not.
    first_instant = said(old, on(0, 0))
    after_the_end = said(old, on(3, 0))
    before_the_start = said(old, on(0, 0) - timedelta(microseconds=1))

    changes = [
        change(wa, Transition.HANDOFF, on(0, 10, 1)),
        change(wa, Transition.TAKE, on(0, 10, 11)),  # 600 s later
        change(wa, Transition.HAND_BACK, on(0, 11)),
        change(wa, Transition.HANDOFF, on(1, 12, 30)),
        change(wa, Transition.TAKE, on(2, 0, 30)),  # 12 hours later
        change(wa_later, Transition.HANDOFF, on(1, 9)),  # nobody has taken it
        change(web, Transition.HANDOFF, on(0, 9, 10)),
        change(web, Transition.CLOSE, on(0, 9, 20)),  # closed without being taken
        # Handed off before the period: neither counted nor waited for in it.
        change(old, Transition.HANDOFF, on(-1, 20)),
        change(old, Transition.TAKE, on(0, 1)),
    ]
    refused = "Re-engagement message"
    parts = [
        _part(wa_a1, updated_at=on(0, 10, 0, 5), error_code=131047, error_title=refused),
        _part(wa_a2, updated_at=on(1, 11, 1), error_code=131047, error_title=refused),
        _part(later_a1, updated_at=on(1, 8, 1), error_code=None, error_title="Timed out"),
        _part(by_hand, updated_at=on(1, 12, 1), status=DeliveryStatus.DELIVERED),
        _part(old_a, updated_at=on(-1, 23), error_code=131026, error_title="Undeliverable"),
    ]

    # Another workspace's activity in the same days: none of it counts.
    elsewhere = workspace(7)
    stranger = user(9)
    their_chat = chat(stranger, elsewhere.id, Channel.WHATSAPP, on(0, 9))
    their_q = said(their_chat, on(0, 9))
    their_a = answer(
        their_chat, their_q, on(0, 9, 1), model="gpt-4o-mini", tokens=(999, 999), latency_ms=99
    )
    theirs = [
        elsewhere,
        stranger,
        their_chat,
        their_q,
        their_a,
        change(their_chat, Transition.HANDOFF, on(0, 9, 2)),
        _part(their_a, updated_at=on(0, 9, 3), error_code=1, error_title="Theirs"),
    ]

    await store(backend.uow, ana, luis, agent, web, wa, wa_later, old)
    await store(
        backend.uow,
        web_q1,
        web_q2,
        wa_q1,
        wa_q2,
        by_hand,
        later_q1,
        later_q2,
        old_q,
        first_instant,
        after_the_end,
        before_the_start,
    )
    await store(backend.uow, web_a1, web_a2, wa_a1, wa_a2, later_a1, old_a, *changes, *parts)
    await store(backend.uow, *theirs)

    found = await statistics.activity(home, MARCH)

    assert found.period == MARCH
    web_series, whatsapp_series = found.channels
    assert web_series.channel is Channel.WEB
    assert web_series.conversations_started == [1, 0, 0]
    assert web_series.conversations_active == [2, 0, 1]
    assert web_series.from_members == [3, 0, 1]
    assert web_series.from_assistant == [2, 0, 1]
    assert web_series.from_team == [0, 0, 0]
    assert whatsapp_series.channel is Channel.WHATSAPP
    assert whatsapp_series.conversations_started == [1, 1, 0]
    assert whatsapp_series.conversations_active == [1, 2, 0]
    assert whatsapp_series.from_members == [1, 3, 0]
    assert whatsapp_series.from_assistant == [1, 2, 0]
    assert whatsapp_series.from_team == [0, 1, 0]

    assert [(m.model, m.answers, m.input_tokens, m.output_tokens) for m in found.models] == [
        ("gpt-4.1", [1, 1, 0], [300, 400, 0], [60, 80, 0]),
        ("gpt-4o-mini", [2, 0, 1], [300, 0, 50], [60, 0, 10]),
    ]

    model = found.answers.model
    assert_timings(model.per_day, [timing(3, 2.5, 2.95), timing(1, 8.0, 8.0), timing(1, 1.0, 1.0)])
    assert_timings([model.overall], [timing(5, 2.5, 7.0)])
    waited = found.answers.member_wait
    assert_timings(waited.per_day, [timing(1, 3.750001, 3.750001), timing(2, 6.0, 9.6), Timing()])
    assert_timings([waited.overall], [timing(3, 3.750001, 9.375001)])

    handoffs = found.handoffs
    assert handoffs.per_day == [2, 2, 0]
    assert (handoffs.taken, handoffs.still_waiting, handoffs.dismissed) == (2, 1, 1)
    assert_timings(
        handoffs.waits.per_day, [timing(1, 600.0, 600.0), timing(1, 43200.0, 43200.0), Timing()]
    )
    assert_timings([handoffs.waits.overall], [timing(2, 21900.0, 41070.0)])

    assert found.failures.per_day == [1, 2, 0]
    assert found.failures.by_reason == [
        FailureReason(code=131047, title=refused, count=2),
        FailureReason(code=None, title="Timed out", count=1),
    ]

    # The other workspace sees only its own.
    theirs_found = await statistics.activity(elsewhere.id, MARCH)
    assert theirs_found.handoffs.per_day == [1, 0, 0]
    assert [usage.model for usage in theirs_found.models] == ["gpt-4o-mini"]
    assert theirs_found.failures.by_reason == [FailureReason(code=1, title="Theirs", count=1)]


def _part(of: Message, *, updated_at: datetime, **fields: Any) -> Any:
    values: dict[str, Any] = {"status": DeliveryStatus.FAILED, "updated_at": updated_at}
    return delivery(of, **(values | fields))


async def test_a_wait_counts_up_to_a_day(
    backend: Backend, statistics: WorkspaceStatistics, home: UUID
) -> None:
    luis = user(2)
    wa = chat(luis, home, Channel.WHATSAPP, on(-1, 8))
    # Answered a day later to the microsecond: counted; a microsecond more, and it is not (the
    # message was on the day before the period, the answer in it).
    late_q, later_q = said(wa, on(-1, 8, 30)), said(wa, on(-1, 8, 45))
    late_a = answer(wa, late_q, on(0, 8, 30))
    later_a = answer(wa, later_q, on(0, 8, 45, 0, 1))
    await store(backend.uow, luis, wa, late_q, later_q)
    await store(backend.uow, late_a, later_a)
    found = await statistics.activity(home, MARCH)
    assert_timings(
        found.answers.member_wait.per_day, [timing(1, 86400.0, 86400.0), Timing(), Timing()]
    )
    assert found.channels[1].from_assistant == [2, 0, 0]


async def test_days_follow_the_time_zones_calendar_across_a_change_of_the_clocks(
    backend: Backend, statistics: WorkspaceStatistics, home: UUID
) -> None:
    # Madrid's clocks went forward at 02:00 on 29 March 2026: that day had 23 hours, from
    # 23:00 UTC on the 28th to 22:00 UTC on the 29th.
    ana = user(1)
    web = chat(ana, home, Channel.WEB, datetime(2026, 3, 28, 12, tzinfo=UTC))
    written = [
        said(web, datetime(2026, 3, 28, 22, 59, 59, tzinfo=UTC)),  # 23:59:59 on the 28th
        said(web, datetime(2026, 3, 28, 23, 0, tzinfo=UTC)),  # 00:00 on the 29th
        said(web, datetime(2026, 3, 29, 21, 59, 59, 999_999, tzinfo=UTC)),  # 23:59:59 (CEST)
        said(web, datetime(2026, 3, 29, 22, 0, tzinfo=UTC)),  # 00:00 on the 30th
    ]
    await store(backend.uow, ana, web, *written)
    madrid = Period(since=date(2026, 3, 28), until=date(2026, 3, 31), time_zone="Europe/Madrid")
    found = await statistics.activity(home, madrid)
    assert found.channels[0].from_members == [1, 2, 1]
    assert found.channels[0].conversations_started == [1, 0, 0]
    in_utc = await statistics.activity(
        home, Period(since=date(2026, 3, 28), until=date(2026, 3, 31))
    )
    assert in_utc.channels[0].from_members == [2, 2, 0]


async def test_a_quiet_period_is_zeros_and_no_percentiles(
    statistics: WorkspaceStatistics, home: UUID
) -> None:
    found = await statistics.activity(home, MARCH)
    for series in found.channels:
        assert series.from_members == series.conversations_active == [0, 0, 0]
    assert found.models == []
    assert found.handoffs.per_day == [0, 0, 0]
    assert (found.handoffs.taken, found.handoffs.still_waiting, found.handoffs.dismissed) == (
        0,
        0,
        0,
    )
    assert found.answers.model.per_day == [Timing()] * 3
    assert found.answers.member_wait.overall == Timing()
    assert found.failures == found.failures.__class__(per_day=[0, 0, 0], by_reason=[])


_people = itertools.count(100)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    latencies=st.lists(
        st.tuples(st.integers(min_value=0, max_value=2), st.integers(0, 600_000)), max_size=30
    ),
    waits=st.lists(
        st.tuples(st.integers(min_value=0, max_value=2), st.integers(0, 10**9)), max_size=30
    ),
)
async def test_percentiles_agree_with_the_reference_on_any_data(
    backend: Backend,
    statistics: WorkspaceStatistics,
    latencies: list[tuple[int, int]],
    waits: list[tuple[int, int]],
) -> None:
    # Each example in a workspace of its own, so that examples share the database unharmed.
    place = workspace(slug=f"w-{uuid4().hex[:12]}")
    member = user(next(_people))
    web = chat(member, place.id, Channel.WEB, on(0, 0))
    wa = chat(member, place.id, Channel.WHATSAPP, on(0, 0))
    rows: list[Any] = []
    for n, (day, latency_ms) in enumerate(latencies):
        question = said(web, on(day, 1, 0, n))
        rows += [question, answer(web, question, on(day, 2, 0, n), latency_ms=latency_ms)]
    for n, (day, micros) in enumerate(waits):
        question = said(wa, on(day, 0, 0, n, n))
        waited = question.created_at + timedelta(microseconds=micros)
        rows += [question, answer(wa, question, waited)]
    await store(backend.uow, place, member, web, wa)
    await store(backend.uow, *[row for row in rows if row.author is Author.MEMBER])
    await store(backend.uow, *[row for row in rows if row.author is Author.ASSISTANT])

    found = await statistics.activity(place.id, MARCH)

    def reference(cases: list[tuple[int, float]]) -> tuple[list[Timing], Timing]:
        def of(values: list[float]) -> Timing:
            ordered = sorted(values)
            return Timing(
                count=len(ordered), p50=percentile(ordered, 0.5), p95=percentile(ordered, 0.95)
            )

        return [of([v for d, v in cases if d == day]) for day in range(3)], of(
            [v for _, v in cases]
        )

    for series, cases in (
        (found.answers.model, [(day, ms / 1000) for day, ms in latencies]),
        (found.answers.member_wait, [(day, micros / 1e6) for day, micros in waits]),
    ):
        per_day, overall = reference(cases)
        assert_timings(series.per_day, per_day)
        assert_timings([series.overall], [overall])


_ZONES = (
    "UTC",
    "Europe/Madrid",
    "America/Santiago",  # moves its clocks at midnight
    "America/Havana",  # and so does Cuba
    "Australia/Lord_Howe",  # by half an hour
    "Asia/Kathmandu",  # +05:45
    "America/St_Johns",  # -03:30, with summer time
)
_YEAR = date(2026, 1, 1), date(2027, 1, 1)


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    zone=st.sampled_from(_ZONES),
    near_changes=st.lists(
        st.tuples(st.integers(0, 3), st.integers(-3_000_000, 3_000_000)), max_size=12
    ),
    anywhere=st.lists(st.integers(0, 366 * 86_400 * 1_000_000), max_size=12),
)
async def test_every_instant_is_counted_on_its_day_in_any_time_zone(
    backend: Backend,
    statistics: WorkspaceStatistics,
    zone: str,
    near_changes: list[tuple[int, int]],
    anywhere: list[int],
) -> None:
    period = Period(since=_YEAR[0], until=_YEAR[1], time_zone=zone)
    # Instants a few seconds either side of the changes of the clocks and of midnights around
    # them, and anywhere in the year.
    edges = [change for change, _ in period.offsets] + [day.starts for day in period.days[85:95]]
    instants = [
        edges[pick % len(edges)] + timedelta(microseconds=shift) for pick, shift in near_changes
    ] + [period.starts + timedelta(microseconds=micros) for micros in anywhere]
    instants = [at for at in instants if period.starts <= at < period.ends]
    place = workspace(slug=f"w-{uuid4().hex[:12]}")
    member = user(next(_people))
    web = chat(member, place.id, Channel.WEB, period.starts)
    await store(backend.uow, place, member, web, *(said(web, at) for at in instants))

    found = await statistics.activity(place.id, period)

    expected = [0] * period.length
    for at in instants:
        day = period.day_of(at)
        assert day is not None
        expected[day] += 1
    assert found.channels[0].from_members == expected
