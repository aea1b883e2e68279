"""A workspace's dashboard (`/workspaces/{id or short name}/dashboard`): its activity over a
period, day by day, for its team."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from litestar import Controller, get
from litestar.di import NamedDependency, Provide
from litestar.params import QueryParameter

from ignacio.application.use_cases.dashboard import DashboardQuery, GetDashboard
from ignacio.domain.workspaces import WorkspaceAccess
from ignacio.entrypoints.http.dashboard_schemas import DashboardOut
from ignacio.entrypoints.http.dependencies import provide_named_workspace
from ignacio.entrypoints.http.error_responses import NAMED_WORKSPACE, error_responses

SinceQuery = Annotated[
    date | None,
    QueryParameter(description="The first day (YYYY-MM-DD); 30 days before `until` if left out."),
]
UntilQuery = Annotated[
    date | None,
    QueryParameter(
        description="The day after the last one (YYYY-MM-DD); tomorrow, so that today is the "
        "last day, if left out."
    ),
]
TimeZoneQuery = Annotated[
    str,
    QueryParameter(
        name="timeZone",
        max_length=64,
        description="The calendar the days follow: an IANA time zone such as `Europe/Madrid`.",
    ),
]


class DashboardController(Controller):
    path = "/workspaces/{workspace:str}/dashboard"
    tags = ["dashboard"]
    dependencies = {NAMED_WORKSPACE: Provide(provide_named_workspace)}

    @get("/", responses=error_responses(403, 404))
    async def dashboard(
        self,
        team_access: NamedDependency[WorkspaceAccess],
        get_dashboard: NamedDependency[GetDashboard],
        since: SinceQuery = None,
        until: UntilQuery = None,
        time_zone: TimeZoneQuery = "UTC",
    ) -> DashboardOut:
        """The workspace's activity over a period of at most 366 days, day by day, for its
        agents and admins: conversations and messages by channel, handoffs and the wait for a
        person, the assistant's answer times (p50, p95), failed deliveries by reason, and the
        models' tokens. Counted by the database when asked; 400 for a period that is not one
        (`since` not before `until`, longer than 366 days, an unknown time zone)."""
        activity = await get_dashboard(
            team_access, DashboardQuery(since=since, until=until, time_zone=time_zone)
        )
        return DashboardOut.of(activity)


__all__ = ["DashboardController"]
