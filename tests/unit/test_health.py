"""Health: the backlog rule, the checks' own rules, the cache in front of providers, and the
use cases on the memory set (the public check and the admins' wider one)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from uuid import uuid4

import pytest

from ignacio.application.health_cache import CachedProbe
from ignacio.application.use_cases.check_health import CheckHealth
from ignacio.application.use_cases.create_user import CreateUserCommand
from ignacio.application.workspaces import default_workspace
from ignacio.domain import (
    BacklogPolicy,
    CheckName,
    Conversation,
    HealthCheck,
    InvalidInput,
    Message,
    PermissionDenied,
    ProcessingState,
)
from ignacio.domain.conversations import Author, Channel
from tests.support.fakes import FakeClock
from tests.support.system import System

# --- the backlog rule ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("waiting", "waited", "ok", "detail"),
    [
        (0, None, True, "nothing waiting"),
        (1, timedelta(seconds=20), True, "1 waiting, for under a minute"),
        (4, timedelta(seconds=59), True, "4 waiting, the oldest for under a minute"),
        (4, timedelta(minutes=3, seconds=10), True, "4 waiting, the oldest for 3 min"),
        (4, timedelta(minutes=5), True, "4 waiting, the oldest for 5 min"),
        (12, timedelta(minutes=5, seconds=1), False, "12 waiting, the oldest for 5 min: more"),
        (2, timedelta(hours=3, minutes=7), False, "2 waiting, the oldest for 3 h 7 min: more"),
    ],
)
def test_the_backlog_is_a_problem_once_the_oldest_waited_past_the_limit(
    waiting: int, waited: timedelta | None, ok: bool, detail: str
) -> None:
    clock = FakeClock()
    oldest = None if waited is None else clock.now() - waited
    check = BacklogPolicy(limit=timedelta(minutes=5)).check(waiting, oldest, clock.now())
    assert (check.name, check.ok) == (CheckName.QUEUE, ok)
    assert check.detail.startswith(detail)
    if not ok:
        assert "worker" in check.detail


def test_a_failed_check_says_why_and_stays_short() -> None:
    with pytest.raises(InvalidInput):
        HealthCheck(name="database", ok=False, detail="ok")
    with pytest.raises(InvalidInput):
        HealthCheck(name="database", ok=True, detail=" ")
    long = HealthCheck.failed("model", "x" * 1000)
    assert len(long.detail) == 300
    assert long.detail.endswith("...")


# --- the cache in front of providers ------------------------------------------------------------


class CountingProbe:
    def __init__(self, *results: HealthCheck, delay: float = 0) -> None:
        self.results = list(results)
        self.calls = 0
        self.delay = delay

    async def check(self) -> HealthCheck:
        self.calls += 1
        await asyncio.sleep(self.delay)
        return self.results[min(self.calls, len(self.results)) - 1]


async def test_a_cached_probe_asks_at_most_once_per_period() -> None:
    clock = FakeClock()
    down = HealthCheck.failed("whatsapp", "Meta refused the access token")
    probe = CountingProbe(down, HealthCheck.passed("whatsapp"))
    cached = CachedProbe(probe, clock, timedelta(minutes=5))

    first = await cached.check()
    clock.advance(minutes=4, seconds=59)
    second = await cached.check()
    clock.advance(seconds=1)
    third = await cached.check()

    assert [first, second, third] == [down, down, HealthCheck.passed("whatsapp")]
    assert probe.calls == 2


async def test_admins_asking_at_once_share_one_request() -> None:
    probe = CountingProbe(HealthCheck.passed("model"), delay=0.05)
    cached = CachedProbe(probe, FakeClock(), timedelta(minutes=5))
    results = await asyncio.gather(*(cached.check() for _ in range(5)))
    assert results == [HealthCheck.passed("model")] * 5
    assert probe.calls == 1


# --- the use cases ------------------------------------------------------------------------------


async def test_probes_are_asked_side_by_side_and_reported_in_order() -> None:
    slow = [CountingProbe(HealthCheck.passed(name), delay=0.2) for name in ("a", "b", "c")]
    started = asyncio.get_running_loop().time()
    report = await CheckHealth([*slow, CountingProbe(HealthCheck.failed("d", "down"))])()
    assert asyncio.get_running_loop().time() - started < 0.5
    assert [check.name for check in report.checks] == ["a", "b", "c", "d"]
    assert not report.healthy
    assert report.problems == [HealthCheck.failed("d", "down")]


async def test_the_public_check_is_the_database_only(system: System) -> None:
    report = await system.container.check_health()()
    assert report.healthy
    assert report.checks == [HealthCheck.passed("database")]


async def test_admins_see_every_dependency_on_the_memory_set(system: System) -> None:
    admin = await system.container.create_user()(
        None, CreateUserCommand(phone="+34600000001", name="Ana", is_admin=True)
    )
    report = await system.container.check_system_health()(admin)
    assert report.healthy
    assert report.checks == [
        HealthCheck.passed("database"),
        HealthCheck.passed("storage", "in memory (nothing to check)"),
        HealthCheck.passed("queue", "nothing waiting"),
        HealthCheck.passed("whatsapp", "console (nothing to check)"),
        HealthCheck.passed("model", "offline assistant (no model configured)"),
    ]


async def test_a_stuck_whatsapp_message_makes_the_system_unhealthy_but_not_the_instance(
    system: System,
) -> None:
    admin = await system.container.create_user()(
        None, CreateUserCommand(phone="+34600000001", name="Ana", is_admin=True)
    )
    now = system.clock.now()
    async with system.container.uow()() as uow:
        home = await default_workspace(uow)
    chat = Conversation(
        id=uuid4(),
        workspace_id=home.id,
        user_id=admin.id,
        channel=Channel.WHATSAPP,
        created_at=now,
        updated_at=now,
    )
    stuck = Message(
        id=uuid4(),
        workspace_id=home.id,
        conversation_id=chat.id,
        user_id=admin.id,
        author=Author.MEMBER,
        content="¿hola?",
        channel=Channel.WHATSAPP,
        processing=ProcessingState.PENDING,
        created_at=now,
    )
    async with system.container.uow()() as uow:
        await uow.conversations.add(chat)
        await uow.messages.add(stuck)
        await uow.commit()
    system.clock.advance(minutes=8)

    report = await system.container.check_system_health()(admin)

    assert not report.healthy
    assert [check.name for check in report.problems] == ["queue"]
    assert report.problems[0].detail.startswith("1 waiting, for 8 min")
    assert (await system.container.check_health()()).healthy


async def test_members_may_not_see_the_systems_health(system: System) -> None:
    member = await system.container.create_user()(
        None, CreateUserCommand(phone="+34600000002", name="Marta")
    )
    with pytest.raises(PermissionDenied):
        await system.container.check_system_health()(member)
