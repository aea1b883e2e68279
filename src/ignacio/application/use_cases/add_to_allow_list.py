"""AddToAllowList: an admin lets a number talk to Ignacio on WhatsApp."""

from __future__ import annotations

import msgspec

from ignacio.application.auditing import Auditor
from ignacio.application.authorization import require_admin
from ignacio.application.ports import Clock, IdGenerator, UnitOfWorkFactory
from ignacio.application.workspaces import default_workspace
from ignacio.domain import AllowedNumber, PhoneNumber, User
from ignacio.domain.access import check_note


class AddToAllowListCommand(msgspec.Struct, frozen=True, kw_only=True):
    phone: str
    note: str | None = None


class AddToAllowList:
    """Put a phone number on the allow-list (it matters when access is `whitelist`).

    - Admins only; `actor` None is the operator at the command line.
    - The number must be a valid phone number; a number is listed once per workspace (409 the
      second time). Today every number goes on the default workspace's list.
    - Recorded in the audit log, without the number.
    """

    def __init__(
        self, uow: UnitOfWorkFactory, auditor: Auditor, clock: Clock, ids: IdGenerator
    ) -> None:
        self._uow = uow
        self._auditor = auditor
        self._clock = clock
        self._ids = ids

    async def __call__(self, actor: User | None, command: AddToAllowListCommand) -> AllowedNumber:
        if actor is not None:
            require_admin(actor)
        note = check_note(command.note) if command.note is not None else None
        phone = PhoneNumber.parse(command.phone)
        async with self._uow() as uow:
            entry = AllowedNumber(
                id=self._ids.new_id(),
                workspace_id=(await default_workspace(uow)).id,
                phone=phone,
                note=note or None,
                added_by=actor.id if actor else None,
                created_at=self._clock.now(),
            )
            await uow.allow_list.add(entry)
            await self._auditor.record(
                uow, entry.added_by, "allowlist.add", "allowed_number", entry.id
            )
            await uow.commit()
        return entry
