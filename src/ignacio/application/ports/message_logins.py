"""MessageLoginRepository port: logins (and links) by a code sent from WhatsApp."""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import Protocol
from uuid import UUID

from ignacio.domain.message_login import MessageLogin


class MessageLoginRepository(Protocol):
    async def add(self, login: MessageLogin) -> None:
        """Store a new challenge; raises Conflict if another challenge of its workspace holds
        the same code hash (codes are unique among a workspace's claimable ones)."""
        ...

    async def get(self, login_id: UUID) -> MessageLogin | None:
        """The challenge with this id, whatever its state, or None."""
        ...

    async def waiting_with_code(
        self, workspace_id: UUID, code_hash: str, now: datetime
    ) -> MessageLogin | None:
        """The workspace's challenge waiting for this code and not expired at `now`, or None."""
        ...

    async def claims_of(self, workspace_id: UUID, member_id: UUID) -> builtins.list[MessageLogin]:
        """The member's claims in the workspace whose answer is awaited (state CLAIMED, expired
        or not), newest first."""
        ...

    async def replace(self, current: MessageLogin, after: MessageLogin) -> bool:
        """Store `after` in place of `current` (the same challenge) in one atomic step, only if
        the stored one is still in `current`'s state; False, storing nothing, when another
        change came first. Of concurrent callers moving it from one state, one wins."""
        ...

    async def prune(self, before: datetime, limit: int) -> int:
        """Forget at most `limit` challenges, of any workspace, that expired before `before`,
        oldest first; how many were forgotten."""
        ...

    async def release_expired(self, workspace_id: UUID, now: datetime) -> None:
        """Forget the code hashes of the workspace's challenges expired at `now` (their codes
        may be drawn again), and delete the challenges that expired over an hour before."""
        ...
