"""A member's short-lived WhatsApp session in one workspace (seed 004): the conversation they
chose to write in (`/new`, `/switch`), the list `/switch N` counts in, and room for a step
waiting for their answer. It lives while they keep writing: each message renews it, and once it
has been idle for its time to live it is gone, and their messages go to their latest
conversation again."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

import msgspec

DEFAULT_SESSION_TTL = timedelta(minutes=30)
MAX_PENDING_LENGTH = 2_000


class MemberSession(msgspec.Struct, frozen=True, kw_only=True):
    """`conversation_id`: where the member's messages go while it lives (None: their latest
    conversation, as without a session); `listed`: the conversations of their last `/list`, in
    its order; `pending`: a step waiting for their answer (a confirmation, a command of several
    steps), named by whoever set it; `expires_at`: when it ends unless renewed."""

    workspace_id: UUID
    user_id: UUID
    conversation_id: UUID | None = None
    listed: tuple[UUID, ...] = ()
    pending: str | None = None
    expires_at: datetime

    def __post_init__(self) -> None:
        if self.pending is not None and len(self.pending) > MAX_PENDING_LENGTH:
            raise ValueError(f"A pending step has at most {MAX_PENDING_LENGTH} characters.")

    def alive(self, now: datetime) -> bool:
        return now < self.expires_at

    def renewed(self, now: datetime, ttl: timedelta) -> MemberSession:
        return msgspec.structs.replace(self, expires_at=now + ttl)
