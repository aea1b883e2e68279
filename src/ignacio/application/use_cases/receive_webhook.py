"""ReceiveWebhook: everything one provider delivery carries."""

from __future__ import annotations

import logging

import msgspec

from ignacio.application.use_cases.apply_identity_change import ApplyIdentityChange
from ignacio.application.use_cases.gateway_links import RecordConnectionUpdate
from ignacio.application.use_cases.receive_inbound import ReceiveInbound
from ignacio.application.use_cases.record_delivery_update import RecordDeliveryUpdate
from ignacio.application.use_cases.revise_inbound import ReviseInbound
from ignacio.domain import WebhookBatch

# Standard logging: the core takes no logging framework; the entrypoint renders these with structlog.
log = logging.getLogger(__name__)


class WebhookReceipt(msgspec.Struct, frozen=True, kw_only=True):
    stored: int
    duplicates: int
    updates: int
    ignored: int
    refused: int = 0
    revised: int = 0
    connections: int = 0
    identity_changes: int = 0


class ReceiveWebhook:
    """Apply each notice that a person's number or id changed first (so that the messages of
    the same delivery find them as they are now), then store each message (de-duplicated,
    unless its sender is refused), then take in each edit or deletion of an earlier message
    (which may be one of these), record each status update and each report on a number's
    link, and log what was ignored on    purpose, with the reason."""

    def __init__(
        self,
        receive: ReceiveInbound,
        revise: ReviseInbound,
        record: RecordDeliveryUpdate,
        connections: RecordConnectionUpdate,
        apply_change: ApplyIdentityChange,
    ) -> None:
        self._receive = receive
        self._revise = revise
        self._record = record
        self._connections = connections
        self._apply_change = apply_change

    async def __call__(self, batch: WebhookBatch) -> WebhookReceipt:
        stored = duplicates = updates = refused = revised = connections = changes = 0
        for change in batch.identity_changes:
            changes += (await self._apply_change(change)).applied
        for message in batch.messages:
            result = await self._receive(message)
            duplicates += result.duplicate
            refused += result.refused
            stored += result.message_id is not None
        for revision in batch.revisions:
            revised += (await self._revise(revision)).message_id is not None
        for update in batch.updates:
            updates += await self._record(update)
        for connection in batch.connections:
            connections += await self._connections(connection)
        for reason in batch.ignored:
            log.info("webhook item ignored", extra={"reason": reason})
        return WebhookReceipt(
            stored=stored,
            duplicates=duplicates,
            updates=updates,
            ignored=len(batch.ignored),
            refused=refused,
            revised=revised,
            connections=connections,
            identity_changes=changes,
        )
