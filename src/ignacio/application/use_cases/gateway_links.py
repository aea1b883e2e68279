"""The links of numbers paired by QR code (a WhatsApp-Web gateway's): RecordConnectionUpdate,
PairChannel, WatchGatewayLinks."""

from __future__ import annotations

import logging
from uuid import UUID

from ignacio.application.auditing import Auditor
from ignacio.application.ports import (
    Clock,
    NumberSessions,
    SessionFailure,
    UnitOfWork,
    UnitOfWorkFactory,
)
from ignacio.application.workspaces import access_to
from ignacio.domain import (
    ConnectionState,
    ConnectionUpdate,
    InvalidInput,
    NotFound,
    PhoneNumber,
    Provider,
    UpstreamUnavailable,
    User,
)
from ignacio.domain.channels import ConnectionChange, WorkspaceChannel

# Standard logging: the core takes no logging framework; the entrypoint renders these with structlog.
log = logging.getLogger(__name__)

NO_SUCH_CHANNEL = "This workspace has no such WhatsApp number."
LINK_LOST = "channel.link_lost"
LINKED = "channel.linked"
PAIR = "channel.pair"


async def _apply(
    uow_factory: UnitOfWorkFactory, auditor: Auditor, update: ConnectionUpdate
) -> ConnectionChange | None:
    """Record the gateway's word on the number it names: None if no workspace has it."""
    async with uow_factory(read_only=True) as uow:
        known = await uow.channels.find(update.provider, update.address)
    if known is None:
        return None
    async with uow_factory() as uow:
        # Under the workspace's lock: two reports about one number (a webhook and a poll)
        # decide one after the other, so a drop is told once.
        await uow.channels.lock(known.workspace_id)
        number = await uow.channels.get(known.workspace_id, known.id)
        if number is None:
            return None
        change = number.reported(update)
        if not change.touched:
            return change
        await uow.channels.set_connection(number.workspace_id, number.id, change.after.connection)
        if change.dropped or change.linked:
            await _audit_link(uow, auditor, change)
        await uow.commit()
    _log_link(change)
    return change


async def _audit_link(uow: UnitOfWork, auditor: Auditor, change: ConnectionChange) -> None:
    after = change.after
    connection = after.connection
    await auditor.record(
        uow,
        None,
        LINK_LOST if change.dropped else LINKED,
        "workspace_channel",
        after.id,
        workspace_id=after.workspace_id,
        state=connection.state.value if connection else None,
        reason=connection.reason if connection else None,
    )


def _log_link(change: ConnectionChange) -> None:
    number = change.after
    connection = number.connection
    where = {
        "channel_id": str(number.id),
        "workspace_id": str(number.workspace_id),
        "number": _masked(number),
        "state": connection.state.value if connection else None,
    }
    if change.dropped:
        log.warning(
            "a gateway number lost its link to WhatsApp",
            extra=where | {"reason": connection.reason if connection else None},
        )
    elif change.linked:
        log.info("a gateway number is linked to WhatsApp", extra=where)


def _masked(number: WorkspaceChannel) -> str:
    shown = number.display_number
    return shown.masked() if shown is not None else number.address[:3] + "…"


class RecordConnectionUpdate:
    """The gateway says where a number's link stands (its status webhook, or a poll).

    - A report on a number no workspace has is ignored (a number disconnected meanwhile).
    - Reports older than what is known change nothing; a repeated state changes nothing.
    - A number that was linked and no longer is (logged out, banned, the gateway lost it) is an
      alert: the audit log records `channel.link_lost` with the gateway's reason, the log a
      warning, and the workspace's numbers show it disconnected until its phone scans a new QR
      code. Becoming linked is recorded as `channel.linked`.
    - Returns whether the number's link changed.
    """

    def __init__(self, uow: UnitOfWorkFactory, auditor: Auditor) -> None:
        self._uow = uow
        self._auditor = auditor

    async def __call__(self, update: ConnectionUpdate) -> bool:
        change = await _apply(self._uow, self._auditor, update)
        if change is None:
            log.info(
                "link report for a number no workspace has ignored",
                extra={"provider": update.provider.value, "state": update.state.value},
            )
            return False
        return change.changed


class PairChannel:
    """Show a new QR code for a gateway number (it was never scanned in time, or its link
    dropped): the gateway ends the number's session and begins another, and the number waits
    for its phone to scan the new code.

    - The workspace's admins and platform admins only; audited (`channel.pair`).
    - Only numbers on a WhatsApp-Web gateway are paired: 400 for others.
    - 503 when the gateway cannot be asked or refuses; the number is left as it was.
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        auditor: Auditor,
        sessions: NumberSessions,
        clock: Clock,
    ) -> None:
        self._uow = uow
        self._auditor = auditor
        self._sessions = sessions
        self._clock = clock

    async def __call__(self, me: User, ref: str, channel_id: UUID) -> WorkspaceChannel:
        async with self._uow(read_only=True) as uow:
            access = await access_to(uow, me, ref)
            access.require_admin()
            number = await uow.channels.get(access.workspace.id, channel_id)
        if number is None:
            raise NotFound(NO_SUCH_CHANNEL)
        if not number.links_by_qr:
            raise InvalidInput("Only a number on a WhatsApp-Web gateway is linked by a QR code.")
        qr_code = await start_session(self._sessions, number.address)
        async with self._uow() as uow:
            access = await access_to(uow, me, ref)
            access.require_admin()
            await uow.channels.lock(access.workspace.id)
            number = await uow.channels.get(access.workspace.id, channel_id)
            if number is None:
                raise NotFound(NO_SUCH_CHANNEL)
            change = number.pairing(qr_code, self._clock.now())
            await uow.channels.set_connection(
                number.workspace_id, number.id, change.after.connection
            )
            await self._auditor.record(
                uow, me.id, PAIR, "workspace_channel", number.id, workspace_id=number.workspace_id
            )
            await uow.commit()
        return change.after


async def start_session(sessions: NumberSessions, address: str) -> str:
    """A new session for the number at the gateway: the QR code to scan; UpstreamUnavailable,
    with the gateway's reason, if it cannot begin one."""
    try:
        return await sessions.start(PhoneNumber(e164=address))
    except SessionFailure as failure:
        raise UpstreamUnavailable(
            f"The WhatsApp-Web gateway could not begin a session: {failure.reason}"
        ) from failure


class WatchGatewayLinks:
    """Ask the gateway where every gateway number's link stands, and record what changed: a
    gateway that died cannot send the webhook that says so, and a webhook may be lost.

    - A gateway that does not answer, or refuses, leaves each linked number disconnected, with
      the reason (messages could not come or go through it).
    - A number not linked (pairing, or dropped) changes only when the gateway says it is
      linked: the QR code an admin is about to scan stays.
    - Returns how many numbers' links changed.
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        auditor: Auditor,
        sessions: NumberSessions,
        clock: Clock,
    ) -> None:
        self._uow = uow
        self._auditor = auditor
        self._sessions = sessions
        self._clock = clock

    async def __call__(self) -> int:
        async with self._uow(read_only=True) as uow:
            numbers = await uow.channels.of_provider(Provider.WHATSAPP_GATEWAY)
        changed = 0
        for number in numbers:
            linked = number.connection is not None and number.connection.connected
            reason = None
            try:
                state = await self._sessions.state(PhoneNumber(e164=number.address))
            except SessionFailure as failure:
                if not linked:
                    continue
                state, reason = ConnectionState.DISCONNECTED, failure.reason
            if not linked and state is not ConnectionState.CONNECTED:
                # Gateways tell an unscanned session apart from a dropped one in their own
                # words, if at all: a poll never takes the QR code from a number pairing.
                continue
            update = ConnectionUpdate(
                provider=number.provider,
                address=number.address,
                state=state,
                at=self._clock.now(),
                reason=reason,
            )
            change = await _apply(self._uow, self._auditor, update)
            changed += change is not None and change.changed
        return changed
