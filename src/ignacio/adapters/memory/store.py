"""The state the in-memory repositories share, and the lock that makes units of work serial."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from ignacio.domain import (
    AllowedNumber,
    AuditEntry,
    Conversation,
    Delivery,
    LoginChallenge,
    Message,
    User,
    UserSession,
    WhatsAppIdentity,
)
from ignacio.domain.channels import WorkspaceChannel
from ignacio.domain.events import WorkspaceEvent
from ignacio.domain.handover import ReadMarker, StateChange
from ignacio.domain.knowledge import UserFile
from ignacio.domain.message_login import MessageLogin
from ignacio.domain.records import Record, RecordComment, RecordType
from ignacio.domain.summaries import ConversationSummary
from ignacio.domain.workflow import StepAnswer, Workflow
from ignacio.domain.workspaces import Membership, Workspace, first_workspace

Snapshot = tuple[dict[Any, Any], ...]


class InMemoryStore:
    """Dicts of frozen entities by id; entities are immutable, so shallow copies are snapshots."""

    def __init__(self) -> None:
        self.users: dict[UUID, User] = {}
        self.identities: dict[UUID, WhatsAppIdentity] = {}
        self.conversations: dict[UUID, Conversation] = {}
        self.messages: dict[UUID, Message] = {}
        self.login_challenges: dict[UUID, LoginChallenge] = {}
        self.message_logins: dict[UUID, MessageLogin] = {}
        self.sessions: dict[UUID, UserSession] = {}
        # Refresh tokens rotated out, by hash: the session that rotated each.
        self.retired_tokens: dict[str, UUID] = {}
        self.audit_log: dict[UUID, AuditEntry] = {}
        self.deliveries: dict[UUID, Delivery] = {}
        self.allow_list: dict[UUID, AllowedNumber] = {}
        self.files: dict[UUID, UserFile] = {}
        self.workspaces: dict[UUID, Workspace] = {}
        self.memberships: dict[UUID, Membership] = {}
        self.channels: dict[UUID, WorkspaceChannel] = {}
        # Rows of conversations since deleted are never read: as ON DELETE CASCADE, for reads.
        self.state_changes: dict[UUID, StateChange] = {}
        self.reads: dict[tuple[UUID, UUID], ReadMarker] = {}
        self.summaries: dict[UUID, ConversationSummary] = {}
        self.events: dict[int, WorkspaceEvent] = {}
        self.workflows: dict[UUID, Workflow] = {}
        # Answers by (workspace, member, key); those of a workspace or member since deleted are
        # never read: as ON DELETE CASCADE, for reads.
        self.step_answers: dict[tuple[UUID, UUID, str], StepAnswer] = {}
        self.record_types: dict[tuple[UUID, str], RecordType] = {}
        self.records: dict[UUID, Record] = {}
        self.record_comments: dict[UUID, RecordComment] = {}
        # The last number each sequence gave (kept apart from its rows, so that pruning them
        # never makes a number be given twice).
        self.sequences: dict[str, int] = {}
        # A new database holds the default workspace, as migration 0011 leaves a SQL one.
        default = first_workspace(uuid4(), datetime.now(UTC))
        self.workspaces[default.id] = default
        self.commits = 0
        # One unit of work at a time, like SQLite's write lock: restoring a snapshot on rollback
        # would otherwise erase what a concurrent unit of work committed meanwhile.
        self.lock = asyncio.Lock()
        self.lock_owner: asyncio.Task[Any] | None = None

    def _tables(self) -> tuple[dict[Any, Any], ...]:
        return (
            self.users,
            self.identities,
            self.conversations,
            self.messages,
            self.login_challenges,
            self.message_logins,
            self.sessions,
            self.retired_tokens,
            self.audit_log,
            self.deliveries,
            self.allow_list,
            self.files,
            self.workspaces,
            self.memberships,
            self.channels,
            self.state_changes,
            self.reads,
            self.summaries,
            self.events,
            self.workflows,
            self.step_answers,
            self.sequences,
            self.record_types,
            self.records,
            self.record_comments,
        )

    def snapshot(self) -> Snapshot:
        return tuple(dict(table) for table in self._tables())

    def restore(self, snapshot: Snapshot) -> None:
        for table, saved in zip(self._tables(), snapshot, strict=True):
            table.clear()
            table.update(saved)
