"""A workspace's dashboard: its activity over a period, day by day, for its team.

Decided here: the workspace's agents see it, as its admins and the platform's admins do
(Chatwoot shows its reports to administrators only). Its figures are the team's own work (the
waiting line, how long people waited for a person, what did not reach members, how fast the
assistant answered) and name nobody: counts, times and models, never a member, a message or a
number. Reading it is not audited, as reading the inbox is not: nothing personal is read.
"""

from __future__ import annotations

from datetime import date

import msgspec

from ignacio.application.ports import Clock
from ignacio.application.ports.statistics import WorkspaceActivity, WorkspaceStatistics
from ignacio.domain.statistics import Period
from ignacio.domain.workspaces import WorkspaceAccess


class DashboardQuery(msgspec.Struct, frozen=True, kw_only=True):
    """The period asked for: days from `since` up to, not including, `until`, on the calendar
    of `time_zone`. Left out, `until` is tomorrow there (today is the last day) and `since` 30
    days before `until`."""

    since: date | None = None
    until: date | None = None
    time_zone: str = "UTC"


class GetDashboard:
    """The workspace's activity over a period (at most 366 days; InvalidInput otherwise), for
    its agents and admins and for platform admins (PermissionDenied for its members)."""

    def __init__(self, statistics: WorkspaceStatistics, clock: Clock) -> None:
        self._statistics = statistics
        self._clock = clock

    async def __call__(self, access: WorkspaceAccess, query: DashboardQuery) -> WorkspaceActivity:
        access.require_team()
        period = Period.ending_today(
            self._clock.now(), query.time_zone, since=query.since, until=query.until
        )
        return await self._statistics.activity(access.workspace.id, period)
