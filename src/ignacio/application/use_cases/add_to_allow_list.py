"""AddToAllowList: an admin lets a number talk to the workspace's assistant on WhatsApp."""

from __future__ import annotations

import msgspec

from ignacio.application.auditing import Auditor
from ignacio.application.ports import Clock, IdGenerator, UnitOfWorkFactory
from ignacio.domain import AllowedNumber, PhoneNumber
from ignacio.domain.access import check_note
from ignacio.domain.workspaces import WorkspaceAccess


class AddToAllowListCommand(msgspec.Struct, frozen=True, kw_only=True):
    phone: str
    note: str | None = None


class AddToAllowList:
    """Put a phone number on the workspace's allow-list (it matters when access is
    `whitelist`).

    - The workspace's admins (and platform admins) only.
    - The number must be a valid phone number; a number is listed once per workspace (409 the
      second time).
    - Recorded in the audit log, without the number.
    """

    def __init__(
        self, uow: UnitOfWorkFactory, auditor: Auditor, clock: Clock, ids: IdGenerator
    ) -> None:
        self._uow = uow
        self._auditor = auditor
        self._clock = clock
        self._ids = ids

    async def __call__(
        self, access: WorkspaceAccess, command: AddToAllowListCommand
    ) -> AllowedNumber:
        access.require_admin()
        note = check_note(command.note) if command.note is not None else None
        phone = PhoneNumber.parse(command.phone)
        async with self._uow() as uow:
            entry = AllowedNumber(
                id=self._ids.new_id(),
                workspace_id=access.workspace.id,
                phone=phone,
                note=note or None,
                added_by=access.user.id,
                created_at=self._clock.now(),
            )
            await uow.allow_list.add(entry)
            await self._auditor.record(
                uow,
                entry.added_by,
                "allowlist.add",
                "allowed_number",
                entry.id,
                workspace_id=entry.workspace_id,
            )
            await uow.commit()
        return entry
