"""Summaries of a conversation for the team: asked for by a person of the team, made by
themselves when a conversation is handed over, and read with the thread.

Decided here: the model is asked outside any transaction (it may take seconds), and nothing is
kept unless it answers; a summary asked for is audited (`conversation.summarize`, it costs
tokens), one made at a handoff is not (the handoff is).
"""

from __future__ import annotations

import logging
from uuid import UUID

from ignacio.application.auditing import Auditor
from ignacio.application.events import summary_added
from ignacio.application.ports import (
    Clock,
    IdGenerator,
    Summarizer,
    UnitOfWorkFactory,
)
from ignacio.application.summaries import (
    SummaryView,
    latest_summary,
    newest_message,
    summary_of,
    summary_source,
)
from ignacio.application.use_cases.team_inbox import team_conversation
from ignacio.application.workspaces import workspace_of
from ignacio.domain import Conflict, NotFound, RetryPolicy, UpstreamUnavailable
from ignacio.domain.summaries import NOTHING_TO_SUMMARISE, SummaryWindow
from ignacio.domain.workspaces import WorkspaceAccess

log = logging.getLogger(__name__)

NO_SUMMARY = "This conversation has no summary yet: ask for one."


class SummarizeConversation:
    """A person of the team (an agent, an admin, a platform admin) asks for a summary of one of
    the workspace's conversations, now.

    - It reads the conversation's newest messages (`SummaryWindow`) and says up to which one.
    - Kept with the model, its tokens and the time it took, and audited.
    - The model unavailable: UpstreamUnavailable, and nothing is kept. A conversation without
      messages has nothing to summarise (Conflict).
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        summarizer: Summarizer,
        clock: Clock,
        ids: IdGenerator,
        auditor: Auditor,
        window: SummaryWindow | None = None,
    ) -> None:
        self._uow = uow
        self._summarizer = summarizer
        self._clock = clock
        self._ids = ids
        self._auditor = auditor
        self._window = window or SummaryWindow()

    async def __call__(self, access: WorkspaceAccess, conversation_id: UUID) -> SummaryView:
        async with self._uow(read_only=True) as uow:
            conversation = await team_conversation(uow, access, conversation_id)
            source = await summary_source(uow, self._window, access.workspace, conversation)
        if source is None:
            raise Conflict(NOTHING_TO_SUMMARISE)
        draft = await self._summarizer.summarize(source)
        summary = summary_of(
            draft, source, id=self._ids.new_id(), at=self._clock.now(), requested_by=access.user.id
        )
        async with self._uow() as uow:
            await uow.summaries.add(summary)
            await summary_added(uow, summary, conversation)
            await self._auditor.record(
                uow,
                access.user.id,
                "conversation.summarize",
                "conversation",
                conversation.id,
                workspace_id=conversation.workspace_id,
                summary_id=str(summary.id),
                model=summary.model,
            )
            # Read in the same transaction: the member may have written while the model wrote.
            newest = await newest_message(uow, conversation.id)
            await uow.commit()
        return SummaryView(summary=summary, stale=summary.stale(newest), requested_by=access.user)


class GetSummary:
    """The newest summary of one of the workspace's conversations, for its team, with whether the
    conversation moved on since; NotFound when it has none."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, access: WorkspaceAccess, conversation_id: UUID) -> SummaryView:
        async with self._uow(read_only=True) as uow:
            conversation = await team_conversation(uow, access, conversation_id)
            view = await latest_summary(uow, conversation)
        if view is None:
            raise NotFound(NO_SUMMARY)
        return view


class SummarizeHandedOver:
    """The background job queued when a conversation is handed to the team: its summary, so
    that whoever takes it reads a few lines before the thread.

    - Idempotent: nothing is done when the conversation's newest summary already covers its
      newest message, when it has no message, or when it is no longer with the team.
    - The model unavailable: run again after the retry policy's delay for this `attempt`; once
      the attempts are spent, given up (the team can still ask for one). Nothing is kept
      meanwhile.
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        summarizer: Summarizer,
        clock: Clock,
        ids: IdGenerator,
        retry: RetryPolicy,
        window: SummaryWindow | None = None,
    ) -> None:
        self._uow = uow
        self._summarizer = summarizer
        self._clock = clock
        self._ids = ids
        self._retry = retry
        self._window = window or SummaryWindow()

    async def __call__(self, conversation_id: UUID, attempt: int = 1) -> float | None:
        """Seconds after which to run again, or None when done (or given up)."""
        if attempt > self._retry.max_attempts:
            # A queue also runs again a job that failed unexpectedly: bounded here too.
            return None
        async with self._uow(read_only=True) as uow:
            recent = await uow.messages.recent(conversation_id, self._window.max_messages + 1)
            if not recent:
                return None
            # The job carries the conversation's id alone; its messages name its workspace.
            conversation = await uow.conversations.get(recent[-1].workspace_id, conversation_id)
            if conversation is None or not conversation.state.with_team:
                return None
            latest = await uow.summaries.latest(conversation.workspace_id, conversation.id)
            if latest is not None and not latest.stale(recent[-1]):
                return None
            workspace = await workspace_of(uow, conversation)
            source = await summary_source(uow, self._window, workspace, conversation, recent)
        if source is None:
            return None
        try:
            draft = await self._summarizer.summarize(source)
        except UpstreamUnavailable as error:
            if self._retry.exhausted(attempt):
                log.warning(
                    "no summary of a handed-over conversation: the model stayed unavailable",
                    extra={"conversation_id": str(conversation_id), "reason": error.message},
                )
                return None
            return self._retry.delay(attempt)
        summary = summary_of(
            draft, source, id=self._ids.new_id(), at=self._clock.now(), requested_by=None
        )
        try:
            async with self._uow() as uow:
                await uow.summaries.add(summary)
                await summary_added(uow, summary, conversation)
                await uow.commit()
        except NotFound:
            pass  # the conversation was deleted (its member forgotten) while the model wrote
        return None
