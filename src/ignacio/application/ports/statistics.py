"""WorkspaceStatistics port: a workspace's activity over a period, day by day, counted by the
store itself (a database aggregates a million messages; the application never sees them).

Every series has one value per day of the period, in order (`Period.days`), days without
activity included as zeros (or None where there is nothing to take a percentile of), so that a
chart's x axis is the period itself.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Protocol
from uuid import UUID

import msgspec

from ignacio.domain import Channel
from ignacio.domain.statistics import Period

LONGEST_WAIT = timedelta(hours=24)
"""An answer later than this after the member's message is not counted as a wait: WhatsApp
would no longer take it as a free message (its 24-hour window), and such an answer says more
about a worker that was down than about how fast the assistant answers."""

PERCENTILES = (0.5, 0.95)
"""The percentiles every timing reports: the typical wait, and the long one a few in twenty
people meet."""


class Timing(msgspec.Struct, frozen=True, kw_only=True):
    """How long something took, in seconds, over a set of cases: how many, their median and
    their 95th percentile (`percentile` in the domain says how they are taken); None when
    there were no cases."""

    count: int = 0
    p50: float | None = None
    p95: float | None = None


class TimingSeries(msgspec.Struct, frozen=True, kw_only=True):
    """A timing for each day of the period and for the whole period (which is not an average
    of the days': it is taken over every case of the period)."""

    per_day: list[Timing]
    overall: Timing


class ChannelActivity(msgspec.Struct, frozen=True, kw_only=True):
    """One channel's day-by-day activity.

    - `conversations_started`: conversations created that day.
    - `conversations_active`: conversations with at least one message that day.
    - `from_members`, `from_assistant`, `from_team`: messages written that day by members
      (in), by the assistant (out: answers and notices) and by people of the team (out).
    """

    channel: Channel
    conversations_started: list[int]
    conversations_active: list[int]
    from_members: list[int]
    from_assistant: list[int]
    from_team: list[int]


class Handoffs(msgspec.Struct, frozen=True, kw_only=True):
    """Conversations handed to the team (the member asked for a person, or the assistant could
    not help), by the day of the handoff, and how each one ended.

    - `per_day`: handoffs that day.
    - `waits`: for those a person of the team took, the time from the handoff to that take,
      by the handoff's day (a take after the period still counts: the wait is the handoff's).
    - `taken`, `still_waiting`, `dismissed`: of the period's handoffs, how many a person took,
      how many nobody has taken yet, and how many the team gave back to the assistant or
      closed without taking them first.
    """

    per_day: list[int]
    waits: TimingSeries
    taken: int
    still_waiting: int
    dismissed: int


class Answers(msgspec.Struct, frozen=True, kw_only=True):
    """How fast the assistant answered, by the day of the answer.

    - `model`: the model's own time on each answer that recorded one (`latency_ms`), on every
      channel: what the model and its tools cost.
    - `member_wait`: on WhatsApp, the time from the member's message arriving to its answer
      being ready to send (queueing, retries, transcription and the model included): what the
      member waited, up to `LONGEST_WAIT`. On the web the member waits on their request, which
      `model` measures.
    """

    model: TimingSeries
    member_wait: TimingSeries


class FailureReason(msgspec.Struct, frozen=True, kw_only=True):
    """Parts of messages the provider refused for one reason (its code and title, as given)."""

    code: int | None
    title: str | None
    count: int


class Failures(msgspec.Struct, frozen=True, kw_only=True):
    """Outgoing message parts that failed, by the day they failed (the provider's refusal or
    our giving up), and by reason over the period, most frequent first."""

    per_day: list[int]
    by_reason: list[FailureReason]


class ModelUsage(msgspec.Struct, frozen=True, kw_only=True):
    """One model's answers and tokens, day by day."""

    model: str
    answers: list[int]
    input_tokens: list[int]
    output_tokens: list[int]


class WorkspaceActivity(msgspec.Struct, frozen=True, kw_only=True):
    """A workspace's activity over a period: one entry per channel (every channel, in the
    order of `Channel`), the handoffs, the answer times, the failed deliveries and the models'
    usage (the models used in the period, the most tokens first)."""

    period: Period
    channels: list[ChannelActivity]
    handoffs: Handoffs
    answers: Answers
    failures: Failures
    models: list[ModelUsage]


def ordered_reasons(reasons: list[FailureReason]) -> list[FailureReason]:
    """The most frequent reason first; then by code and title, a missing one last. Sorted here
    rather than by each database, whose collations and NULL orders differ."""
    return sorted(
        reasons,
        key=lambda reason: (
            -reason.count,
            reason.code is None,
            reason.code or 0,
            reason.title is None,
            reason.title or "",
        ),
    )


def ordered_models(models: list[ModelUsage]) -> list[ModelUsage]:
    """The model that used the most tokens first, then by name."""
    return sorted(
        models,
        key=lambda usage: (-(sum(usage.input_tokens) + sum(usage.output_tokens)), usage.model),
    )


class WorkspaceStatistics(Protocol):
    async def activity(self, workspace_id: UUID, period: Period) -> WorkspaceActivity:
        """The workspace's activity over the period (the workspace's rows only): computed from
        what is stored when it is asked, every figure from the same moment."""
        ...
