"""PollMessageLogin: the browser that started a login by message asks how it stands."""

from __future__ import annotations

from uuid import UUID

import msgspec

from ignacio.application.ports import Clock, SecretHasher, UnitOfWorkFactory
from ignacio.application.sessions import SessionIssuer
from ignacio.domain import AuthenticationFailed, IssuedTokens, NotFound, User
from ignacio.domain.message_login import NO_SUCH_LOGIN, MessageLogin, MessageLoginState


class PollMessageLoginCommand(msgspec.Struct, frozen=True, kw_only=True):
    login_id: UUID
    browser_token: str
    user_agent: str | None = None
    client_address: str | None = None


class PollMessageLoginResult(msgspec.Struct, frozen=True, kw_only=True):
    login: MessageLogin
    state: MessageLoginState
    """As the browser sees it now (`confirmed` on the poll that carries the session)."""
    user: User | None = None
    tokens: IssuedTokens | None = None


class PollMessageLogin:
    """How a login by message stands, for the browser that started it; its session, once.

    - Only the browser holding the challenge's secret learns anything: any other token, like
      an unknown id, is "no such login".
    - A login its sender confirmed is collected by the first poll after, which opens the
      session (the same tokens as a login by code); the challenge is then used, and any later
      poll (or one racing it) only hears so. Nothing is collected once it has expired.
    - The session is the sender's, who must still be an active member: deactivated in the
      meantime, they are refused.
    - A link needs no collecting: confirmed, it is done.
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        hasher: SecretHasher,
        sessions: SessionIssuer,
        clock: Clock,
    ) -> None:
        self._uow = uow
        self._hasher = hasher
        self._sessions = sessions
        self._clock = clock

    async def __call__(self, command: PollMessageLoginCommand) -> PollMessageLoginResult:
        digest = self._hasher.digest(command.browser_token)
        now = self._clock.now()
        async with self._uow() as uow:
            login = await uow.message_logins.get(command.login_id)
            if login is None:
                raise NotFound(NO_SUCH_LOGIN)
            collected = login.polled(digest, now)
            if collected is login:
                return PollMessageLoginResult(login=login, state=login.state_at(now))
            user = await uow.users.get(login.member_id) if login.member_id else None
            if user is None or not user.is_active:
                raise AuthenticationFailed(
                    "This account is deactivated. Ask an admin to reactivate it."
                )
            if not await uow.message_logins.replace(login, collected):
                # Another poll collected it first: it has the session.
                current = await uow.message_logins.get(login.id) or collected
                return PollMessageLoginResult(login=current, state=current.state_at(now))
            tokens = await self._sessions.open(
                uow, user, user_agent=command.user_agent, client_address=command.client_address
            )
            await uow.commit()
        return PollMessageLoginResult(
            login=collected, state=MessageLoginState.CONFIRMED, user=user, tokens=tokens
        )
