"""The SQL unit of work: one connection and one transaction per `async with`."""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextlib import AsyncExitStack
from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ignacio.adapters.sql.allow_list import SqlAllowList
from ignacio.adapters.sql.audit_log import SqlAuditLog
from ignacio.adapters.sql.channels import SqlChannelRepository
from ignacio.adapters.sql.conversations import SqlConversationRepository
from ignacio.adapters.sql.deliveries import SqlDeliveryRepository
from ignacio.adapters.sql.engine import reading_engine
from ignacio.adapters.sql.events import SqlEventLog
from ignacio.adapters.sql.files import SqlFileRepository
from ignacio.adapters.sql.identities import SqlIdentityRepository
from ignacio.adapters.sql.login_challenges import SqlLoginChallengeRepository
from ignacio.adapters.sql.message_logins import SqlMessageLoginRepository
from ignacio.adapters.sql.messages import SqlMessageRepository
from ignacio.adapters.sql.records import SqlRecordRepository
from ignacio.adapters.sql.sessions import SqlSessionRepository
from ignacio.adapters.sql.summaries import SqlSummaryRepository
from ignacio.adapters.sql.users import SqlUserRepository
from ignacio.adapters.sql.workflows import SqlWorkflowRepository
from ignacio.adapters.sql.workspaces import SqlMembershipRepository, SqlWorkspaceRepository
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
    PhoneCipher,
    RecordRepository,
    SessionRepository,
    SummaryRepository,
    UserRepository,
    WorkflowRepository,
    WorkspaceRepository,
)
from ignacio.domain import PhoneNumber


class SqlUnitOfWork:
    """`commit()` makes the work durable; leaving without it rolls back (after it, harmlessly).

    Work done after a `commit()` runs in a new transaction on the same connection.

    A read-only unit of work is meant for an engine from `reading_engine`, which the factory
    gives it; it refuses to commit.

    Events appended (`events`) are written just before the commit, and `signal` is told of
    them once it is done.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        cipher: PhoneCipher,
        *,
        read_only: bool = False,
        signal: EventSignal | None = None,
    ) -> None:
        self._engine = engine
        self._read_only = read_only
        self._signal = signal
        self._connection: AsyncConnection | None = None
        self._exit: AsyncExitStack | None = None
        self._cipher = cipher
        self._events = SqlEventLog(self._current)
        self.events: EventLog = self._events

    # The repositories, typed as the ports (Protocol attributes are invariant, so this is what
    # makes the class a UnitOfWork, and keeps callers on the contract). Each is made on first
    # use, by `__getattr__`: a unit of work uses two or three of them, and one that a turn still
    # refers to while it waits on the model (hundreds at once) held all nineteen, ~5 KB.
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
    workflows: WorkflowRepository
    records: RecordRepository

    def __getattr__(self, name: str) -> object:
        # Called only for what the instance does not have yet: then never again for `name`.
        make = _REPOSITORIES.get(name)
        if make is None:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        repository = make(self)
        setattr(self, name, repository)
        return repository

    def _current(self) -> AsyncConnection:
        if self._connection is None:
            raise RuntimeError("Use the repositories inside `async with` of the unit of work.")
        return self._connection

    async def __aenter__(self) -> Self:
        if self._connection is not None:
            raise RuntimeError("This unit of work is already open.")
        stack = AsyncExitStack()
        if self._engine.dialect.name == "sqlite":
            # Closed as the unit of work ends, not a turn of the loop later in the shielded task
            # the connection's own exit starts: with hundreds of turns ready to run that turn
            # took long, and writers that came meanwhile found the pool empty and each opened a
            # connection (answers arriving together took the process from 300 to 500 MB).
            # SQLite's close runs at once on this thread, never waiting: nothing can cancel it
            # halfway, which is what the shield is for.
            connection = await self._engine.connect()
            stack.push_async_callback(connection.close)
        else:
            # The connection's own exit closes it, rolling back what was not committed, and runs
            # to completion even if the request is cancelled meanwhile: no connection leaks.
            connection = await stack.enter_async_context(self._engine.connect())
        if not self._read_only:
            try:
                # Begin now rather than on the first statement: on SQLite this takes the write
                # lock, which a read-only unit of work does not want.
                await connection.begin()
            except BaseException:
                await stack.aclose()
                raise
        self._connection, self._exit = connection, stack
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        stack, self._connection, self._exit = self._exit, None, None
        self._events.discard()
        if stack is not None:
            await stack.aclose()

    async def commit(self) -> None:
        connection = self._current()
        if self._read_only:
            # In autocommit every statement was durable at once: a commit would promise nothing.
            raise RuntimeError("A read-only unit of work cannot commit.")
        workspaces = await self._events.flush()
        await connection.commit()
        if workspaces and self._signal is not None:
            self._signal.committed(workspaces)


_REPOSITORIES: dict[str, Callable[[SqlUnitOfWork], object]] = {
    "users": lambda uow: SqlUserRepository(
        uow._current, uow._cipher, on_merge=uow._events.reassign
    ),
    "identities": lambda uow: SqlIdentityRepository(uow._current),
    "conversations": lambda uow: SqlConversationRepository(uow._current),
    "messages": lambda uow: SqlMessageRepository(uow._current),
    "login_challenges": lambda uow: SqlLoginChallengeRepository(uow._current, uow._cipher),
    "message_logins": lambda uow: SqlMessageLoginRepository(uow._current),
    "sessions": lambda uow: SqlSessionRepository(uow._current),
    "audit_log": lambda uow: SqlAuditLog(uow._current),
    "deliveries": lambda uow: SqlDeliveryRepository(uow._current),
    "allow_list": lambda uow: SqlAllowList(uow._current, uow._cipher),
    "files": lambda uow: SqlFileRepository(uow._current),
    "workspaces": lambda uow: SqlWorkspaceRepository(uow._current),
    "memberships": lambda uow: SqlMembershipRepository(uow._current),
    "channels": lambda uow: SqlChannelRepository(uow._current),
    "summaries": lambda uow: SqlSummaryRepository(uow._current),
    "workflows": lambda uow: SqlWorkflowRepository(uow._current),
    "records": lambda uow: SqlRecordRepository(uow._current),
}


class RememberingPhoneCipher:
    """The cipher, remembering the numbers it decrypted most recently.

    Every authenticated request reads its user, whose number is stored encrypted: decrypting
    it and parsing the number again took about 0.1 ms of CPU each time, several percent of a
    read. The same ciphertext always decrypts to the same number under one key (encrypting
    again draws a new nonce, hence a new entry), and a tampered one raises and is not
    remembered. At most `size` numbers are kept, about 250 bytes each; the plain numbers stay
    in the memory of the process that holds the key to them anyway.
    """

    def __init__(self, cipher: PhoneCipher, size: int = 16_384) -> None:
        self._cipher = cipher
        self._decrypt = functools.lru_cache(maxsize=size)(cipher.decrypt)

    def encrypt(self, phone: PhoneNumber) -> bytes:
        return self._cipher.encrypt(phone)

    def decrypt(self, ciphertext: bytes) -> PhoneNumber:
        return self._decrypt(ciphertext)

    def lookup_key(self, phone: PhoneNumber) -> str:
        return self._cipher.lookup_key(phone)


class SqlUnitOfWorkFactory:
    """Makes units of work on one engine; pass it where a `UnitOfWorkFactory` is needed.
    `signal` hears of the events each commits (see `SqlUnitOfWork`)."""

    def __init__(
        self, engine: AsyncEngine, cipher: PhoneCipher, signal: EventSignal | None = None
    ) -> None:
        self.engine = engine
        self._reading_engine = reading_engine(engine)
        self._cipher: PhoneCipher = RememberingPhoneCipher(cipher)
        self._signal = signal

    def __call__(self, *, read_only: bool = False) -> SqlUnitOfWork:
        if read_only:
            return SqlUnitOfWork(self._reading_engine, self._cipher, read_only=True)
        return SqlUnitOfWork(self.engine, self._cipher, signal=self._signal)
