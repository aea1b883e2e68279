"""The HTTP shape of a workspace's dashboard: made for charts. `days` is the x axis; every list
below it has one value per day, in the same order (null where a day had nothing to take a
percentile of), so a chart library takes the lists as they come."""

from __future__ import annotations

from datetime import date

from ignacio.application.ports.statistics import (
    ChannelActivity,
    FailureReason,
    Handoffs,
    ModelUsage,
    Timing,
    TimingSeries,
    WorkspaceActivity,
)
from ignacio.domain import Channel
from ignacio.entrypoints.http.schemas import Schema


def _seconds(value: float | None) -> float | None:
    # To the millisecond: what a chart can show, and a shorter body.
    return None if value is None else round(value, 3)


class TimingOut(Schema):
    count: int
    p50_seconds: float | None
    p95_seconds: float | None

    @classmethod
    def of(cls, timing: Timing) -> TimingOut:
        return cls(
            count=timing.count, p50_seconds=_seconds(timing.p50), p95_seconds=_seconds(timing.p95)
        )


class TimingSeriesOut(Schema):
    """How long it took, in seconds: per day (how many cases, their median and 95th
    percentile) and over the whole period (`overall`, taken over every case of the period, not
    from the days' figures)."""

    count: list[int]
    p50_seconds: list[float | None]
    p95_seconds: list[float | None]
    overall: TimingOut

    @classmethod
    def of(cls, series: TimingSeries) -> TimingSeriesOut:
        return cls(
            count=[day.count for day in series.per_day],
            p50_seconds=[_seconds(day.p50) for day in series.per_day],
            p95_seconds=[_seconds(day.p95) for day in series.per_day],
            overall=TimingOut.of(series.overall),
        )


class ChannelSeriesOut(Schema):
    """One channel, day by day: conversations started and active (with a message that day),
    and messages from members (in), from the assistant and from the team (out)."""

    channel: Channel
    conversations_started: list[int]
    conversations_active: list[int]
    messages_from_members: list[int]
    messages_from_assistant: list[int]
    messages_from_team: list[int]

    @classmethod
    def of(cls, activity: ChannelActivity) -> ChannelSeriesOut:
        return cls(
            channel=activity.channel,
            conversations_started=activity.conversations_started,
            conversations_active=activity.conversations_active,
            messages_from_members=activity.from_members,
            messages_from_assistant=activity.from_assistant,
            messages_from_team=activity.from_team,
        )


class HandoffsOut(Schema):
    """Conversations handed to the team, by the day of the handoff; `waitForPerson`: from the
    handoff to a person of the team taking it, for those taken. Of the period's handoffs:
    `taken`, `stillWaiting` (nobody has taken it yet), `dismissed` (given back to the
    assistant or closed without anyone taking it)."""

    per_day: list[int]
    wait_for_person: TimingSeriesOut
    taken: int
    still_waiting: int
    dismissed: int

    @classmethod
    def of(cls, handoffs: Handoffs) -> HandoffsOut:
        return cls(
            per_day=handoffs.per_day,
            wait_for_person=TimingSeriesOut.of(handoffs.waits),
            taken=handoffs.taken,
            still_waiting=handoffs.still_waiting,
            dismissed=handoffs.dismissed,
        )


class AnswersOut(Schema):
    """How fast the assistant answered, by the day of the answer. `memberWait`: on WhatsApp,
    from the member's message arriving to its answer being ready to send (what the member
    waited: the queue, retries and the model). `modelTime`: the model's own time on each
    answer, on every channel (on the web, what the member waited)."""

    member_wait: TimingSeriesOut
    model_time: TimingSeriesOut


class FailureReasonOut(Schema):
    code: int | None
    """The provider's error code (Meta's 131047: outside the 24-hour window), when it gave one."""
    title: str | None
    count: int

    @classmethod
    def of(cls, reason: FailureReason) -> FailureReasonOut:
        return cls(code=reason.code, title=reason.title, count=reason.count)


class FailuresOut(Schema):
    """Parts of outgoing messages that could not be delivered: per day, and by reason over the
    period, the most frequent first."""

    per_day: list[int]
    by_reason: list[FailureReasonOut]


class ModelUsageOut(Schema):
    """One model: its answers and tokens per day, and its tokens over the period."""

    model: str
    answers: list[int]
    input_tokens: list[int]
    output_tokens: list[int]
    total_input_tokens: int
    total_output_tokens: int

    @classmethod
    def of(cls, usage: ModelUsage) -> ModelUsageOut:
        return cls(
            model=usage.model,
            answers=usage.answers,
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            total_input_tokens=sum(usage.input_tokens),
            total_output_tokens=sum(usage.output_tokens),
        )


class DashboardOut(Schema):
    since: date
    until: date
    """The day after the last one shown."""
    time_zone: str
    days: list[date]
    """The x axis: every day of the period, in order."""
    channels: list[ChannelSeriesOut]
    handoffs: HandoffsOut
    answers: AnswersOut
    failures: FailuresOut
    models: list[ModelUsageOut]
    """The models that answered in the period, the most tokens first."""

    @classmethod
    def of(cls, activity: WorkspaceActivity) -> DashboardOut:
        period = activity.period
        return cls(
            since=period.since,
            until=period.until,
            time_zone=period.time_zone,
            days=[day.date for day in period.days],
            channels=[ChannelSeriesOut.of(channel) for channel in activity.channels],
            handoffs=HandoffsOut.of(activity.handoffs),
            answers=AnswersOut(
                member_wait=TimingSeriesOut.of(activity.answers.member_wait),
                model_time=TimingSeriesOut.of(activity.answers.model),
            ),
            failures=FailuresOut(
                per_day=activity.failures.per_day,
                by_reason=[FailureReasonOut.of(reason) for reason in activity.failures.by_reason],
            ),
            models=[ModelUsageOut.of(usage) for usage in activity.models],
        )
