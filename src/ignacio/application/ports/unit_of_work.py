"""UnitOfWork port: the repositories, and one transaction over them."""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self

from ignacio.application.ports.allow_list import AllowList
from ignacio.application.ports.audit_log import AuditLog
from ignacio.application.ports.channels import ChannelRepository
from ignacio.application.ports.conversations import ConversationRepository
from ignacio.application.ports.deliveries import DeliveryRepository
from ignacio.application.ports.events import EventLog
from ignacio.application.ports.files import FileRepository
from ignacio.application.ports.identities import IdentityRepository
from ignacio.application.ports.login_challenges import LoginChallengeRepository
from ignacio.application.ports.memberships import MembershipRepository
from ignacio.application.ports.message_logins import MessageLoginRepository
from ignacio.application.ports.messages import MessageRepository
from ignacio.application.ports.records import RecordRepository
from ignacio.application.ports.sessions import SessionRepository
from ignacio.application.ports.summaries import SummaryRepository
from ignacio.application.ports.users import UserRepository
from ignacio.application.ports.workflows import WorkflowRepository
from ignacio.application.ports.workspaces import WorkspaceRepository


class UnitOfWork(Protocol):
    """`async with uow:` opens a transaction; `commit()` keeps it, leaving without commit undoes it."""

    users: UserRepository
    identities: IdentityRepository
    conversations: ConversationRepository
    messages: MessageRepository
    login_challenges: LoginChallengeRepository
    message_logins: MessageLoginRepository
    sessions: SessionRepository
    audit_log: AuditLog
    deliveries: DeliveryRepository
    allow_list: AllowList
    files: FileRepository
    workspaces: WorkspaceRepository
    memberships: MembershipRepository
    channels: ChannelRepository
    summaries: SummaryRepository
    events: EventLog
    workflows: WorkflowRepository
    records: RecordRepository

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None:
        """Make everything done in this transaction durable."""
        ...


class UnitOfWorkFactory(Protocol):
    def __call__(self, *, read_only: bool = False) -> UnitOfWork:
        """A new unit of work; each use case run opens its own.

        `read_only=True` promises that the work only reads and never commits (`commit()` raises).
        In return an adapter may skip the transaction: every statement then sees what is
        committed when it runs, but two statements need not see the same moment, so a read-only
        unit of work suits reads that one statement answers.
        """
        ...
