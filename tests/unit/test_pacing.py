"""Pacing: a number's messages to one person spaced to Meta's pair rate, its messages in all to
its throughput, and Meta's refusals for either (131056, 130429) waited out, not counted as
failures, within the pacing deadline; never an answer lost, sent twice or out of order."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import pytest

from ignacio.application.pacing import Pacer
from ignacio.application.ports import SendFailure
from ignacio.application.use_cases.create_user import CreateUserCommand
from ignacio.application.use_cases.process_inbound import MAX_RUNS
from ignacio.domain import Delivery, DeliveryStatus
from ignacio.domain.errors import InvalidInput
from ignacio.domain.pacing import Pacing, Throttle
from tests.support.fakes import FakeClock, RecordingQueue
from tests.support.system import System, build_system, settings_for_tests
from tests.unit.test_whatsapp_pipeline import answer_to, inbound, process, receive, stored

PHONE = "+34612345678"
OTHER = "+34699999999"
# Seven paragraphs of 3,999 characters: no two fit in one of WhatsApp's 4,096-character texts.
SEVEN_PARTS = "\n\n".join(f"{n} " + "word " * 799 for n in range(1, 8))


def pair_refusal(retry_after: float | None = None) -> SendFailure:
    return SendFailure(
        "(Business Account, Consumer Account) pair rate limit hit",
        retriable=True,
        code=131056,
        retry_after=retry_after,
        throttled=Throttle.PAIR,
    )


def throughput_refusal(retry_after: float | None = None) -> SendFailure:
    return SendFailure(
        "Rate limit hit",
        retriable=True,
        code=130429,
        retry_after=retry_after,
        throttled=Throttle.NUMBER,
    )


@pytest.fixture
def queue() -> RecordingQueue:
    return RecordingQueue()


def paced_system(queue: RecordingQueue, **variables: object) -> System:
    settings = {
        "IGNACIO_WHATSAPP_PAIR_INTERVAL_SECONDS": 6,
        "IGNACIO_WHATSAPP_PAIR_BURST": 5,
        **variables,
    }
    system = build_system(settings_for_tests(**settings))
    system.container.job_queue.override(queue)
    return system


@pytest.fixture
def system(queue: RecordingQueue) -> System:
    return paced_system(queue)


async def parts_of(system: System, message_id: UUID) -> list[Delivery]:
    answer = await answer_to(system, message_id)
    async with system.container.uow()() as uow:
        parts: list[Delivery] = await uow.deliveries.for_message(answer.id)
    return parts


async def until_done(system: System, message_id: UUID, *, runs: int = 100) -> list[float]:
    """Run the message as the queue would, the clock moved on by each wait asked for; the
    waits."""
    waits: list[float] = []
    for _ in range(runs):
        outcome = await process(system, message_id)
        if outcome.retry_in is None:
            return waits
        waits.append(outcome.retry_in)
        system.clock.advance(seconds=outcome.retry_in)
    raise AssertionError(f"still not done after {runs} runs: {waits}")


async def test_a_short_answer_in_a_few_parts_goes_at_once(system: System) -> None:
    system.assistant.reply_text = "\n\n".join(SEVEN_PARTS.split("\n\n")[:3])
    message_id = await receive(system, inbound())
    assert message_id is not None

    outcome = await process(system, message_id)

    assert outcome.retry_in is None
    assert len(system.channel.texts_to(PHONE)) == 3


async def test_parts_past_the_burst_are_spaced_and_go_in_order(system: System) -> None:
    system.assistant.reply_text = SEVEN_PARTS
    message_id = await receive(system, inbound())
    assert message_id is not None

    first = await process(system, message_id)

    # Five at once (the burst), then the rest wait for the window of 5 x 6 s to move.
    assert first.retry_in == 30
    assert len(system.channel.texts_to(PHONE)) == 5
    parts = await parts_of(system, message_id)
    assert [p.status for p in parts] == [DeliveryStatus.SENT] * 5 + [DeliveryStatus.PENDING] * 2
    assert not any(p.sending for p in parts)  # the waiting parts are not claimed
    # A run that only waited is not counted against the message's runs.
    assert (await stored(system, message_id)).processing_attempts == 0

    system.clock.advance(seconds=27)
    assert (await process(system, message_id)).retry_in == 3
    assert len(system.channel.texts_to(PHONE)) == 5
    system.clock.advance(seconds=3)
    assert (await process(system, message_id)).retry_in is None

    texts = system.channel.texts_to(PHONE)
    assert [text.split(" ", 1)[0] for text in texts] == [str(n) for n in range(1, 8)]
    assert (await answer_to(system, message_id)).delivery_status is DeliveryStatus.SENT


async def test_another_person_is_not_held_back_by_someone_s_long_answer(system: System) -> None:
    system.assistant.reply_text = SEVEN_PARTS
    long = await receive(system, inbound())
    assert long is not None
    assert (await process(system, long)).retry_in is not None

    system.assistant.reply_text = "Short."
    short = await receive(system, inbound(external_id="wamid.2", sender=OTHER))
    assert short is not None

    assert (await process(system, short)).retry_in is None
    assert system.channel.texts_to(OTHER) == ["Short."]


async def test_a_pair_rate_refusal_is_waited_out_uncounted_and_sent_once(
    system: System,
) -> None:
    # More refusals than the retry policy's attempts (6), and than a message's runs (20).
    system.channel.failures = [pair_refusal() for _ in range(MAX_RUNS + 5)]
    message_id = await receive(system, inbound())
    assert message_id is not None

    waits = await until_done(system, message_id)

    assert len(waits) == MAX_RUNS + 5
    assert all(wait >= 6 for wait in waits)  # the pair interval, at least
    assert len(system.channel.texts_to(PHONE)) == 1
    [part] = await parts_of(system, message_id)
    assert (part.status, part.attempts, part.error_code) == (DeliveryStatus.SENT, 1, None)
    assert (await stored(system, message_id)).processing_attempts == 1


async def test_a_pair_rate_refusal_waits_as_long_as_meta_asks(system: System) -> None:
    system.channel.failures = [pair_refusal(retry_after=40)]
    message_id = await receive(system, inbound())
    assert message_id is not None

    assert (await process(system, message_id)).retry_in == 40
    system.clock.advance(seconds=30)
    # Held back for every process: the next run does not even try.
    assert (await process(system, message_id)).retry_in == 10
    assert system.channel.texts == []
    system.clock.advance(seconds=9)

    # The last second is waited where the sender is.
    assert (await process(system, message_id)).retry_in is None
    assert len(system.channel.texts_to(PHONE)) == 1


async def test_a_pair_rate_refusal_holds_back_that_person_only(system: System) -> None:
    system.channel.failures = [pair_refusal(retry_after=30)]
    first = await receive(system, inbound())
    assert first is not None
    assert (await process(system, first)).retry_in == 30

    again = await receive(system, inbound("And another thing", external_id="wamid.2"))
    other = await receive(system, inbound(external_id="wamid.3", sender=OTHER))
    assert again is not None and other is not None

    assert (await process(system, again)).retry_in is not None
    assert (await process(system, other)).retry_in is None
    assert system.channel.texts_to(PHONE) == []
    assert len(system.channel.texts_to(OTHER)) == 1


async def test_a_throughput_refusal_holds_back_the_whole_number(system: System) -> None:
    system.channel.failures = [throughput_refusal(retry_after=10)]
    first = await receive(system, inbound())
    assert first is not None
    assert (await process(system, first)).retry_in == 10

    other = await receive(system, inbound(external_id="wamid.2", sender=OTHER))
    assert other is not None
    assert (await process(system, other)).retry_in is not None
    assert system.channel.texts == []

    system.clock.advance(seconds=10)
    assert await until_done(system, first) == []
    assert await until_done(system, other) == []
    assert len(system.channel.texts_to(PHONE)) == len(system.channel.texts_to(OTHER)) == 1
    [part] = await parts_of(system, first)
    assert (part.status, part.attempts) == (DeliveryStatus.SENT, 1)


async def test_a_short_wait_is_waited_where_the_sender_is(queue: RecordingQueue) -> None:
    # Two messages a second: the third member's answer waits a second, in the same run.
    system = paced_system(queue, IGNACIO_WHATSAPP_THROUGHPUT=2)
    ids = []
    for n, phone in enumerate(["+34600000001", "+34600000002", "+34600000003"]):
        message_id = await receive(system, inbound(external_id=f"wamid.{n}", sender=phone))
        assert message_id is not None
        ids.append(message_id)
    started = system.clock.now()

    outcomes = [await process(system, message_id) for message_id in ids]

    assert [outcome.retry_in for outcome in outcomes] == [None, None, None]
    assert len(system.channel.texts) == 3
    assert system.clock.now() - started == timedelta(seconds=1)


async def test_past_the_deadline_a_refusal_counts_like_any_failure(system: System) -> None:
    system.channel.failures = [pair_refusal() for _ in range(50)]
    message_id = await receive(system, inbound())
    assert message_id is not None
    assert (await process(system, message_id)).retry_in is not None
    system.clock.advance(minutes=10)

    await until_done(system, message_id)

    # One refusal waited out, then the retry policy's six attempts; given up, with the reason.
    assert 50 - len(system.channel.failures) == 1 + 6
    [part] = await parts_of(system, message_id)
    assert (part.status, part.attempts, part.error_code) == (DeliveryStatus.FAILED, 6, 131056)
    assert system.channel.texts == []


def test_pacing_is_checked() -> None:
    with pytest.raises(InvalidInput):
        Pacing(pair_burst=0)
    with pytest.raises(InvalidInput):
        Pacing(deadline=timedelta(0))
    assert Pacing(pair_interval=6, pair_burst=5).pair_window == 30
    assert Pacing(pair_interval=0.5, pair_burst=3).pair_window == 2
    assert Pacing().wait_after(Throttle.PAIR, None) == 6
    assert Pacing().wait_after(Throttle.PAIR, 20) == 20
    assert Pacing().wait_after(Throttle.NUMBER, None) == 1


async def test_without_spacing_only_the_throughput_is_counted() -> None:
    from ignacio.adapters.memory import ClockedRateLimiter

    clock = FakeClock()
    pacer = Pacer(ClockedRateLimiter(clock), Pacing(pair_interval=0), sleep=clock.sleep)

    turns = [await pacer.turn("number", "member") for _ in range(50)]

    assert turns == [None] * 50


async def test_the_team_s_replies_are_paced_the_same_way(
    system: System, queue: RecordingQueue
) -> None:
    container = system.container
    admin = await container.create_user()(
        None, CreateUserCommand(phone="+34600000001", is_admin=True)
    )
    asked = await receive(system, inbound())
    assert asked is not None
    conversation_id = (await stored(system, asked)).conversation_id
    access = await system.access(admin, "default")
    queue.queued.clear()

    for n in range(1, 8):
        await container.reply_as_team()(access, conversation_id, f"{n} from the team")
    replies = [message_id for message_id, _ in queue.queued]
    outcomes = [await process(system, reply) for reply in replies]

    assert [outcome.retry_in is None for outcome in outcomes] == [True] * 5 + [False] * 2
    system.clock.advance(seconds=30)
    assert [(await process(system, reply)).retry_in for reply in replies[5:]] == [None, None]
    assert [text.split(" ", 1)[0] for text in system.channel.texts_to(PHONE)] == [
        str(n) for n in range(1, 8)
    ]
