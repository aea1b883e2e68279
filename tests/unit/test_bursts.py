"""One answer per burst, on the memory set with a fake clock: a member's messages sent close
together are answered once, in one turn that reads them all; spaced ones each get their own;
the maximum wait holds under a continuous stream; reruns, redeliveries and lost jobs answer
nothing twice; the typing indicator is kept up while the assistant works."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ignacio.application.bursts import Bursts
from ignacio.application.ports import AssistantReply, AssistantTurn
from ignacio.application.use_cases.create_user import CreateUserCommand
from ignacio.application.use_cases.process_inbound import ProcessOutcome
from ignacio.application.workspaces import default_workspace
from ignacio.domain import (
    Author,
    Channel,
    InboundEdit,
    InboundMessage,
    InboundRevoke,
    MediaRef,
    Message,
    MessageType,
    PhoneNumber,
    ProcessingState,
    Provider,
    Sender,
)
from ignacio.domain.bursts import BurstPolicy
from tests.support.fake_graph import (
    DEFAULT_PHONE_NUMBER_ID,
    DEFAULT_TOKEN,
    FAKE_BASE_URL,
    FakeGraph,
)
from tests.support.fakes import FakeClock, FakeTranscriber, RecordingChannel, WorkerKilled
from tests.support.samples import png
from tests.support.system import System, build_system, settings_for_tests

PHONE = "+34612345678"
QUIET = 2.0
MAX_WAIT = 8.0


class Scheduler:
    """A job queue that runs each job when its time comes on the test's fake clock, as the
    real queues do on the wall clock; a job that asks to run again is queued again."""

    def __init__(self) -> None:
        self.system: System | None = None
        self._jobs: list[tuple[datetime, int, UUID]] = []
        self._order = itertools.count()
        self.lost: set[int] = set()
        """Which enqueues (by their order, from 0) are lost, as by a process killed between
        storing a message and queueing it."""
        self._enqueued = itertools.count()
        self.last_receipt = datetime.min.replace(tzinfo=UTC)
        """When `send` last had a message received."""

    @property
    def now(self) -> datetime:
        assert self.system is not None
        return self.system.clock.now()

    async def enqueue_processing(self, message_id: UUID, *, delay_seconds: float = 0) -> None:
        if next(self._enqueued) in self.lost:
            return
        self.push(message_id, self.now + timedelta(seconds=delay_seconds))

    async def enqueue_lost(self, message_ids: Sequence[UUID]) -> int:
        waiting = {message_id for _, _, message_id in self._jobs}
        lost = [message_id for message_id in message_ids if message_id not in waiting]
        for message_id in lost:
            await self.enqueue_processing(message_id)
        return len(lost)

    def push(self, message_id: UUID, at: datetime) -> None:
        heapq.heappush(self._jobs, (at, next(self._order), message_id))

    async def enqueue_file_sync(self, file_id: UUID, *, delay_seconds: float = 0) -> None:
        pass

    async def enqueue_login_code(self, challenge_id: UUID) -> None:
        pass

    async def enqueue_summary(self, conversation_id: UUID) -> None:
        pass

    async def enqueue_inbox_drain(self) -> None:
        pass

    async def run_until(self, at: datetime) -> None:
        """Run every job due by `at`, in time order, the clock moved to each; then to `at`."""
        assert self.system is not None
        while self._jobs and self._jobs[0][0] <= at:
            due, _, message_id = heapq.heappop(self._jobs)
            self.system.clock.current = max(self.system.clock.current, due)
            outcome = await self.system.container.process_inbound()(message_id)
            if outcome.retry_in is not None:
                self.push(message_id, self.now + timedelta(seconds=outcome.retry_in))
        self.system.clock.current = max(self.system.clock.current, at)

    async def run_all(self) -> None:
        await self.run_until(self.now + timedelta(minutes=10))


def bursty_system(quiet: float = QUIET, max_wait: float = MAX_WAIT) -> tuple[System, Scheduler]:
    system = build_system(
        settings_for_tests(
            IGNACIO_BURST_QUIET_SECONDS=quiet,
            IGNACIO_BURST_MAX_WAIT_SECONDS=max_wait,
            # Room for long streams: the per-number limit is not what these tests are about.
            RATE_LIMIT_MESSAGES=100,
        )
    )
    scheduler = Scheduler()
    scheduler.system = system
    system.container.job_queue.override(scheduler)
    return system, scheduler


def inbound(
    text: str,
    external_id: str,
    *,
    message_type: MessageType = MessageType.TEXT,
    media: MediaRef | None = None,
) -> InboundMessage:
    return InboundMessage(
        provider=Provider.WHATSAPP_CLOUD,
        external_id=external_id,
        sender=Sender(phone=PhoneNumber.parse(PHONE)),
        profile_name="Lucía",
        sent_at=datetime(2026, 11, 22, 8, 59, tzinfo=UTC),
        message_type=message_type,
        text=text,
        media=media,
    )


async def send(system: System, scheduler: Scheduler, at: float, text: str, n: int) -> UUID:
    """The member sends `text` `at` seconds after the test's start (jobs due before run)."""
    start = START
    await scheduler.run_until(start + timedelta(seconds=at))
    # A real clock moves on between two receipts: messages sent "at once" (a gap of 0) are
    # still received one after the other, and their order is that of their arrival. Two alike
    # to the microsecond would be ordered by their (random) ids instead, and an answer to the
    # first could find the second before it (1 µs is an answer's own step after its message).
    system.clock.current = max(system.clock.current, scheduler.last_receipt + _RECEIPT_STEP)
    scheduler.last_receipt = system.clock.current
    message_id = (await system.container.receive_inbound()(inbound(text, f"wamid.{n}"))).message_id
    assert message_id is not None
    return message_id


START = FakeClock().now()
_RECEIPT_STEP = timedelta(microseconds=2)


async def thread(system: System) -> list[Message]:
    """The member's WhatsApp conversation, oldest first."""
    async with system.container.uow()() as uow:
        user = await uow.users.get_by_phone(PhoneNumber.parse(PHONE))
        assert user is not None
        conversation = await uow.conversations.latest_for(
            (await default_workspace(uow)).id, user.id, Channel.WHATSAPP
        )
        assert conversation is not None
        messages: list[Message] = await uow.messages.recent(conversation.id, 1000)
    return messages


def covered(messages: list[Message]) -> dict[UUID, list[UUID]]:
    """Each answer's id, and the member's messages it answers, oldest first."""
    answers = {m.id: m for m in messages if m.author is Author.ASSISTANT and m.reply_to_id}
    by_answer: dict[UUID, list[UUID]] = {answer_id: [] for answer_id in answers}
    for message in messages:
        if message.author is not Author.MEMBER:
            continue
        for answer in answers.values():
            if answer.reply_to_id == message.id or message.answered_by_id == answer.id:
                by_answer[answer.id].append(message.id)
    return by_answer


async def test_a_burst_of_three_gets_one_answer_that_reads_all_three() -> None:
    system, scheduler = bursty_system()
    first = await send(system, scheduler, 0.0, "Hola", 1)
    second = await send(system, scheduler, 0.8, "tengo una duda", 2)
    third = await send(system, scheduler, 1.5, "¿cuándo abre la oficina?", 3)
    await scheduler.run_all()

    assert system.channel.texts_to(PHONE) == [
        "echo: Hola + tengo una duda + ¿cuándo abre la oficina? (history 0)"
    ]
    (turn,) = system.assistant.turns
    assert [part.message.id for part in turn.earlier] == [first, second]
    assert turn.message.id == third and turn.history == []
    messages = await thread(system)
    (answer,) = [m for m in messages if m.author is Author.ASSISTANT]
    assert answer.reply_to_id == third
    members = [m for m in messages if m.author is Author.MEMBER]
    assert [m.answered_by_id for m in members] == [answer.id, answer.id, None]
    assert {m.processing for m in members} == {ProcessingState.DONE}
    # Read (with the typing indicator) once, on the burst's last message: WhatsApp marks the
    # earlier ones read with it.
    assert system.channel.read == ["wamid.3"]
    # Answered once the member had been quiet for the quiet period after the third.
    assert answer.created_at == START + timedelta(seconds=1.5 + QUIET)


async def test_messages_spaced_beyond_the_quiet_period_are_answered_each_on_its_own() -> None:
    system, scheduler = bursty_system()
    await send(system, scheduler, 0.0, "Hola", 1)
    await send(system, scheduler, 2.5, "¿cuándo abre la oficina?", 2)
    await scheduler.run_all()

    assert system.channel.texts_to(PHONE) == [
        "echo: Hola (history 0)",
        "echo: ¿cuándo abre la oficina? (history 2)",
    ]


async def test_a_member_who_keeps_typing_is_answered_by_the_maximum_wait() -> None:
    system, scheduler = bursty_system()
    # A message every 1.5 s for 15 s: the member is never quiet for 2 s.
    for n in range(11):
        await send(system, scheduler, n * 1.5, f"parte {n}", n)
    await scheduler.run_all()

    messages = await thread(system)
    answers = sorted(
        (m for m in messages if m.author is Author.ASSISTANT), key=lambda m: m.created_at
    )
    by_answer = covered(messages)
    created = {m.id: m.created_at for m in messages}
    assert len(answers) >= 2
    for answer in answers:
        first = created[by_answer[answer.id][0]]
        assert answer.created_at - first <= timedelta(seconds=MAX_WAIT)
    # Every message is answered once, the answers in the order the member wrote.
    flattened = [message_id for answer in answers for message_id in by_answer[answer.id]]
    assert flattened == [m.id for m in messages if m.author is Author.MEMBER]
    assert len(system.channel.texts_to(PHONE)) == len(answers)


async def test_reruns_and_redeliveries_of_a_burst_answer_nothing_again() -> None:
    system, scheduler = bursty_system()
    ids = [await send(system, scheduler, 0.5 * n, f"mensaje {n}", n) for n in range(3)]
    await scheduler.run_all()
    assert len(system.channel.texts_to(PHONE)) == 1

    # The provider delivers them again, the sweep queues them again, jobs run again.
    for n in range(3):
        result = await system.container.receive_inbound()(inbound(f"mensaje {n}", f"wamid.{n}"))
        assert result.duplicate
    for message_id in ids:
        assert await system.container.process_inbound()(message_id) == ProcessOutcome()
    await system.container.resume_processing()()
    await scheduler.run_all()

    assert len(system.channel.texts_to(PHONE)) == 1
    assert len(system.assistant.turns) == 1


async def test_a_crash_in_the_quiet_period_loses_nothing_and_answers_once() -> None:
    system, scheduler = bursty_system()
    # The process dies after storing the second and third messages, before queueing them:
    # only the first's job is left, and it yields to the (lost) newest one's.
    scheduler.lost = {1, 2}
    await send(system, scheduler, 0.0, "Hola", 1)
    await send(system, scheduler, 0.5, "tengo una duda", 2)
    await send(system, scheduler, 1.0, "¿cuándo abre la oficina?", 3)
    await scheduler.run_until(START + timedelta(seconds=30))
    assert system.channel.texts_to(PHONE) == []

    # Restarted: every pending message is queued again, at once.
    await system.container.resume_processing()()
    await scheduler.run_all()

    assert system.channel.texts_to(PHONE) == [
        "echo: Hola + tengo una duda + ¿cuándo abre la oficina? (history 0)"
    ]


async def test_a_crash_while_the_assistant_thinks_asks_again_for_the_same_burst() -> None:
    system, scheduler = bursty_system()
    crashes = [WorkerKilled()]
    echo = system.assistant

    class Dying:
        async def answer(self, turn: AssistantTurn) -> AssistantReply:
            if crashes:
                raise crashes.pop()
            return await echo.answer(turn)

    system.container.assistant.override(Dying())
    ids = [await send(system, scheduler, 0.5 * n, f"mensaje {n}", n) for n in range(3)]
    with pytest.raises(WorkerKilled):
        await scheduler.run_all()
    await system.container.resume_processing()()
    await scheduler.run_all()

    assert system.channel.texts_to(PHONE) == ["echo: mensaje 0 + mensaje 1 + mensaje 2 (history 0)"]
    messages = {m.id: m for m in await thread(system)}
    assert {messages[i].processing for i in ids} == {ProcessingState.DONE}


async def test_a_burst_whose_last_message_is_deleted_is_answered_without_it() -> None:
    system, scheduler = bursty_system()
    await send(system, scheduler, 0.0, "Hola", 1)
    await send(system, scheduler, 0.5, "tengo una duda", 2)
    await send(system, scheduler, 1.0, "perdón, me equivoqué", 3)
    # The first two jobs have yielded to the third's; the member deletes the third.
    await scheduler.run_until(START + timedelta(seconds=2.5))
    await system.container.revise_inbound()(
        InboundRevoke(
            provider=Provider.WHATSAPP_CLOUD,
            external_id="wamid.revoke",
            original_external_id="wamid.3",
            sender=Sender(phone=PhoneNumber.parse(PHONE)),
            sent_at=datetime(2026, 11, 22, 9, 0, 3, tzinfo=UTC),
        )
    )
    await scheduler.run_all()

    assert system.channel.texts_to(PHONE) == ["echo: Hola + tengo una duda (history 0)"]
    assert {m.processing for m in await thread(system)} <= {ProcessingState.DONE, None}


async def test_an_earlier_message_of_an_answered_burst_edited_into_a_new_question_is_answered() -> (
    None
):
    system, scheduler = bursty_system()
    await send(system, scheduler, 0.0, "¿A qué hora abrís?", 1)
    await send(system, scheduler, 0.5, "gracias", 2)
    await scheduler.run_all()
    await system.container.revise_inbound()(
        InboundEdit(
            provider=Provider.WHATSAPP_CLOUD,
            external_id="wamid.edit",
            original_external_id="wamid.1",
            sender=Sender(phone=PhoneNumber.parse(PHONE)),
            sent_at=datetime(2026, 11, 22, 9, 1, tzinfo=UTC),
            text="¿Dónde está la oficina de Valencia?",
        )
    )
    await scheduler.run_all()

    sent = system.channel.texts_to(PHONE)
    assert sent[0] == "echo: ¿A qué hora abrís? + gracias (history 0)"
    assert len(sent) == 2 and "Valencia" in sent[1]


async def test_a_photo_and_a_voice_note_in_a_burst_reach_the_assistant_with_it() -> None:
    system, scheduler = bursty_system()
    system.container.transcriber.override(FakeTranscriber("y esto es urgente"))
    system.media.media["photo-1"] = (png(), "image/png")
    system.media.media["voice-1"] = (b"OggS" + b"0" * 64, "audio/ogg")
    await scheduler.run_until(START)
    await system.container.receive_inbound()(
        inbound(
            "",
            "wamid.photo",
            message_type=MessageType.IMAGE,
            media=MediaRef(provider_media_id="photo-1", mime_type="image/png"),
        )
    )
    await scheduler.run_until(START + timedelta(seconds=0.5))
    await system.container.receive_inbound()(
        inbound(
            "",
            "wamid.voice",
            message_type=MessageType.AUDIO,
            media=MediaRef(provider_media_id="voice-1", mime_type="audio/ogg", is_voice=True),
        )
    )
    await send(system, scheduler, 1.0, "¿qué es esto?", 3)
    await scheduler.run_all()

    (turn,) = system.assistant.turns
    photo, voice = turn.earlier
    assert [image.media_type for image in photo.images] == ["image/png"]
    assert voice.message.transcript == "y esto es urgente"
    assert turn.message.content == "¿qué es esto?"
    assert len(system.channel.texts_to(PHONE)) == 1


async def test_human_stands_alone_and_splits_the_burst_around_it() -> None:
    system, scheduler = bursty_system()
    await send(system, scheduler, 0.0, "Hola", 1)
    await send(system, scheduler, 0.5, "/human", 2)
    await scheduler.run_until(START + timedelta(seconds=0.5))
    # Answered at once, before the message that came before it waits out its quiet period.
    sent = system.channel.texts_to(PHONE)
    assert len(sent) == 1 and "echo" not in sent[0]


async def test_a_message_to_the_team_handed_back_in_the_quiet_period_stays_unanswered() -> None:
    """Written while the team had the conversation, it was for a person: the assistant, given
    the conversation back a moment later, does not answer it."""
    system, scheduler = bursty_system()
    await send(system, scheduler, 0.0, "/human", 1)
    await scheduler.run_until(START + timedelta(seconds=0.1))
    admin = await system.container.create_user()(
        None, CreateUserCommand(phone="+34600000001", name="Ana", is_admin=True)
    )
    await send(system, scheduler, 1.0, "Quiero cambiar la cita al martes", 2)
    chat = (await thread(system))[0].conversation_id
    await scheduler.run_until(START + timedelta(seconds=1.2))
    await system.container.hand_back_conversation()(await system.access(admin, "default"), chat)
    await scheduler.run_all()

    assert not [text for text in system.channel.texts_to(PHONE) if text.startswith("echo")]
    assert system.assistant.turns == []


async def test_the_typing_indicator_is_shown_again_while_the_assistant_works() -> None:
    system, scheduler = bursty_system()
    refreshes: list[float] = []

    async def pause(seconds: float) -> None:
        refreshes.append(seconds)
        await asyncio.sleep(0)

    system.container.bursts.override(
        Bursts(BurstPolicy(quiet_seconds=QUIET), system.clock, pause=pause)
    )
    echo = system.assistant
    shown_four_times = asyncio.Event()

    class Watched(RecordingChannel):
        async def mark_read(self, external_id: str) -> None:
            await super().mark_read(external_id)
            if len(self.read) == 4:
                shown_four_times.set()

    channel = Watched()
    system.container.channel.override(channel)

    class Slow:
        async def answer(self, turn: AssistantTurn) -> AssistantReply:
            # A long turn: it ends once the indicator has been shown again three times.
            await shown_four_times.wait()
            return await echo.answer(turn)

    system.container.assistant.override(Slow())
    await send(system, scheduler, 0.0, "Hola", 1)
    await send(system, scheduler, 0.5, "¿sigues ahí?", 2)
    await scheduler.run_all()
    shown = len(channel.read)
    for _ in range(5):
        await asyncio.sleep(0)

    assert channel.read[:4] == ["wamid.2"] * 4
    assert set(refreshes) == {20.0}
    # Stopped with the answer.
    assert len(channel.read) == shown
    assert len(channel.texts_to(PHONE)) == 1


async def test_on_the_cloud_api_the_burst_s_last_message_is_read_with_the_typing_indicator() -> (
    None
):
    graph = FakeGraph()
    system = build_system(
        settings_for_tests(
            IGNACIO_BURST_QUIET_SECONDS=QUIET,
            IGNACIO_CHANNEL="whatsapp_cloud",
            WHATSAPP_ACCESS_TOKEN=DEFAULT_TOKEN,
            WHATSAPP_PHONE_NUMBER_ID=DEFAULT_PHONE_NUMBER_ID,
            WHATSAPP_API_BASE_URL=FAKE_BASE_URL,
        ),
        real_channel=True,
    )
    system.container.http_client.override(graph.client())
    scheduler = Scheduler()
    scheduler.system = system
    system.container.job_queue.override(scheduler)

    async def pause(seconds: float) -> None:
        await asyncio.sleep(0)

    system.container.bursts.override(
        Bursts(BurstPolicy(quiet_seconds=QUIET), system.clock, pause=pause)
    )
    echo = system.assistant

    class Slow:
        async def answer(self, turn: AssistantTurn) -> AssistantReply:
            # Long enough for the indicator to be shown twice more.
            # Polled a bounded number of times (the fake has no event): never hangs.
            for _ in range(5_000):
                if len(graph.read_receipts) >= 3:
                    break
                await asyncio.sleep(0.001)
            return await echo.answer(turn)

    system.container.assistant.override(Slow())
    await send(system, scheduler, 0.0, "Hola", 1)
    await send(system, scheduler, 1.0, "¿sigues ahí?", 2)
    await scheduler.run_all()

    receipts = graph.read_receipts
    assert len(receipts) >= 3
    assert {(r.message_id, r.typing_indicator) for r in receipts} == {("wamid.2", True)}
    assert graph.texts_to(PHONE) == ["echo: Hola + ¿sigues ahí? (history 0)"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    gaps=st.lists(
        st.sampled_from([0.0, 0.3, 1.0, 1.9, 2.1, 3.0, 7.0, 9.0]), min_size=1, max_size=9
    ),
    lost=st.sets(st.integers(min_value=0, max_value=8), max_size=3),
    rerun=st.booleans(),
)
def test_any_arrival_pattern_answers_each_message_once_in_order(
    gaps: list[float], lost: set[int], rerun: bool
) -> None:
    asyncio.run(_play(gaps, lost, rerun))


async def _play(gaps: list[float], lost: set[int], rerun: bool) -> None:
    system, scheduler = bursty_system()
    scheduler.lost = lost
    at = 0.0
    for n, gap in enumerate(gaps):
        at += gap
        await send(system, scheduler, at, f"m{n}", n)
    await scheduler.run_all()
    # A restart (lost jobs come back); a redelivery of every message; every job run again.
    scheduler.lost = set()
    await system.container.resume_processing()()
    if rerun:
        for n in range(len(gaps)):
            await system.container.receive_inbound()(inbound(f"m{n}", f"wamid.{n}"))
        for message in await thread(system):
            await system.container.process_inbound()(message.id)
    await scheduler.run_all()

    messages = await thread(system)
    members = [m for m in messages if m.author is Author.MEMBER]
    answers = sorted(
        (m for m in messages if m.author is Author.ASSISTANT), key=lambda m: m.created_at
    )
    by_answer = covered(messages)
    # Every message answered by exactly one answer; the answers in the member's order.
    flattened = [message_id for answer in answers for message_id in by_answer[answer.id]]
    assert flattened == [m.id for m in members]
    assert len(system.channel.texts_to(PHONE)) == len(answers)
    assert all(m.processing is ProcessingState.DONE for m in members)
    if not lost:
        created = {m.id: m.created_at for m in members}
        for answer in answers:
            burst = by_answer[answer.id]
            # The maximum wait holds, and a message sent after the quiet period is not waited for.
            assert answer.created_at - created[burst[0]] <= timedelta(seconds=MAX_WAIT)
            for earlier, later in itertools.pairwise(burst):
                assert created[later] - created[earlier] <= timedelta(seconds=QUIET)
