"""The in-memory unit of work: a snapshot taken on entry is restored unless `commit()` is called."""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import Self

from ignacio.adapters.memory.allow_list import InMemoryAllowList
from ignacio.adapters.memory.audit_log import InMemoryAuditLog
from ignacio.adapters.memory.channels import InMemoryChannelRepository
from ignacio.adapters.memory.conversations import InMemoryConversationRepository
from ignacio.adapters.memory.deliveries import InMemoryDeliveryRepository
from ignacio.adapters.memory.events import InMemoryEventLog
from ignacio.adapters.memory.files import InMemoryFileRepository
from ignacio.adapters.memory.identities import InMemoryIdentityRepository
from ignacio.adapters.memory.login_challenges import InMemoryLoginChallengeRepository
from ignacio.adapters.memory.message_logins import InMemoryMessageLoginRepository
from ignacio.adapters.memory.messages import InMemoryMessageRepository
from ignacio.adapters.memory.records import InMemoryRecordRepository
from ignacio.adapters.memory.sessions import InMemorySessionRepository
from ignacio.adapters.memory.store import InMemoryStore, Snapshot
from ignacio.adapters.memory.summaries import InMemorySummaryRepository
from ignacio.adapters.memory.users import InMemoryUserRepository
from ignacio.adapters.memory.workflows import InMemoryWorkflowRepository
from ignacio.adapters.memory.workspaces import (
    InMemoryMembershipRepository,
    InMemoryWorkspaceRepository,
)
from ignacio.application.ports import (
    AllowList,
    AuditLog,
    ChannelRepository,
    ConversationRepository,
    DeliveryRepository,
    EventLog,
    EventSignal,
    FileRepository,
    IdentityRepository,
    LoginChallengeRepository,
    MembershipRepository,
    MessageLoginRepository,
    MessageRepository,
    RecordRepository,
    SessionRepository,
    SummaryRepository,
    UserRepository,
    WorkflowRepository,
    WorkspaceRepository,
)


class InMemoryUnitOfWork:
    """Serialisable transactions over an `InMemoryStore`; `committed` tells tests what happened.
    Events appended are numbered at the commit, and `signal` told of them after it."""

    def __init__(
        self,
        store: InMemoryStore,
        *,
        read_only: bool = False,
        signal: EventSignal | None = None,
    ) -> None:
        self.store = store
        self.read_only = read_only
        self._signal = signal
        # Typed as the ports: Protocol attributes are invariant, so this makes it a UnitOfWork.
        self._events = InMemoryEventLog(store)
        self.users: UserRepository = InMemoryUserRepository(store, on_merge=self._events.reassign)
        self.identities: IdentityRepository = InMemoryIdentityRepository(store)
        self.conversations: ConversationRepository = InMemoryConversationRepository(store)
        self.messages: MessageRepository = InMemoryMessageRepository(store)
        self.login_challenges: LoginChallengeRepository = InMemoryLoginChallengeRepository(store)
        self.message_logins: MessageLoginRepository = InMemoryMessageLoginRepository(store)
        self.sessions: SessionRepository = InMemorySessionRepository(store)
        self.audit_log: AuditLog = InMemoryAuditLog(store)
        self.deliveries: DeliveryRepository = InMemoryDeliveryRepository(store)
        self.allow_list: AllowList = InMemoryAllowList(store)
        self.files: FileRepository = InMemoryFileRepository(store)
        self.workspaces: WorkspaceRepository = InMemoryWorkspaceRepository(store)
        self.memberships: MembershipRepository = InMemoryMembershipRepository(store)
        self.channels: ChannelRepository = InMemoryChannelRepository(store)
        self.summaries: SummaryRepository = InMemorySummaryRepository(store)
        self.workflows: WorkflowRepository = InMemoryWorkflowRepository(store)
        self.events: EventLog = self._events
        self.records: RecordRepository = InMemoryRecordRepository(self.store)
        self.committed = False
        self._snapshot: Snapshot | None = None

    async def __aenter__(self) -> Self:
        task = asyncio.current_task()
        if self.store.lock.locked() and task is not None and self.store.lock_owner is task:
            # Waiting would never end: this task already holds the store.
            raise RuntimeError("A unit of work cannot be opened inside another on the same store.")
        await self.store.lock.acquire()
        self.store.lock_owner = task
        self._snapshot = self.store.snapshot()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            self._events.discard()
            if self._snapshot is not None:
                self.store.restore(self._snapshot)
        finally:
            self._snapshot = None
            self.store.lock_owner = None
            self.store.lock.release()

    async def commit(self) -> None:
        if self._snapshot is None:
            raise RuntimeError("commit() outside `async with` of the unit of work.")
        if self.read_only:
            raise RuntimeError("A read-only unit of work cannot commit.")
        workspaces = self._events.flush()
        self._snapshot = self.store.snapshot()
        self.committed = True
        self.store.commits += 1
        if workspaces and self._signal is not None:
            self._signal.committed(workspaces)


class InMemoryUnitOfWorkFactory:
    """Makes units of work over one store; `store.commits` counts what they committed."""

    def __init__(
        self, store: InMemoryStore | None = None, signal: EventSignal | None = None
    ) -> None:
        self.store = store if store is not None else InMemoryStore()
        self._signal = signal

    def __call__(self, *, read_only: bool = False) -> InMemoryUnitOfWork:
        return InMemoryUnitOfWork(self.store, read_only=read_only, signal=self._signal)
