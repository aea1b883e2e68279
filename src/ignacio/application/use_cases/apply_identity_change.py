"""ApplyIdentityChange: a person's WhatsApp number, id or security code changed."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import msgspec

from ignacio.application.auditing import Auditor
from ignacio.application.identities import find_sender
from ignacio.application.ports import Clock, IdGenerator, UnitOfWork, UnitOfWorkFactory
from ignacio.domain import (
    Conflict,
    IdentityChange,
    IdentityChangeKind,
    Sender,
    User,
    WhatsAppIdentity,
)

# Standard logging: the core takes no logging framework; the entrypoint renders these with structlog.
log = logging.getLogger(__name__)

_ATTEMPTS = 3


class IdentityChangeResult(msgspec.Struct, frozen=True, kw_only=True):
    """What became of the notice: `applied` (the member was changed), `conflict` (the new
    number or id is another member's: nothing moved), or neither (nobody to change, or nothing
    new)."""

    applied: bool = False
    conflict: bool = False


class ApplyIdentityChange:
    """Keep a member when the provider says their number or id changed (Meta's `system`
    notices), so their next message finds them, with their history, files and roles.

    - `user_changed_number`: the member (found by the old number or id, as a message would be)
      takes the new number; the new id Meta issues with it is added to their identities. The
      old id is kept too: a message sent before the change may arrive after it, and must still
      find them. Audited as `user.whatsapp_number_changed` (numbers masked).
    - `user_changed_user_id`: the new id is added the same way; audited as
      `user.whatsapp_id_changed`.
    - `customer_identity_changed` (the person's security code changed: a new phone, a
      reinstall): nothing of theirs changes, and nothing is answered; audited as
      `user.whatsapp_security_code_changed`, so an admin who worries about a stolen account
      can see when it happened.
    - If the new number or id already belongs to another member, nothing moves and nothing is
      merged: two members' histories and roles are joined only by a person who knows they are
      one. The clash is audited (`user.whatsapp_identity_conflict`) for the admins; meanwhile
      messages from the new number reach the member who has it.
    - A notice about nobody we know changes nothing: the person's next message finds or makes
      their member as usual. A notice repeated (Meta retries) changes nothing the second time.
    """

    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, ids: IdGenerator, auditor: Auditor
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._ids = ids
        self._auditor = auditor

    async def __call__(self, change: IdentityChange) -> IdentityChangeResult:
        for attempt in range(1, _ATTEMPTS + 1):
            try:
                async with self._uow() as uow:
                    result = await self._apply(uow, change)
                    await uow.commit()
                return result
            except Conflict:
                # A message from the new number or id made its member meanwhile: look again.
                if attempt == _ATTEMPTS:
                    raise
        raise AssertionError("unreachable")

    async def _apply(self, uow: UnitOfWork, change: IdentityChange) -> IdentityChangeResult:
        member = (await find_sender(uow, change.provider, change.who)).member
        if member is None:
            log.info(
                "a WhatsApp identity notice about nobody known; ignored",
                extra={"sender": change.who.masked(), "kind": change.kind.value},
            )
            return IdentityChangeResult()
        if change.kind is IdentityChangeKind.SECURITY_CODE:
            await self._auditor.record(
                uow,
                None,
                "user.whatsapp_security_code_changed",
                "user",
                member.id,
                by="whatsapp",
            )
            return IdentityChangeResult(applied=True)
        now = self._clock.now()
        other = await self._other_holder(uow, change, member)
        if other is not None:
            await self._auditor.record(
                uow,
                None,
                "user.whatsapp_identity_conflict",
                "user",
                member.id,
                by="whatsapp",
                change=change.kind.value,
                held_by=str(other.id),
                **self._new_values(change),
            )
            log.warning(
                "a member's new WhatsApp number or id is another member's; nothing moved",
                extra={"sender": change.who.masked()},
            )
            return IdentityChangeResult(conflict=True)
        added = await self._add_new_id(uow, change, member, now)
        after = member.with_phone(change.new_phone, now) if change.new_phone else member
        if after is not member:
            await uow.users.update(after)
        if after is member and not added:
            return IdentityChangeResult()
        action = (
            "user.whatsapp_number_changed"
            if change.kind is IdentityChangeKind.NUMBER
            else "user.whatsapp_id_changed"
        )
        details: dict[str, Any] = {"by": "whatsapp", **self._new_values(change)}
        if change.kind is IdentityChangeKind.NUMBER:
            details["previous"] = member.phone.masked() if member.phone else None
        await self._auditor.record(uow, None, action, "user", member.id, **details)
        return IdentityChangeResult(applied=True)

    async def _other_holder(
        self, uow: UnitOfWork, change: IdentityChange, member: User
    ) -> User | None:
        """Another member who has the new number or the new id already, if any."""
        if change.new_phone is not None:
            holder = await uow.users.get_by_phone(change.new_phone)
            if holder is not None and holder.id != member.id:
                return holder
        if change.new_user_id is not None:
            identity = await uow.identities.find(
                change.provider, change.who.account, change.new_user_id.value
            )
            if identity is not None and identity.user_id != member.id:
                return await uow.users.get(identity.user_id)
        return None

    async def _add_new_id(
        self, uow: UnitOfWork, change: IdentityChange, member: User, now: datetime
    ) -> bool:
        """Add the new id to the member's identities; False if it was theirs already."""
        if change.new_user_id is None:
            return False
        existing = await uow.identities.find(
            change.provider, change.who.account, change.new_user_id.value
        )
        if existing is not None:
            return False
        sender = Sender(
            phone=change.new_phone,
            user_id=change.new_user_id,
            account=change.who.account,
            parent_user_id=change.new_parent_user_id,
            username=change.who.username,
        )
        await uow.identities.add(
            WhatsAppIdentity.of(
                id=self._ids.new_id(),
                user_id=member.id,
                provider=change.provider,
                sender=sender,
                at=now,
            )
        )
        return True

    @staticmethod
    def _new_values(change: IdentityChange) -> dict[str, Any]:
        values: dict[str, Any] = {}
        if change.new_phone is not None:
            values["to"] = change.new_phone.masked()
        if change.new_user_id is not None:
            values["new_id"] = change.new_user_id.masked()
        return values
