"""StartMessageLogin: a browser asks to log in (or to link WhatsApp) by sending a code."""

from __future__ import annotations

from datetime import timedelta

import msgspec

from ignacio.application.login_messages import MessageLoginLimits
from ignacio.application.ports import (
    Clock,
    DeviceNames,
    IdGenerator,
    RateLimit,
    RateLimiter,
    SecretHasher,
    UnitOfWork,
    UnitOfWorkFactory,
)
from ignacio.application.workspaces import NO_SUCH_WORKSPACE, default_workspace, find_workspace
from ignacio.domain import Busy, Conflict, NotFound, OtpCode, PhoneNumber, RateLimited, User
from ignacio.domain.auth import new_refresh_token
from ignacio.domain.message_login import (
    MESSAGE_LOGIN_TTL,
    VERIFY_WORD,
    MessageLogin,
    wa_me_link,
)
from ignacio.domain.workspaces import DEFAULT_SLUG, Workspace

# Codes drawn before giving up when each is taken by a live challenge of the workspace: with a
# million codes and a handful waiting, a second draw is already rare.
_DRAWS = 8
NO_HOME_NUMBER = (
    "This deployment's WhatsApp number is not known, so nobody can be told where to send the "
    "code: set WHATSAPP_DISPLAY_NUMBER (Meta's Cloud API) or TWILIO_WHATSAPP_NUMBER (Twilio)."
)


class StartMessageLoginCommand(msgspec.Struct, frozen=True, kw_only=True):
    workspace: str | None = None
    """The workspace whose number the code goes to (id or short name); None: the default one."""
    account: User | None = None
    """For a link: the account logged in on the browser that asks."""
    user_agent: str | None = None
    client_address: str | None = None


class StartMessageLoginResult(msgspec.Struct, frozen=True, kw_only=True):
    login: MessageLogin
    code: OtpCode
    browser_token: str
    number: PhoneNumber
    workspace: Workspace

    @property
    def text(self) -> str:
        """What the person sends from WhatsApp."""
        return f"{VERIFY_WORD} {self.code.digits}"

    @property
    def link(self) -> str:
        return wa_me_link(self.number.e164, self.text)


class StartMessageLogin:
    """Start a login (or, for a logged-in account, a link) by a code sent from WhatsApp.

    The risk it answers to is phishing: someone starts a login and talks a person into sending
    the code they see (\"send this to verify your order\"); whoever sends it would log the
    stranger's browser in as themselves. So:

    - Nothing happens on the code alone: the sender is asked over WhatsApp, in a message naming
      the workspace, the device (from the browser's User-Agent) and the action, to answer YES,
      and told to ignore it if they did not ask; a NO refuses it (LoginMessages).
    - The challenge lives 10 minutes (IGNACIO_MESSAGE_LOGIN_TTL_SECONDS) and is used once: its code is spent when claimed, its
      session collected once, and only by the browser that asked (it alone holds the secret
      `browser_token`, returned here once and kept only hashed).
    - Logins started are limited per client address; `VERIFY` messages per member
      (LoginMessages); guessing someone else's waiting code from WhatsApp would only log their
      browser in as the guesser, and takes the guesser's YES.
    - The code goes to the workspace's own number (a channel's display number; for the default
      workspace, the deployment's), and only that workspace's pipeline finds it. No number
      known: Conflict, saying what to configure.
    - The code is drawn at random, unique among the workspace's live codes (a unique key), and
      kept only as its keyed hash.
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        hasher: SecretHasher,
        limiter: RateLimiter,
        clock: Clock,
        ids: IdGenerator,
        devices: DeviceNames,
        limits: MessageLoginLimits,
        home_number: PhoneNumber | None = None,
        ttl: timedelta = MESSAGE_LOGIN_TTL,
    ) -> None:
        self._ttl = ttl
        self._uow = uow
        self._hasher = hasher
        self._limiter = limiter
        self._clock = clock
        self._ids = ids
        self._devices = devices
        self._limits = limits
        self._home_number = home_number

    async def __call__(self, command: StartMessageLoginCommand) -> StartMessageLoginResult:
        if command.client_address:
            await self._limit(command.client_address, self._limits.per_client)
        device = self._devices.name(command.user_agent) if command.user_agent else None
        browser_token = new_refresh_token()
        now = self._clock.now()
        async with self._uow() as uow:
            workspace = await self._workspace(uow, command.workspace)
            number = await self._number_of(uow, workspace)
            await uow.message_logins.release_expired(workspace.id, now)
            for _ in range(_DRAWS):
                code = OtpCode.generate()
                login = MessageLogin.started(
                    id=self._ids.new_id(),
                    workspace_id=workspace.id,
                    code_hash=self._hasher.digest(code.digits),
                    browser_token_hash=self._hasher.digest(browser_token),
                    device=device,
                    now=now,
                    account_id=command.account.id if command.account else None,
                    ttl=self._ttl,
                )
                try:
                    await uow.message_logins.add(login)
                except Conflict:
                    continue
                break
            else:
                raise Busy("Too many logins are waiting right now. Try again in a minute.", 60)
            await uow.commit()
        return StartMessageLoginResult(
            login=login, code=code, browser_token=browser_token, number=number, workspace=workspace
        )

    async def _workspace(self, uow: UnitOfWork, ref: str | None) -> Workspace:
        if ref is None or not ref.strip():
            return await default_workspace(uow)
        workspace = await find_workspace(uow, ref)
        if workspace is None:
            raise NotFound(NO_SUCH_WORKSPACE)
        return workspace

    async def _number_of(self, uow: UnitOfWork, workspace: Workspace) -> PhoneNumber:
        """The number people write to the workspace at: its own number's, else (the default
        workspace) the deployment's."""
        for channel in await uow.channels.list(workspace.id):
            if channel.display_number is not None:
                return channel.display_number
        if workspace.slug == DEFAULT_SLUG and self._home_number is not None:
            return self._home_number
        if workspace.slug == DEFAULT_SLUG:
            raise Conflict(NO_HOME_NUMBER)
        raise Conflict(
            f"{workspace.name} has no WhatsApp number people can write to: its admins connect "
            "one, with the number people see, on its Workspace page."
        )

    async def _limit(self, address: str, limit: RateLimit) -> None:
        wait = await self._limiter.hit("message-login-client", address, limit)
        if wait is not None:
            raise RateLimited(
                f"Too many logins started from here. Try again in {wait} seconds.",
                retry_after=wait,
            )
