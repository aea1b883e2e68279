"""Live updates for the web app: a stream of what changes in the conversations a person may see,
and forgetting events once no client can need them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from ignacio.application.live_feed import EventStream, LiveFeed
from ignacio.application.ports import AccessTokens, Clock, UnitOfWork, UnitOfWorkFactory
from ignacio.domain.events import Audience
from ignacio.domain.workspaces import WorkspaceAccess


class OpenEventStream:
    """A stream of the changes in a workspace's conversations (see `LiveFeed`).

    - The team's stream (`team`: the workspace's agents and admins, platform admins) has every
      conversation of the workspace; anyone else's, only their own conversations there.
    - From after `last_event_id` when the client gives one (what it missed first), else from now.
    - It ends when the access token that opened it expires, or after `lifetime` at most: the
      client reconnects with a fresh token, so that a session ended or a role taken away ends
      what the person sees live, as it ends what they read.
    """

    def __init__(
        self, feed: LiveFeed, tokens: AccessTokens, clock: Clock, lifetime: timedelta
    ) -> None:
        self._feed = feed
        self._tokens = tokens
        self._clock = clock
        self._lifetime = lifetime

    async def __call__(
        self,
        access: WorkspaceAccess,
        access_token: str,
        *,
        team: bool,
        last_event_id: int | None = None,
    ) -> EventStream:
        if team:
            access.require_team()
        now = self._clock.now()
        expires = self._tokens.read(access_token, now).expires_at
        return await self._feed.open(
            access.workspace.id,
            Audience(user_id=access.user.id, team=team),
            until=min(expires, now + self._lifetime),
            last_event_id=last_event_id,
        )


PRUNE_BATCH = 5_000
PRUNE_BATCHES = 20
"""At most this many batches a run: a sweep stays short, and the next one goes on."""


Pruner = Callable[[datetime, int], Awaitable[int]]
"""A repository's `prune(before, limit)`."""

SESSIONS_KEPT = timedelta(days=30)
"""How long an expired (or revoked) session is kept: the profile page lists live ones only,
and the audit log keeps who logged in when."""
MESSAGE_LOGINS_KEPT = timedelta(days=1)
"""How long a login by message is kept after it expired (every one does, whatever became of
it): its claim, confirmation or refusal is in the audit log."""


class PruneEnded:
    """Forget what has ended (run by the periodic sweep): live events older than `retention`
    (a client away longer reloads what it shows instead of catching up: `reset`), sessions
    expired over `SESSIONS_KEPT` ago, logins by message expired over `MESSAGE_LOGINS_KEPT`
    ago. Each deletes in bounded batches, oldest first, each its own transaction, so that a
    run never holds locks for long; what a run leaves, the next one takes."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, retention: timedelta) -> None:
        self._uow = uow
        self._clock = clock
        self._retention = retention

    async def __call__(self) -> int:
        now = self._clock.now()
        kinds: tuple[tuple[Callable[[UnitOfWork], Pruner], datetime], ...] = (
            (lambda uow: uow.events.prune, now - self._retention),
            (lambda uow: uow.sessions.prune, now - SESSIONS_KEPT),
            (lambda uow: uow.message_logins.prune, now - MESSAGE_LOGINS_KEPT),
        )
        forgotten = 0
        for pruner, before in kinds:
            for _ in range(PRUNE_BATCHES):
                async with self._uow() as uow:
                    pruned = await pruner(uow)(before, PRUNE_BATCH)
                    await uow.commit()
                forgotten += pruned
                if pruned < PRUNE_BATCH:
                    break
        return forgotten
