"""The SQL unit of work: one connection and one transaction per `async with`."""

from __future__ import annotations

from contextlib import AsyncExitStack
from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ignacio.adapters.sql.files import SqlFileRepository
from ignacio.adapters.sql.repositories import (
    SqlAllowList,
    SqlAuditLog,
    SqlConversationRepository,
    SqlDeliveryRepository,
    SqlLoginChallengeRepository,
    SqlMessageRepository,
    SqlSessionRepository,
    SqlUserRepository,
)
from ignacio.application.ports import (
    AllowList,
    AuditLog,
    ConversationRepository,
    DeliveryRepository,
    FileRepository,
    LoginChallengeRepository,
    MessageRepository,
    PhoneCipher,
    SessionRepository,
    UserRepository,
)


class SqlUnitOfWork:
    """`commit()` makes the work durable; leaving without it rolls back (after it, harmlessly).

    Work done after a `commit()` runs in a new transaction on the same connection.
    """

    def __init__(self, engine: AsyncEngine, cipher: PhoneCipher) -> None:
        self._engine = engine
        self._connection: AsyncConnection | None = None
        self._exit: AsyncExitStack | None = None
        # Typed as the ports: Protocol attributes are invariant, so this is what makes the class
        # a UnitOfWork (and keeps callers on the contract, not on SQL specifics).
        self.users: UserRepository = SqlUserRepository(self._current, cipher)
        self.conversations: ConversationRepository = SqlConversationRepository(self._current)
        self.messages: MessageRepository = SqlMessageRepository(self._current)
        self.login_challenges: LoginChallengeRepository = SqlLoginChallengeRepository(
            self._current, cipher
        )
        self.sessions: SessionRepository = SqlSessionRepository(self._current)
        self.audit_log: AuditLog = SqlAuditLog(self._current)
        self.deliveries: DeliveryRepository = SqlDeliveryRepository(self._current)
        self.allow_list: AllowList = SqlAllowList(self._current, cipher)
        self.files: FileRepository = SqlFileRepository(self._current)

    def _current(self) -> AsyncConnection:
        if self._connection is None:
            raise RuntimeError("Use the repositories inside `async with` of the unit of work.")
        return self._connection

    async def __aenter__(self) -> Self:
        if self._connection is not None:
            raise RuntimeError("This unit of work is already open.")
        stack = AsyncExitStack()
        # The connection's own exit closes it, rolling back what was not committed, and runs to
        # completion even if the request is cancelled meanwhile: no connection leaks from the pool.
        connection = await stack.enter_async_context(self._engine.connect())
        try:
            # Begin now rather than on the first statement: on SQLite this takes the write lock.
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
        if stack is not None:
            await stack.aclose()

    async def commit(self) -> None:
        await self._current().commit()


class SqlUnitOfWorkFactory:
    """Makes units of work on one engine; pass it where a `UnitOfWorkFactory` is needed."""

    def __init__(self, engine: AsyncEngine, cipher: PhoneCipher) -> None:
        self.engine = engine
        self._cipher = cipher

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine, self._cipher)
