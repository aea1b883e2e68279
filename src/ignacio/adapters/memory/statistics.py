"""WorkspaceStatistics in memory: the reference the SQL adapter is held to, counted the plain way
(every row looked at, in Python)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from uuid import UUID

from ignacio.adapters.memory.store import InMemoryStore
from ignacio.application.ports.statistics import (
    LONGEST_WAIT,
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
from ignacio.domain.handover import StateChange, Transition
from ignacio.domain.statistics import Period, percentile


def timing(values: Iterable[float]) -> Timing:
    """The count, median and 95th percentile of `values` (seconds)."""
    ordered = sorted(values)
    return Timing(count=len(ordered), p50=percentile(ordered, 0.5), p95=percentile(ordered, 0.95))


def timing_series(period: Period, cases: Iterable[tuple[int, float]]) -> TimingSeries:
    """Timings per day and overall from (day index, seconds) pairs."""
    by_day: list[list[float]] = [[] for _ in range(period.length)]
    for day, seconds in cases:
        by_day[day].append(seconds)
    return TimingSeries(
        per_day=[timing(values) for values in by_day],
        overall=timing(value for values in by_day for value in values),
    )


class InMemoryWorkspaceStatistics:
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def activity(self, workspace_id: UUID, period: Period) -> WorkspaceActivity:
        # No await below: the figures are read from one moment of the store.
        return WorkspaceActivity(
            period=period,
            channels=self._channels(workspace_id, period),
            handoffs=self._handoffs(workspace_id, period),
            answers=self._answers(workspace_id, period),
            failures=self._failures(workspace_id, period),
            models=self._models(workspace_id, period),
        )

    def _channels(self, workspace_id: UUID, period: Period) -> list[ChannelActivity]:
        days = period.length
        started = {channel: [0] * days for channel in Channel}
        written = {(channel, author): [0] * days for channel in Channel for author in Author}
        active: dict[Channel, list[set[UUID]]] = {
            channel: [set() for _ in range(days)] for channel in Channel
        }
        for conversation in self._store.conversations.values():
            if conversation.workspace_id != workspace_id:
                continue
            day = period.day_of(conversation.created_at)
            if day is not None:
                started[conversation.channel][day] += 1
        for message in self._store.messages.values():
            if message.workspace_id != workspace_id:
                continue
            day = period.day_of(message.created_at)
            if day is None:
                continue
            written[message.channel, message.author][day] += 1
            active[message.channel][day].add(message.conversation_id)
        return [
            ChannelActivity(
                channel=channel,
                conversations_started=started[channel],
                conversations_active=[len(ids) for ids in active[channel]],
                from_members=written[channel, Author.MEMBER],
                from_assistant=written[channel, Author.ASSISTANT],
                from_team=written[channel, Author.STAFF],
            )
            for channel in Channel
        ]

    def _handoffs(self, workspace_id: UUID, period: Period) -> Handoffs:
        by_conversation: dict[UUID, list[StateChange]] = defaultdict(list)
        for change in self._store.state_changes.values():
            if change.workspace_id == workspace_id:
                by_conversation[change.conversation_id].append(change)
        per_day = [0] * period.length
        waits: list[tuple[int, float]] = []
        still_waiting = dismissed = 0
        for changes in by_conversation.values():
            changes.sort(key=lambda change: (change.created_at, change.id))
            for position, change in enumerate(changes):
                day = period.day_of(change.created_at)
                if change.transition is not Transition.HANDOFF or day is None:
                    continue
                per_day[day] += 1
                following = changes[position + 1] if position + 1 < len(changes) else None
                if following is None:
                    still_waiting += 1
                elif following.transition is Transition.TAKE:
                    waits.append((day, (following.created_at - change.created_at).total_seconds()))
                else:
                    dismissed += 1
        return Handoffs(
            per_day=per_day,
            waits=timing_series(period, waits),
            taken=len(waits),
            still_waiting=still_waiting,
            dismissed=dismissed,
        )

    def _answers(self, workspace_id: UUID, period: Period) -> Answers:
        model: list[tuple[int, float]] = []
        member_wait: list[tuple[int, float]] = []
        for answer in self._store.messages.values():
            if answer.workspace_id != workspace_id or answer.author is not Author.ASSISTANT:
                continue
            day = period.day_of(answer.created_at)
            if day is None:
                continue
            if answer.latency_ms is not None:
                model.append((day, answer.latency_ms / 1000))
            question = self._store.messages.get(answer.reply_to_id) if answer.reply_to_id else None
            waited = None if question is None else answer.created_at - question.created_at
            if waited is not None and waited <= LONGEST_WAIT:
                member_wait.append((day, waited.total_seconds()))
        return Answers(
            model=timing_series(period, model), member_wait=timing_series(period, member_wait)
        )

    def _failures(self, workspace_id: UUID, period: Period) -> Failures:
        per_day = [0] * period.length
        reasons: dict[tuple[int | None, str | None], int] = defaultdict(int)
        for part in self._store.deliveries.values():
            if part.workspace_id != workspace_id or part.status is not DeliveryStatus.FAILED:
                continue
            day = period.day_of(part.updated_at)
            if day is None:
                continue
            per_day[day] += 1
            reasons[part.error_code, part.error_title] += 1
        by_reason = [
            FailureReason(code=code, title=title, count=count)
            for (code, title), count in reasons.items()
        ]
        return Failures(per_day=per_day, by_reason=ordered_reasons(by_reason))

    def _models(self, workspace_id: UUID, period: Period) -> list[ModelUsage]:
        usage: dict[str, tuple[list[int], list[int], list[int]]] = {}
        for answer in self._store.messages.values():
            if (
                answer.workspace_id != workspace_id
                or answer.author is not Author.ASSISTANT
                or answer.ai_model is None
            ):
                continue
            day = period.day_of(answer.created_at)
            if day is None:
                continue
            answers, tokens_in, tokens_out = usage.setdefault(
                answer.ai_model, ([0] * period.length, [0] * period.length, [0] * period.length)
            )
            answers[day] += 1
            tokens_in[day] += answer.input_tokens or 0
            tokens_out[day] += answer.output_tokens or 0
        models = [
            ModelUsage(
                model=name, answers=answers, input_tokens=tokens_in, output_tokens=tokens_out
            )
            for name, (answers, tokens_in, tokens_out) in usage.items()
        ]
        return ordered_models(models)
