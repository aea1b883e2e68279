"""A workspace's own WhatsApp numbers: ListChannels, ConnectChannel, DisconnectChannel."""

from __future__ import annotations

import builtins
import logging
from uuid import UUID

import msgspec

from ignacio.application.auditing import Auditor
from ignacio.application.ports import (
    ChannelDirectory,
    Clock,
    IdGenerator,
    NumberSessions,
    Sealer,
    SessionFailure,
    UnitOfWorkFactory,
)
from ignacio.application.use_cases.gateway_links import start_session
from ignacio.application.workspaces import access_to
from ignacio.domain import Conflict, InvalidInput, NotFound, PhoneNumber, Provider, User
from ignacio.domain.channels import (
    DEFAULT_MAX_CHANNELS_PER_WORKSPACE,
    ChannelAddress,
    ChannelCredentials,
    WorkspaceChannel,
    decode_credentials,
    encode_credentials,
)

# Standard logging: the core takes no logging framework; the entrypoint renders these with structlog.
log = logging.getLogger(__name__)

NO_SUCH_CHANNEL = "This workspace has no such WhatsApp number."
TAKEN = "A workspace already has this number."


class ListChannels:
    """The workspace's numbers, oldest first, for its admins (and platform admins); never
    their credentials."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, me: User, ref: str) -> builtins.list[WorkspaceChannel]:
        async with self._uow(read_only=True) as uow:
            access = await access_to(uow, me, ref)
            access.require_admin()
            return await uow.channels.list(access.workspace.id)


class ConnectChannelCommand(msgspec.Struct, frozen=True, kw_only=True):
    credentials: ChannelCredentials
    display_number: str | None = None
    label: str | None = None


class ConnectChannel:
    """Give the workspace a WhatsApp number of its own: messages to it reach this workspace's
    assistant, and its answers go out from it.

    - The workspace's admins and platform admins only.
    - At most `max_channels` numbers per workspace, also when two admins add one at once.
    - A number (the provider's address for it) belongs to one workspace: 409 if any has it,
      or if it is the deployment's own (`home`, the default workspace's).
    - The provider must accept the credentials for the number (`ChannelDirectory.verify`):
      nobody connects a number they do not control, which would route its messages to them.
    - The credentials are sealed before they are stored and never returned or logged; the
      audit log records the number's id, not its credentials.
    - A number on a WhatsApp-Web gateway proves itself differently: the gateway ends whatever
      session it had and begins a new one, and the number is stored `pairing`, with the QR code
      its phone must scan (shown to the admin) before anything comes or goes. 503 if the gateway
      cannot begin one.
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        auditor: Auditor,
        sealer: Sealer,
        channels: ChannelDirectory,
        sessions: NumberSessions,
        clock: Clock,
        ids: IdGenerator,
        *,
        max_channels: int = DEFAULT_MAX_CHANNELS_PER_WORKSPACE,
        home: ChannelAddress | None = None,
    ) -> None:
        self._uow = uow
        self._sessions = sessions
        self._auditor = auditor
        self._sealer = sealer
        self._channels = channels
        self._home = home
        self._clock = clock
        self._ids = ids
        self._max_channels = max_channels

    async def __call__(
        self, me: User, ref: str, command: ConnectChannelCommand
    ) -> WorkspaceChannel:
        display_number = (
            PhoneNumber.parse(command.display_number) if command.display_number else None
        )
        credentials = command.credentials
        address = ChannelAddress(provider=credentials.provider, address=credentials.address)
        if address == self._home:
            raise Conflict(
                "This is the deployment's own WhatsApp number; it belongs to the default workspace."
            )
        # The cheap refusals first, and the provider asked outside any transaction.
        async with self._uow(read_only=True) as uow:
            access = await access_to(uow, me, ref)
            access.require_admin()
            existing = await uow.channels.list(access.workspace.id)
            WorkspaceChannel.connect(
                id=self._ids.new_id(),
                workspace_id=access.workspace.id,
                credentials=credentials,
                sealed_credentials=b"",
                existing=existing,
                limit=self._max_channels,
                at=self._clock.now(),
                display_number=display_number,
                label=command.label,
            )
            if await uow.channels.find(address.provider, address.address) is not None:
                raise Conflict(TAKEN)
        refusal = await self._channels.verify(credentials)
        if refusal is not None:
            raise InvalidInput(f"The number could not be connected: {refusal}.")
        qr_code = (
            await start_session(self._sessions, address.address)
            if address.provider is Provider.WHATSAPP_GATEWAY
            else None
        )
        sealed = self._sealer.seal(encode_credentials(credentials))
        try:
            channel = await self._store(me, ref, command, sealed, display_number, qr_code)
        except BaseException:
            if qr_code is not None:
                await _end_session(self._sessions, address.address)
            raise
        return channel

    async def _store(
        self,
        me: User,
        ref: str,
        command: ConnectChannelCommand,
        sealed: bytes,
        display_number: PhoneNumber | None,
        qr_code: str | None,
    ) -> WorkspaceChannel:
        async with self._uow() as uow:
            access = await access_to(uow, me, ref)
            access.require_admin()
            channel = WorkspaceChannel.connect(
                id=self._ids.new_id(),
                workspace_id=access.workspace.id,
                credentials=command.credentials,
                sealed_credentials=sealed,
                existing=await uow.channels.lock(access.workspace.id),
                limit=self._max_channels,
                at=self._clock.now(),
                display_number=display_number,
                label=command.label,
            )
            if qr_code is not None:
                channel = channel.pairing(qr_code, channel.created_at).after
            await uow.channels.add(channel)
            await self._auditor.record(
                uow,
                me.id,
                "channel.connect",
                "workspace_channel",
                channel.id,
                workspace_id=channel.workspace_id,
            )
            await uow.commit()
        return channel


class DisconnectChannel:
    """Take a number from the workspace: what arrives for it afterwards is set aside for the
    platform's admins. Its conversations and messages stay. Admins only; audited. A gateway
    number's session is ended too, once the number is gone (a gateway that cannot be asked is
    logged, and the number is gone all the same: what it still delivers is set aside)."""

    def __init__(self, uow: UnitOfWorkFactory, auditor: Auditor, sessions: NumberSessions) -> None:
        self._uow = uow
        self._auditor = auditor
        self._sessions = sessions

    async def __call__(self, me: User, ref: str, channel_id: UUID) -> None:
        async with self._uow() as uow:
            access = await access_to(uow, me, ref)
            access.require_admin()
            number = await uow.channels.get(access.workspace.id, channel_id)
            if number is None or not await uow.channels.remove(access.workspace.id, channel_id):
                raise NotFound(NO_SUCH_CHANNEL)
            await self._auditor.record(
                uow,
                me.id,
                "channel.disconnect",
                "workspace_channel",
                channel_id,
                workspace_id=access.workspace.id,
            )
            await uow.commit()
        if number.links_by_qr:
            await _end_session(self._sessions, number.address)


async def _end_session(sessions: NumberSessions, address: str) -> None:
    try:
        await sessions.stop(PhoneNumber(e164=address))
    except SessionFailure as failure:
        log.warning("the gateway did not end a number's session", extra={"reason": failure.reason})


class FindNumberCredentials:
    """The credentials of the workspace number a provider names `address`, opened: for checking
    the signature of a webhook that a number on another account signed (a Twilio subaccount
    signs with its own token). None if no workspace has the number, or its credentials cannot
    be opened (sealed with another key). For the webhook entrypoint only; never returned to a
    caller."""

    def __init__(self, uow: UnitOfWorkFactory, sealer: Sealer) -> None:
        self._uow = uow
        self._sealer = sealer

    async def __call__(self, provider: Provider, address: str) -> ChannelCredentials | None:
        async with self._uow(read_only=True) as uow:
            number = await uow.channels.find(provider, address)
        if number is None:
            return None
        try:
            return decode_credentials(self._sealer.open(number.sealed_credentials))
        except ValueError:
            return None
