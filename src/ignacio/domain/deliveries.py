"""Outgoing messages on their way to a person, one part at a time."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from uuid import UUID

import msgspec

from ignacio.domain.conversations import DeliveryStatus, Message
from ignacio.domain.inbound import DeliveryUpdate

_PROGRESS = {
    DeliveryStatus.PENDING: 0,
    DeliveryStatus.SENT: 1,
    DeliveryStatus.DELIVERED: 2,
    DeliveryStatus.READ: 3,
}


class Delivery(msgspec.Struct, frozen=True, kw_only=True):
    """One part of an outgoing message (long answers are split) and what became of it.

    `sending` is set just before the provider is called: a part found `sending` after a crash may
    or may not have gone out, and is never sent again, so nobody receives an answer twice.
    """

    id: UUID
    workspace_id: UUID  # its message's
    message_id: UUID
    part: int
    content: str
    status: DeliveryStatus = DeliveryStatus.PENDING
    sending: bool = False
    external_id: str | None = None
    attempts: int = 0
    error_code: int | None = None
    error_title: str | None = None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def parts_of(
        cls, message: Message, contents: Iterable[str], new_id: Callable[[], UUID], at: datetime
    ) -> list[Delivery]:
        """The parts of `message` to send, in order, none sent yet, in its workspace."""
        return [
            cls(
                id=new_id(),
                workspace_id=message.workspace_id,
                message_id=message.id,
                part=number,
                content=content,
                created_at=at,
                updated_at=at,
            )
            for number, content in enumerate(contents)
        ]

    def released(self, attempts: int) -> Delivery:
        """Not sent after `attempts` tries, and free to be tried again."""
        return msgspec.structs.replace(self, attempts=attempts, sending=False)

    def sent(self, attempts: int, external_id: str | None) -> Delivery:
        """Accepted by the provider, under its id, on try number `attempts`."""
        return msgspec.structs.replace(
            self,
            attempts=attempts,
            sending=False,
            status=DeliveryStatus.SENT,
            external_id=external_id,
        )

    def failed(self, code: int | None, title: str, at: datetime) -> Delivery:
        """Given up on, with the provider's reason (its code, when it gave one)."""
        return msgspec.structs.replace(
            self,
            status=DeliveryStatus.FAILED,
            sending=False,
            error_code=code,
            error_title=title,
            updated_at=at,
        )

    def reported(self, update: DeliveryUpdate, at: datetime) -> Delivery:
        """After the provider's report: the status only moves forward (`advanced`), and a
        failure keeps the provider's reason. Nothing new, the same delivery comes back."""
        status = advanced(self.status, update.status)
        if status is self.status:
            return self
        failed = status is DeliveryStatus.FAILED
        return msgspec.structs.replace(
            self,
            status=status,
            error_code=update.error_code if failed else self.error_code,
            error_title=update.error_title if failed else self.error_title,
            updated_at=at,
        )

    def touched(self, at: datetime) -> Delivery:
        return msgspec.structs.replace(self, updated_at=at)


def advanced(current: DeliveryStatus, reported: DeliveryStatus) -> DeliveryStatus:
    """The status after a report: statuses only move forward (a late `delivered` after `read` is
    ignored), and `failed` is final."""
    if current is DeliveryStatus.FAILED:
        return current
    if reported is DeliveryStatus.FAILED:
        return reported
    if _PROGRESS.get(reported, -1) > _PROGRESS.get(current, -1):
        return reported
    return current


def overall(statuses: list[DeliveryStatus]) -> DeliveryStatus:
    """A message's status from its parts': failed if any failed, else the least advanced."""
    if not statuses:
        return DeliveryStatus.PENDING
    if DeliveryStatus.FAILED in statuses:
        return DeliveryStatus.FAILED
    return min(statuses, key=lambda status: _PROGRESS.get(status, 0))


def settled(answer: Message, parts: list[Delivery]) -> Message:
    """The answer with its parts' overall status, and the provider's id of its first sent part
    (status reports about the message name that id)."""
    first_sent = next((part.external_id for part in parts if part.external_id), None)
    return msgspec.structs.replace(
        answer,
        delivery_status=overall([part.status for part in parts]),
        external_message_id=answer.external_message_id or first_sent,
    )


# What a provider's refusal means for the person who reads it in the inbox, by its code (Meta's
# Cloud API, then Twilio's); the provider's own words stay beside it.
_EXPLAINED: dict[int, str] = {
    131047: "More than 24 hours have passed since the member last wrote: only an approved "
    "template can reach them until they write again.",
    131026: "This number cannot receive the message: it may not be on WhatsApp, may use an old "
    "version, or has not accepted WhatsApp's latest terms.",
    131049: "Meta chose not to deliver it, to keep the member's experience healthy (too many "
    "business messages lately). Try later, or wait for the member to write.",
    131050: "The member has stopped marketing messages from this business.",
    131056: "WhatsApp kept refusing it as too many messages to this person in a short time, "
    "even after waiting: try again later.",
    130429: "WhatsApp kept refusing it as over the number's sending rate, even after waiting: "
    "try again later, or ask Meta for a higher throughput.",
    131021: "The recipient is the workspace's own number.",
    131031: "The business account is locked by Meta; its admins must check the WhatsApp Manager.",
    131042: "The business account has a payment problem; its admins must check the WhatsApp Manager.",
    132000: "The template's variables do not match what Meta approved.",
    132001: "This template does not exist at Meta in this language.",
    132015: "Meta paused this template for low quality.",
    132016: "Meta disabled this template for low quality.",
    131051: "WhatsApp does not support this kind of message.",
    131053: "The media could not be uploaded to WhatsApp.",
    190: "The number's access token is invalid or expired: an admin must connect it again.",
    63016: "More than 24 hours have passed since the member last wrote: only an approved "
    "template can reach them until they write again.",
    63024: "This number cannot receive WhatsApp messages.",
    63027: "This template does not exist at Twilio, or was not approved.",
    21211: "The number is not a valid phone number.",
}


def explain_failure(code: int | None, provider_title: str | None) -> str:
    """A failed delivery, said for a person of the team: what it means and what to do; the
    provider's own words when the code is not one we know."""
    if code is not None and code in _EXPLAINED:
        return _EXPLAINED[code]
    return provider_title or "The provider refused the message without saying why."
