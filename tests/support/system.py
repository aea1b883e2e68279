"""A whole Ignacio in one process: the real container, with fakes where the world would be."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ignacio.adapters.memory import ClockedRateLimiter
from ignacio.application.pacing import Pacer
from ignacio.application.use_cases.request_otp import RequestOtpCommand
from ignacio.application.use_cases.verify_otp import VerifyOtpCommand, VerifyOtpResult
from ignacio.domain import RetryPolicy, User
from ignacio.domain.workspaces import WorkspaceAccess
from ignacio.entrypoints.config import Settings
from ignacio.entrypoints.container import Container, build_container
from ignacio.entrypoints.runtime import login_code_sender
from tests.support.fakes import (
    TEST_APP_SECRET,
    TEST_JWT_SECRET,
    TEST_PHONE_KEY,
    TEST_VERIFY_TOKEN,
    EchoAssistant,
    FakeClock,
    FakeMediaFetcher,
    RecordingChannel,
    RecordingQueue,
)


def settings_for_tests(**variables: Any) -> Settings:
    """Settings as the environment gives them, keyed by variable name (`IGNACIO_QUEUE=...`);
    values may be strings, as from the environment, or already typed (paths, enums, numbers)."""
    values: dict[str, Any] = {
        "IGNACIO_DATABASE_URL": "memory://",
        "JWT_SECRET_KEY": TEST_JWT_SECRET,
        "IGNACIO_PHONE_KEY": TEST_PHONE_KEY,
        "WHATSAPP_APP_SECRET": TEST_APP_SECRET,
        "WHATSAPP_VERIFY_TOKEN": TEST_VERIFY_TOKEN,
        # Tests send a member many messages at one instant of a fake clock: no spacing unless a
        # test asks for it (the pacing tests do; the throughput limit holds everywhere).
        "IGNACIO_WHATSAPP_PAIR_INTERVAL_SECONDS": 0,
        # Bursts wait on the clock, which tests hold still: each message is answered on its
        # own unless a test asks for bursts (and moves its clock).
        "IGNACIO_BURST_QUIET_SECONDS": 0,
    }
    values.update(variables)
    return Settings.from_variables(values)


@dataclass
class System:
    container: Container
    clock: FakeClock
    channel: RecordingChannel
    assistant: EchoAssistant
    media: FakeMediaFetcher

    async def settle(self) -> None:
        """Wait until acknowledged webhooks are stored and every job they led to has run."""
        queue = self.container.job_queue()
        await self.container.drain_requests().settled()
        await queue.idle()

    async def code_for(self, phone: str) -> str:
        """The last code sent to `phone`, once the jobs sending requested codes have run."""
        queue = self.container.job_queue()
        if isinstance(queue, RecordingQueue):
            # The test runs jobs by hand: these ones, it leaves to us.
            while queue.login_codes:
                await self.container.send_login_code()(queue.login_codes.pop(0))
        else:
            await self.settle()
        return self.channel.last_code(phone)

    async def access(self, user: User, workspace: str | None = None) -> WorkspaceAccess:
        """What `user` may do in `workspace` (an id or short name), or in their only one: as an
        HTTP request resolves it from the `Ignacio-Workspace` header."""
        return await self.container.resolve_workspace()(user, workspace)

    async def login(self, phone: str) -> VerifyOtpResult:
        await self.container.request_otp()(RequestOtpCommand(phone=phone))
        return await self.container.verify_otp()(
            VerifyOtpCommand(phone=phone, code=await self.code_for(phone))
        )


def build_system(
    settings: Settings | None = None, *, fake_clock: bool = True, real_channel: bool = False
) -> System:
    """`real_channel`: keep the container's own channel and media fetcher (a provider adapter
    talking to a local fake of the provider), instead of the recording fakes."""
    container = build_container(settings or settings_for_tests())
    clock = FakeClock()
    channel = RecordingChannel()
    assistant = EchoAssistant()
    media = FakeMediaFetcher()
    if not real_channel:
        container.media_fetcher.override(media)
        container.channel.override(channel)
    # Retries wait milliseconds in tests; the policy's shape is tested on its own.
    container.retry_policy.override(RetryPolicy(base_seconds=0.001, max_seconds=0.01))
    if fake_clock:
        container.clock.override(clock)
        # Turns counted on the test's clock; a short wait for one moves the clock on.
        pacing = container.pacer().pacing
        container.pacer.override(Pacer(ClockedRateLimiter(clock), pacing, sleep=clock.sleep))
    container.assistant.override(assistant)
    # Requested login codes are sent by a job; `start_processing` (the app's start) binds the
    # other jobs too, which use-case tests run by hand.
    container.job_queue().bind(login_code=login_code_sender(container))
    return System(
        container=container, clock=clock, channel=channel, assistant=assistant, media=media
    )
