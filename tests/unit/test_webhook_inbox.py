"""AcceptWebhook, DrainWebhookInbox and DrainRequests: a signed delivery is kept before its 200,
stored right after, and nothing in it is lost or stored twice, whatever fails on the way."""

from __future__ import annotations

import asyncio
import itertools
import json
from datetime import datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from ignacio.adapters.memory import InMemoryWebhookInbox
from ignacio.application.ports import DeliveryItems, RateLimit
from ignacio.application.use_cases.accept_webhook import DrainRequests
from ignacio.application.use_cases.drain_webhook_inbox import RETRY_SECONDS
from ignacio.application.use_cases.receive_inbound import INBOUND_LIMIT_KEY
from ignacio.application.workspaces import default_workspace
from ignacio.domain import (
    Channel,
    InvalidInput,
    PageRequest,
    PhoneNumber,
    Provider,
    WebhookBatch,
)
from tests.fuzz.test_openapi import mutated_deliveries
from tests.support.fake_graph import delivery_status, inbound_text, webhook_body
from tests.support.fakes import RecordingQueue
from tests.support.system import System, build_system

ANA, LUIS = "+34612345678", "+34612345679"


@pytest.fixture
def queue() -> RecordingQueue:
    return RecordingQueue()


@pytest.fixture
def system(queue: RecordingQueue) -> System:
    system = build_system()
    system.container.job_queue.override(queue)
    return system


def inbox(system: System) -> InMemoryWebhookInbox:
    kept = system.container.webhook_inbox()
    assert isinstance(kept, InMemoryWebhookInbox)
    return kept


async def accept(system: System, body: bytes) -> None:
    await system.container.accept_webhook()(Provider.WHATSAPP_CLOUD, body)
    await system.container.drain_requests().settled()


async def member_texts(system: System, phone: str) -> list[str]:
    async with system.container.uow()() as uow:
        user = await uow.users.get_by_phone(PhoneNumber.parse(phone))
        if user is None:
            return []
        conversation = await uow.conversations.latest_for(
            (await default_workspace(uow)).id, user.id, Channel.WHATSAPP
        )
        assert conversation is not None
        page = await uow.messages.list(
            conversation.workspace_id, conversation.id, PageRequest(limit=100)
        )
    return sorted(message.content for message in page.items)


async def test_a_delivery_is_kept_then_stored_by_the_drain(
    system: System, queue: RecordingQueue
) -> None:
    await accept(system, inbound_text(ANA, "Hola", message_id="wamid.A"))

    assert await inbox(system).waiting() == 1
    assert await member_texts(system, ANA) == []
    assert queue.drains == 1

    assert await system.container.drain_webhook_inbox()() is None

    assert await inbox(system).waiting() == 0
    assert await member_texts(system, ANA) == ["Hola"]
    assert len(queue.queued) == 1  # its answer


async def test_a_body_that_is_not_the_providers_format_is_refused_and_not_kept(
    system: System, queue: RecordingQueue
) -> None:
    with pytest.raises(InvalidInput):
        await accept(system, b"[not an object")

    assert await inbox(system).waiting() == 0
    assert queue.drains == 0


async def test_a_delivery_with_nothing_to_store_is_not_kept(
    system: System, queue: RecordingQueue
) -> None:
    accepted = await system.container.accept_webhook()(
        Provider.WHATSAPP_CLOUD, b'{"object": "page", "entry": []}'
    )

    assert accepted == DeliveryItems(messages=0, updates=0)
    assert await inbox(system).waiting() == 0
    assert queue.drains == 0


async def test_status_updates_go_through_the_inbox_too(system: System) -> None:
    await accept(system, delivery_status("wamid.OUT1", "delivered", ANA))

    assert await inbox(system).waiting() == 1
    assert await system.container.drain_webhook_inbox()() is None
    assert await inbox(system).waiting() == 0


async def test_a_delivery_accepted_three_times_is_stored_once(system: System) -> None:
    body = inbound_text(ANA, "Hola", message_id="wamid.A")
    for _ in range(3):
        await accept(system, body)

    await system.container.drain_webhook_inbox()()

    assert await member_texts(system, ANA) == ["Hola"]


async def test_a_changed_number_is_applied_before_the_messages_drained_with_it(
    system: System,
) -> None:
    await accept(system, inbound_text(ANA, "Before", message_id="wamid.A"))
    await system.container.drain_webhook_inbox()()
    # In one drain: a message from the new number, then Meta's notice of the change (another
    # sender's lane); the notice goes first, so the message finds its member.
    await accept(system, inbound_text(LUIS, "After", message_id="wamid.B"))
    system.clock.advance(seconds=1)
    notice = webhook_body(
        messages=[
            {
                "from": ANA.removeprefix("+"),
                "id": "wamid.SYS",
                "timestamp": "1763800000",
                "type": "system",
                "system": {"wa_id": LUIS.removeprefix("+"), "type": "user_changed_number"},
            }
        ]
    )
    await accept(system, notice)

    # One lane at a time, so that the message's lane, which comes first, would go first.
    assert await system.container.drain_webhook_inbox(concurrency=1)() is None

    assert await member_texts(system, LUIS) == ["After", "Before"]
    assert await member_texts(system, ANA) == []


async def test_a_failing_delivery_is_retried_then_set_aside_without_blocking_the_rest(
    system: System,
) -> None:
    await accept(system, inbound_text(ANA, "first", message_id="wamid.A"))
    await accept(system, inbound_text(LUIS, "second", message_id="wamid.B"))
    meta = system.container.webhook_parsers()[Provider.WHATSAPP_CLOUD]

    class BrokenForAna:
        calls = 0

        def count(self, body: bytes) -> DeliveryItems:
            return meta.count(body)

        def parse(self, body: bytes, received_at: datetime) -> WebhookBatch:
            self.calls += 1
            if b"first" in body:
                raise RuntimeError("the parser has a bug")
            return meta.parse(body, received_at)

    broken = BrokenForAna()
    system.container.webhook_parsers.override({Provider.WHATSAPP_CLOUD: broken})
    drain = system.container.drain_webhook_inbox

    assert await drain()() == RETRY_SECONDS
    assert await member_texts(system, LUIS) == ["second"]
    for _ in range(10):
        if await drain()() is None:
            break
    # Five failures in all, then set aside: kept (for whoever looks into it), no longer tried.
    assert broken.calls == 5 + 1
    assert await inbox(system).waiting() == 1
    assert "the parser has a bug" in next(iter(inbox(system).last_errors.values()))
    assert await member_texts(system, ANA) == []


class SlowQueue(RecordingQueue):
    """Each drain request takes a while, so requests pile up behind one in flight."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = asyncio.Event()

    async def enqueue_inbox_drain(self) -> None:
        await self.gate.wait()
        await super().enqueue_inbox_drain()


async def test_drain_requests_in_a_burst_fold_into_one_more_after_the_one_in_flight() -> None:
    queue = SlowQueue()
    requests = DrainRequests(queue)

    for _ in range(100):
        requests.request()
        await asyncio.sleep(0)
    queue.gate.set()
    await requests.settled()

    assert queue.drains == 2


async def test_drain_requests_go_out_at_most_once_an_interval_and_the_last_after_the_last_request() -> (
    None
):
    # An instant queue: without the throttle every request would find nothing in flight.
    queue = RecordingQueue()
    requests = DrainRequests(queue, min_interval_seconds=0.05)
    loop = asyncio.get_running_loop()
    asks: list[float] = []
    enqueue = queue.enqueue_inbox_drain

    async def timed() -> None:
        asks.append(loop.time())
        await enqueue()

    queue.enqueue_inbox_drain = timed  # type: ignore[method-assign]
    started = loop.time()
    while loop.time() - started < 0.3:
        requests.request()
        last_request = loop.time()
        await asyncio.sleep(0.002)
    await requests.settled()

    assert 2 <= len(asks) <= 0.3 / 0.05 + 2
    assert all(later - earlier >= 0.049 for earlier, later in itertools.pairwise(asks))
    assert asks[-1] >= last_request


async def test_a_failed_drain_request_is_logged_and_later_requests_still_go_out(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class Down(RecordingQueue):
        failing = True

        async def enqueue_inbox_drain(self) -> None:
            if self.failing:
                raise ConnectionError("the queue's database is down")
            await super().enqueue_inbox_drain()

    queue = Down()
    requests = DrainRequests(queue)

    requests.request()
    await requests.settled()
    queue.failing = False
    requests.request()
    await requests.settled()

    assert queue.drains == 1
    assert "could not ask for an inbox drain" in caplog.text


@settings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(body=mutated_deliveries())
async def test_whatever_a_mutated_delivery_holds_the_drain_stores_it_or_skips_parts_never_fails(
    body: Any,
) -> None:
    system = build_system()
    system.container.job_queue.override(RecordingQueue())
    raw = json.dumps(body).encode()
    try:
        await accept(system, raw)
    except InvalidInput:
        return

    assert await system.container.drain_webhook_inbox()() is None
    assert await inbox(system).waiting() == 0


class _SlowLimiter:
    """Lets everything through, after a pause on each message counted: the drain's lanes then
    interleave, as they do when the database answers at its own pace."""

    async def hit(self, namespace: str, key: str, limit: RateLimit) -> int | None:
        if namespace == INBOUND_LIMIT_KEY:
            await asyncio.sleep(0.01)
        return None

    async def hold(self, namespace: str, key: str, seconds: float) -> None:
        return None

    async def held(self, namespace: str, key: str) -> int | None:
        return None


async def test_an_edit_or_deletion_is_stored_after_the_message_it_changes_in_the_same_drain(
    system: System,
) -> None:
    system.container.rate_limiter.override(_SlowLimiter())
    await accept(system, inbound_text(ANA, "My password is hunter2", message_id="wamid.A"))
    revoke = json.loads(inbound_text(ANA, "-", message_id="wamid.A.revoke"))
    message = revoke["entry"][0]["changes"][0]["value"]["messages"][0]
    del message["text"]
    message.update(type="revoke", revoke={"original_message_id": "wamid.A"})
    system.clock.advance(seconds=1)
    await accept(system, json.dumps(revoke).encode())

    assert await system.container.drain_webhook_inbox()() is None

    async with system.container.uow()() as uow:
        stored = await uow.messages.by_external_id("wamid.A")
    assert stored is not None and stored.is_revoked
