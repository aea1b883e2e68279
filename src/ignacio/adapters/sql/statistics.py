"""WorkspaceStatistics over SQLAlchemy Core: every figure aggregated by the database.

How the days are counted: as the calendar does. The time zone's offsets from UTC during the
period are worked out in Python (`Period.offsets`: one, or a few where the clocks change), and
each row's day is integer arithmetic in the statement, (seconds since 1970 + offset) // 86,400
less the first day's number: exact at midnight, with no time zone database in either one
(SQLite has none). The rows are those of the workspace within the period, one range of the
`(workspace_id, created_at)` index. (Joining the rows against a table of the days' bounds was
tried first: neither planner did better than comparing every row with every day.)

How percentiles are taken (`percentile` in the domain, linear interpolation between the two
nearest ranks): PostgreSQL's `percentile_cont`, per day and, with ROLLUP, over the period.
SQLite has no percentile function; there each case is ranked with window functions (its rank
within its day and within the period, and how many there are), and the one or two ranks a
percentile falls between are picked and weighed in the same aggregate: the database sorts and
picks, and only a handful of numbers come back.

Dialect differences are kept to those two places and to whole seconds since 1970
(`_epoch_seconds`). Everything is read in one read-only transaction, so the figures agree with
each other (PostgreSQL: REPEATABLE READ; SQLite: one read transaction, one snapshot).
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from typing import Any
from uuid import UUID

from sqlalchemy import (
    CTE,
    BigInteger,
    ColumnElement,
    CompoundSelect,
    Float,
    Integer,
    Select,
    and_,
    case,
    cast,
    extract,
    func,
    literal,
    null,
    select,
    text,
    union_all,
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
    LONGEST_WAIT,
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

SECONDS_PER_DAY = 86_400
_CHANNELS = {channel.value: channel for channel in Channel}
_OVERALL = None
"""The pseudo-day of a percentile row taken over the whole period."""


class SqlWorkspaceStatistics:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = long_reads_engine(engine)

    async def activity(self, workspace_id: UUID, period: Period) -> WorkspaceActivity:
        async with self._engine.connect() as connection:
            # Built anew for each reading, their shape following the period's changes of the
            # clocks: not worth a place in the statement cache, which the hot reads keep warm.
            options: dict[str, Any] = {"compiled_cache": None}
            if connection.dialect.name == "sqlite":
                options[BEGIN_MODE_OPTION] = "deferred"
            else:
                options |= {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
            await connection.execution_options(**options)
            async with connection.begin():
                if connection.dialect.name == "postgresql":
                    # JIT compiling these statements took longer than running them (a second
                    # for a 90-day period); with the default 4 MB, grouping a period's
                    # messages by conversation spilled to disk. For this transaction only.
                    await connection.execute(text("SET LOCAL jit = off"))
                    await connection.execute(text("SET LOCAL work_mem = '32MB'"))
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

    def _zeros(self) -> list[int]:
        return [0] * self._period.length

    def _in_period(self, at: ColumnElement[Any]) -> ColumnElement[bool]:
        return and_(
            at >= literal(self._period.starts, UtcDateTime()),
            at < literal(self._period.ends, UtcDateTime()),
        )

    def _day(self, at: ColumnElement[Any]) -> ColumnElement[int]:
        """The index of the period's day that holds `at` (an instant within the period), as the
        calendar counts (`Period.offsets`): the local time in seconds since 1970 over 86,400,
        less the first day's number. Integer arithmetic on whole seconds: exact at midnight."""
        offsets = self._period.offsets
        shift: ColumnElement[int] = literal(offsets[-1][1], Integer)
        if len(offsets) > 1:
            shift = case(
                *(
                    (at < literal(until, UtcDateTime()), literal(offset, Integer))
                    for (_, offset), (until, _) in itertools.pairwise(offsets)
                ),
                else_=shift,
            )
        local = _epoch_seconds(at, self._postgres) + shift
        return local // literal(SECONDS_PER_DAY, Integer) - literal(
            self._period.first_day_number, Integer
        )

    async def _rows(self, statement: Select[Any] | CompoundSelect[Any]) -> list[Any]:
        return list((await self._connection.execute(statement)).all())

    async def channels(self) -> list[ChannelActivity]:
        m = messages.c
        dated = (
            select(self._day(m.created_at).label("day"), m.channel, m.conversation_id, m.author)
            .where(m.workspace_id == self._workspace_id, self._in_period(m.created_at))
            .subquery("dated")
        )
        # Per conversation and day first: the conversations active that day are then its rows,
        # counted without a DISTINCT (one hash aggregate, no sort).
        per_conversation = (
            select(
                dated.c.day,
                dated.c.channel,
                _count_where(dated.c.author == Author.MEMBER.value).label("members"),
                _count_where(dated.c.author == Author.ASSISTANT.value).label("assistant"),
                _count_where(dated.c.author == Author.STAFF.value).label("team"),
            )
            .group_by(dated.c.day, dated.c.channel, dated.c.conversation_id)
            .subquery("per_conversation")
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
        opened = (
            select(self._day(c.created_at).label("day"), c.channel)
            .where(c.workspace_id == self._workspace_id, self._in_period(c.created_at))
            .subquery("opened")
        )
        started = await self._rows(
            select(opened.c.day, opened.c.channel, func.count()).group_by(
                opened.c.day, opened.c.channel
            )
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
            .where(
                s.workspace_id == self._workspace_id,
                s.created_at >= literal(self._period.starts, UtcDateTime()),
            )
            .subquery("changes")
        )
        h = changes.c
        handoffs = (
            select(
                self._day(h.created_at).label("day"),
                h.next_transition,
                _seconds_between(h.created_at, h.next_at, self._postgres).label("waited"),
            )
            .where(
                h.transition == Transition.HANDOFF.value,
                h.created_at < literal(self._period.ends, UtcDateTime()),
            )
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
        waits = (
            select(handoffs.c.day, handoffs.c.waited)
            .where(handoffs.c.next_transition == Transition.TAKE.value)
            .cte("waits")
        )
        (waited,) = await self._timings(waits, "waited")
        return Handoffs(
            per_day=per_day,
            waits=waited,
            taken=taken,
            still_waiting=still_waiting,
            dismissed=total - taken - still_waiting,
        )

    async def answers(self) -> Answers:
        m = messages.c
        question = messages.alias("question")
        waited = _seconds_between(question.c.created_at, m.created_at, self._postgres)
        longest = LONGEST_WAIT.total_seconds()
        cases = (
            select(
                self._day(m.created_at).label("day"),
                (m.latency_ms / literal(1000.0, Float)).label("model"),
                case((waited <= literal(longest, Float), waited)).label("waited"),
            )
            .select_from(
                messages.outerjoin(
                    question,
                    and_(
                        question.c.id == m.reply_to_id,
                        # Implied by the longest wait counted; it lets the planner read only
                        # the messages of the period and the day before, not the whole table.
                        question.c.workspace_id == self._workspace_id,
                        question.c.created_at
                        >= literal(self._period.starts - LONGEST_WAIT, UtcDateTime()),
                    ),
                )
            )
            .where(
                m.workspace_id == self._workspace_id,
                self._in_period(m.created_at),
                m.author == Author.ASSISTANT.value,
                (m.latency_ms.is_not(None)) | (m.reply_to_id.is_not(None)),
            )
            .cte("answers")
        )
        # Both timings from one reading of the answers (each with its question).
        model, member_wait = await self._timings(cases, "model", "waited")
        return Answers(model=model, member_wait=member_wait)

    async def failures(self) -> Failures:
        d = message_deliveries.c
        failed = (
            select(self._day(d.updated_at).label("day"), d.error_code, d.error_title)
            .where(
                d.status == DeliveryStatus.FAILED.value,
                d.workspace_id == self._workspace_id,
                self._in_period(d.updated_at),
            )
            .subquery("failed")
        )
        f = failed.c
        rows = await self._rows(
            select(f.day, f.error_code, f.error_title, func.count()).group_by(
                f.day, f.error_code, f.error_title
            )
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
        answered = (
            select(
                self._day(m.created_at).label("day"),
                m.ai_model_used,
                m.input_tokens,
                m.output_tokens,
            )
            .where(
                m.workspace_id == self._workspace_id,
                self._in_period(m.created_at),
                m.author == Author.ASSISTANT.value,
                m.ai_model_used.is_not(None),
            )
            .subquery("answered")
        )
        a = answered.c
        rows = await self._rows(
            select(
                a.day,
                a.ai_model_used,
                func.count(),
                func.coalesce(func.sum(a.input_tokens), 0),
                func.coalesce(func.sum(a.output_tokens), 0),
            ).group_by(a.day, a.ai_model_used)
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

    async def _timings(self, cases: CTE, *names: str) -> list[TimingSeries]:
        """For each of `cases`' columns named (seconds; NULL where a case has none), its count,
        p50 and p95 per day (`cases.c.day`) and over the period."""
        statement = (
            _postgres_percentiles(cases, names)
            if self._postgres
            else _ranked_percentiles(cases, names)
        )
        days = self._period.length
        per_day = {name: [Timing() for _ in range(days)] for name in names}
        overall = dict.fromkeys(names, Timing())
        for day, *figures in await self._rows(statement):
            for index, name in enumerate(names):
                count, p50, p95 = figures[3 * index : 3 * index + 3]
                timing = Timing(
                    count=int(count or 0),
                    p50=None if p50 is None or not count else float(p50),
                    p95=None if p95 is None or not count else float(p95),
                )
                if day is _OVERALL:
                    overall[name] = timing
                else:
                    per_day[name][day] = timing
        return [TimingSeries(per_day=per_day[name], overall=overall[name]) for name in names]


def _count_where(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.sum(case((condition, 1), else_=0))


def _epoch_seconds(at: ColumnElement[Any], postgres: bool) -> ColumnElement[int]:
    """Whole seconds from 1970 to `at` (rounded down)."""
    if postgres:
        return cast(func.floor(extract("epoch", at)), BigInteger)
    # SQLite keeps UtcDateTime as fixed-width text, "YYYY-MM-DD HH:MM:SS.ffffff", and its
    # date functions round to the millisecond (23:59:59.9999 would be the next day): the
    # seconds are read from the text without its fraction.
    return cast(func.strftime("%s", func.substr(at, 1, 19)), BigInteger)


def _seconds_between(
    earlier: ColumnElement[Any], later: ColumnElement[Any], postgres: bool
) -> ColumnElement[float]:
    """`later - earlier` in seconds, to the microsecond; NULL when either is."""
    if postgres:
        return cast(extract("epoch", later - earlier), Float)

    # Whole seconds as `_epoch_seconds` reads them, microseconds from the text.
    def micros(at: ColumnElement[Any]) -> ColumnElement[Any]:
        return cast(func.substr(at, 21, 6), Integer)

    seconds: ColumnElement[Any] = _epoch_seconds(later, postgres) - _epoch_seconds(
        earlier, postgres
    )
    return seconds + (micros(later) - micros(earlier)) / literal(1_000_000.0, Float)


def _postgres_percentiles(cases: CTE, names: tuple[str, ...]) -> Select[Any]:
    """percentile_cont per day, and with ROLLUP over the period (day NULL); it leaves out
    NULLs, as count(column) does."""
    figures = []
    for name in names:
        value = cases.c[name]
        figures += [
            func.count(value),
            *(func.percentile_cont(fraction).within_group(value) for fraction in PERCENTILES),
        ]
    return select(cases.c.day, *figures).group_by(func.rollup(cases.c.day))


def _ranked_percentiles(cases: CTE, names: tuple[str, ...]) -> CompoundSelect[Any]:
    """Percentiles with window functions, for SQLite: each case's rank (from 1, NULLs after
    every value) within its day and within the period, and how many values there are; the
    percentile f lies at rank 1 + f * (n - 1), between two ranks weighed by the fraction.
    Rows per day, then the period's (day NULL)."""
    day = cases.c.day
    ranks = []
    for name in names:
        value = cases.c[name]
        ranks += [
            func.row_number()
            .over(partition_by=day, order_by=value.asc().nulls_last())
            .label(f"{name}_day_rank"),
            func.count(value).over(partition_by=day).label(f"{name}_day_n"),
            func.row_number().over(order_by=value.asc().nulls_last()).label(f"{name}_rank"),
            func.count(value).over().label(f"{name}_n"),
        ]
    ranked = select(day, *(cases.c[name] for name in names), *ranks).cte("ranked")
    r = ranked.c

    def figures(scope: str) -> list[ColumnElement[Any]]:
        found: list[ColumnElement[Any]] = []
        for name in names:
            rank, n, value = r[f"{name}{scope}_rank"], r[f"{name}{scope}_n"], r[name]
            found.append(func.max(n))
            for fraction in PERCENTILES:
                position = literal(fraction, Float) * (n - 1)
                below = cast(position, Integer)  # rounded down: never negative
                weight = position - below
                found.append(
                    func.sum(
                        case(
                            (rank == below + 1, value * (1 - weight)),
                            (rank == below + 2, value * weight),
                            else_=0.0,
                        )
                    )
                )
        return found

    return union_all(
        select(r.day, *figures("_day")).group_by(r.day),
        select(null().label("day"), *figures("")),
    )
