"""WorkspaceStatistics over SQLAlchemy Core: every figure aggregated by the database.

How the days are counted: the period's days, with their bounds in UTC worked out in Python
(`Period.days`, time zones and changes of the clocks included), go to the database as a small
table (`WITH days(day, starts, ends) AS (VALUES ...)`), and each row is counted into the day
whose bounds hold it, a join on `starts <= created_at < ends`. Neither database is asked about
time zones (SQLite knows none), the statement is the same on both, and each day is one range of
the `(workspace_id, created_at)` indexes.

How percentiles are taken (`percentile` in the domain, linear interpolation between the two
nearest ranks): PostgreSQL's `percentile_cont`, per day and, with ROLLUP, over the period.
SQLite has no percentile function; there each case is ranked within its day by a window
function (`row_number()` and `count(*)` over the day), and the one or two ranks the percentile
falls between are picked and weighed in the same aggregate, so the database still sorts and
picks, and only a handful of numbers come back. The period's row is a pseudo-day (NULL) of
every case again.

Dialect differences are kept to those two places and to a duration in seconds
(`_seconds_between`). Everything is read in one read-only transaction, so the figures agree with
each other (PostgreSQL: REPEATABLE READ; SQLite: one read transaction, one snapshot).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any
from uuid import UUID

from sqlalchemy import (
    CTE,
    ColumnElement,
    Float,
    Integer,
    Select,
    and_,
    case,
    cast,
    column,
    func,
    literal,
    null,
    select,
    union_all,
    values,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ignacio.adapters.sql.engine import BEGIN_MODE_OPTION, long_reads_engine
from ignacio.adapters.sql.tables import (
    conversation_state_changes,
    conversations,
    message_deliveries,
    messages,
)
from ignacio.adapters.sql.types import UtcDateTime
from ignacio.application.ports.statistics import (
    PERCENTILES,
    Answers,
    ChannelActivity,
    FailureReason,
    Failures,
    Handoffs,
    ModelUsage,
    Timing,
    TimingSeries,
    WorkspaceActivity,
    ordered_models,
    ordered_reasons,
)
from ignacio.domain import Author, Channel, DeliveryStatus
from ignacio.domain.handover import Transition
from ignacio.domain.statistics import Period

_CHANNELS = {channel.value: channel for channel in Channel}
_OVERALL = None
"""The pseudo-day of a percentile row taken over the whole period."""


class SqlWorkspaceStatistics:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = long_reads_engine(engine)

    async def activity(self, workspace_id: UUID, period: Period) -> WorkspaceActivity:
        async with self._engine.connect() as connection:
            # Statements differ with the period's length (its days are values in them): not
            # worth a place in the statement cache, which the hot reads keep warm.
            options: dict[str, Any] = {"compiled_cache": None}
            if connection.dialect.name == "sqlite":
                options[BEGIN_MODE_OPTION] = "deferred"
            else:
                options |= {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
            await connection.execution_options(**options)
            async with connection.begin():
                reading = _Reading(connection, workspace_id, period)
                return WorkspaceActivity(
                    period=period,
                    channels=await reading.channels(),
                    handoffs=await reading.handoffs(),
                    answers=await reading.answers(),
                    failures=await reading.failures(),
                    models=await reading.models(),
                )


class _Reading:
    """The statements of one reading of a workspace's activity."""

    def __init__(self, connection: AsyncConnection, workspace_id: UUID, period: Period) -> None:
        self._connection = connection
        self._workspace_id = workspace_id
        self._period = period
        self._postgres = connection.dialect.name == "postgresql"
        self._days = (
            values(
                column("day", Integer),
                column("starts", UtcDateTime()),
                column("ends", UtcDateTime()),
                name="days",
            )
            .data([(index, day.starts, day.ends) for index, day in enumerate(period.days)])
            .cte("days")
        )

    def _zeros(self) -> list[int]:
        return [0] * self._period.length

    def _within(self, at: ColumnElement[Any]) -> ColumnElement[bool]:
        """`at` falls on the day of the `days` row it is joined to."""
        return and_(at >= self._days.c.starts, at < self._days.c.ends)

    async def _rows(self, statement: Select[Any]) -> list[Any]:
        return list((await self._connection.execute(statement)).all())

    async def channels(self) -> list[ChannelActivity]:
        m = messages.c
        days = self._days
        # Per conversation and day first: the conversations active that day are then its rows,
        # counted without a DISTINCT (one hash aggregate, no sort).
        per_conversation = (
            select(
                days.c.day,
                m.channel,
                _count_where(m.author == Author.MEMBER.value).label("members"),
                _count_where(m.author == Author.ASSISTANT.value).label("assistant"),
                _count_where(m.author == Author.STAFF.value).label("team"),
            )
            .select_from(
                days.join(
                    messages, and_(m.workspace_id == self._workspace_id, self._within(m.created_at))
                )
            )
            .group_by(days.c.day, m.channel, m.conversation_id)
            .subquery()
        )
        p = per_conversation.c
        written = await self._rows(
            select(
                p.day,
                p.channel,
                func.count(),
                func.sum(p.members),
                func.sum(p.assistant),
                func.sum(p.team),
            ).group_by(p.day, p.channel)
        )
        c = conversations.c
        started = await self._rows(
            select(days.c.day, c.channel, func.count())
            .select_from(
                days.join(
                    conversations,
                    and_(c.workspace_id == self._workspace_id, self._within(c.created_at)),
                )
            )
            .group_by(days.c.day, c.channel)
        )
        series = {
            (channel, figure): self._zeros()
            for channel in Channel
            for figure in ("started", "active", "members", "assistant", "team")
        }
        # A channel this version does not know (a row from a newer one) is left out.
        for day, channel, active, members, assistant, team in written:
            if channel in _CHANNELS:
                for figure, count in (
                    ("active", active),
                    ("members", members),
                    ("assistant", assistant),
                    ("team", team),
                ):
                    series[_CHANNELS[channel], figure][day] = int(count)
        for day, channel, count in started:
            if channel in _CHANNELS:
                series[_CHANNELS[channel], "started"][day] = int(count)
        return [
            ChannelActivity(
                channel=channel,
                conversations_started=series[channel, "started"],
                conversations_active=series[channel, "active"],
                from_members=series[channel, "members"],
                from_assistant=series[channel, "assistant"],
                from_team=series[channel, "team"],
            )
            for channel in Channel
        ]

    async def handoffs(self) -> Handoffs:
        s = conversation_state_changes.c
        days = self._days
        # Each change with the one after it in its conversation. Changes from the period's start
        # on, after its end too: what ended a handoff of the period may have come later.
        order = (s.created_at, s.id)
        changes = (
            select(
                s.transition,
                s.created_at,
                func.lead(s.transition)
                .over(partition_by=s.conversation_id, order_by=order)
                .label("next_transition"),
                func.lead(s.created_at)
                .over(partition_by=s.conversation_id, order_by=order)
                .label("next_at"),
            )
            .where(s.workspace_id == self._workspace_id, s.created_at >= self._period.starts)
            .cte("changes")
        )
        h = changes.c
        handoffs = (
            select(
                days.c.day,
                h.next_transition,
                _seconds_between(h.created_at, h.next_at, self._postgres).label("waited"),
            )
            .select_from(days.join(changes, self._within(h.created_at)))
            .where(h.transition == Transition.HANDOFF.value)
            .cte("handoffs")
        )
        counted = await self._rows(
            select(
                handoffs.c.day,
                func.count(),
                _count_where(handoffs.c.next_transition == Transition.TAKE.value),
                _count_where(handoffs.c.next_transition.is_(None)),
            ).group_by(handoffs.c.day)
        )
        per_day = self._zeros()
        taken = still_waiting = total = 0
        for day, count, day_taken, day_waiting in counted:
            per_day[day] = int(count)
            total += int(count)
            taken += int(day_taken)
            still_waiting += int(day_waiting)
        waits = select(handoffs.c.day, handoffs.c.waited.label("value")).where(
            handoffs.c.next_transition == Transition.TAKE.value
        )
        return Handoffs(
            per_day=per_day,
            waits=await self._timings(waits),
            taken=taken,
            still_waiting=still_waiting,
            dismissed=total - taken - still_waiting,
        )

    async def answers(self) -> Answers:
        m = messages.c
        question = messages.alias("question")
        days = self._days
        cases = (
            select(
                days.c.day,
                (m.latency_ms / literal(1000.0, Float)).label("model"),
                _seconds_between(question.c.created_at, m.created_at, self._postgres).label(
                    "waited"
                ),
            )
            .select_from(
                days.join(
                    messages, and_(m.workspace_id == self._workspace_id, self._within(m.created_at))
                ).outerjoin(question, question.c.id == m.reply_to_id)
            )
            .where(
                m.author == Author.ASSISTANT.value,
                (m.latency_ms.is_not(None)) | (m.reply_to_id.is_not(None)),
            )
            .cte("answers")
        )
        return Answers(
            model=await self._timings(
                select(cases.c.day, cases.c.model.label("value")).where(cases.c.model.is_not(None))
            ),
            member_wait=await self._timings(
                select(cases.c.day, cases.c.waited.label("value")).where(
                    cases.c.waited.is_not(None)
                )
            ),
        )

    async def failures(self) -> Failures:
        d = message_deliveries.c
        days = self._days
        rows = await self._rows(
            select(days.c.day, d.error_code, d.error_title, func.count())
            .select_from(
                days.join(
                    message_deliveries,
                    and_(
                        d.status == DeliveryStatus.FAILED.value,
                        d.workspace_id == self._workspace_id,
                        self._within(d.updated_at),
                    ),
                )
            )
            .group_by(days.c.day, d.error_code, d.error_title)
        )
        per_day = self._zeros()
        reasons: dict[tuple[int | None, str | None], int] = defaultdict(int)
        for day, code, title, count in rows:
            per_day[day] += int(count)
            reasons[code, title] += int(count)
        return Failures(
            per_day=per_day,
            by_reason=ordered_reasons(
                [
                    FailureReason(code=code, title=title, count=count)
                    for (code, title), count in reasons.items()
                ]
            ),
        )

    async def models(self) -> list[ModelUsage]:
        m = messages.c
        days = self._days
        rows = await self._rows(
            select(
                days.c.day,
                m.ai_model_used,
                func.count(),
                func.coalesce(func.sum(m.input_tokens), 0),
                func.coalesce(func.sum(m.output_tokens), 0),
            )
            .select_from(
                days.join(
                    messages, and_(m.workspace_id == self._workspace_id, self._within(m.created_at))
                )
            )
            .where(m.author == Author.ASSISTANT.value, m.ai_model_used.is_not(None))
            .group_by(days.c.day, m.ai_model_used)
        )
        usage: dict[str, tuple[list[int], list[int], list[int]]] = {}
        for day, model, answers, tokens_in, tokens_out in rows:
            series = usage.setdefault(model, (self._zeros(), self._zeros(), self._zeros()))
            series[0][day] = int(answers)
            series[1][day] = int(tokens_in)
            series[2][day] = int(tokens_out)
        return ordered_models(
            [
                ModelUsage(
                    model=model, answers=answers, input_tokens=tokens_in, output_tokens=tokens_out
                )
                for model, (answers, tokens_in, tokens_out) in usage.items()
            ]
        )

    async def _timings(self, cases: Select[Any]) -> TimingSeries:
        """Count, p50 and p95 per day and over the period of `cases`' (day, value) rows."""
        rows = await self._rows(
            _postgres_percentiles(cases.cte("cases"))
            if self._postgres
            else _ranked_percentiles(cases.cte("cases"))
        )
        per_day = [Timing() for _ in range(self._period.length)]
        overall = Timing()
        for day, count, p50, p95 in rows:
            timing = Timing(
                count=int(count),
                p50=None if p50 is None else float(p50),
                p95=None if p95 is None else float(p95),
            )
            if day is _OVERALL:
                overall = timing
            else:
                per_day[day] = timing
        return TimingSeries(per_day=per_day, overall=overall)


def _count_where(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.sum(case((condition, 1), else_=0))


def _seconds_between(
    earlier: ColumnElement[Any], later: ColumnElement[Any], postgres: bool
) -> ColumnElement[float]:
    """`later - earlier` in seconds, to the microsecond; NULL when either is."""
    if postgres:
        return cast(func.extract("epoch", later - earlier), Float)

    # SQLite keeps UtcDateTime as fixed-width text, "YYYY-MM-DD HH:MM:SS.ffffff": whole
    # seconds from strftime, microseconds from the text (julianday's double would lose a few
    # tens of them).
    def seconds(at: ColumnElement[Any]) -> ColumnElement[Any]:
        return cast(func.strftime("%s", at), Integer)

    def micros(at: ColumnElement[Any]) -> ColumnElement[Any]:
        return cast(func.substr(at, 21, 6), Integer)

    return (seconds(later) - seconds(earlier)) + (micros(later) - micros(earlier)) / literal(
        1_000_000.0, Float
    )


def _postgres_percentiles(cases: CTE) -> Select[Any]:
    value = cases.c.value
    return select(
        cases.c.day,
        func.count(value),
        *(func.percentile_cont(fraction).within_group(value) for fraction in PERCENTILES),
    ).group_by(func.rollup(cases.c.day))


def _ranked_percentiles(cases: CTE) -> Select[Any]:
    """Percentiles with window functions: each case's rank (from 1) within its day and the day's
    count; the percentile `f` lies at rank 1 + f * (n - 1), between two ranks weighed by the
    fraction. Every case is in its day's ranking and in the period's (day NULL)."""
    everything = union_all(
        select(cases.c.day, cases.c.value),
        select(null().label("day"), cases.c.value),
    ).subquery()
    ranked = select(
        everything.c.day,
        everything.c.value,
        func.row_number()
        .over(partition_by=everything.c.day, order_by=everything.c.value)
        .label("rank"),
        func.count().over(partition_by=everything.c.day).label("n"),
    ).subquery()
    r = ranked.c

    def at(fraction: float) -> ColumnElement[Any]:
        position = literal(fraction, Float) * (r.n - 1)
        below = cast(position, Integer)  # floor: never negative
        weight = position - below
        return func.sum(
            case(
                (r.rank == below + 1, r.value * (1 - weight)),
                (r.rank == below + 2, r.value * weight),
                else_=0.0,
            )
        )

    return select(r.day, func.max(r.n), *(at(fraction) for fraction in PERCENTILES)).group_by(r.day)
