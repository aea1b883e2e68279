"""ReceiveInbound, ProcessInbound, RecordDeliveryUpdate, ResumeProcessing: every WhatsApp
message kept once and answered at most once, whatever fails on the way."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest

from ignacio.application.ports import SendFailure
from ignacio.application.use_cases.create_user import CreateUserCommand
from ignacio.application.use_cases.process_inbound import (
    APOLOGY,
    INTERRUPTED,
    UNSUPPORTED_REPLY,
    ProcessOutcome,
)
from ignacio.application.use_cases.update_user import UpdateUserCommand
from ignacio.application.workspaces import default_workspace
from ignacio.domain import (
    Author,
    Channel,
    DeliveryStatus,
    DeliveryUpdate,
    InboundMessage,
    MediaRef,
    Message,
    MessageType,
    PageRequest,
    PhoneNumber,
    ProcessingState,
    Provider,
    Sender,
    WhatsAppUserId,
)
from tests.support.fakes import RecordingQueue, WorkerKilled
from tests.support.system import System, build_system

PHONE = "+34612345678"


def meta_sender(phone: str) -> Sender:
    """Someone as Meta names them since April 2026: their number, and their business-scoped
    user id (here made of the number) under the business account."""
    number = PhoneNumber.parse(phone)
    return Sender(
        phone=number,
        user_id=WhatsAppUserId("US." + number.e164[1:]),
        account="1234567890987654321",
    )


def inbound(
    text: str = "Hola Ignacio",
    *,
    external_id: str = "wamid.1",
    sender: str = PHONE,
    message_type: MessageType = MessageType.TEXT,
    media: MediaRef | None = None,
) -> InboundMessage:
    return InboundMessage(
        provider=Provider.WHATSAPP_CLOUD,
        external_id=external_id,
        sender=meta_sender(sender),
        profile_name="Lucía",
        sent_at=datetime(2026, 11, 22, 8, 59, tzinfo=UTC),
        message_type=message_type,
        text=text,
        media=media,
    )


@pytest.fixture
def queue() -> RecordingQueue:
    return RecordingQueue()


@pytest.fixture
def system(queue: RecordingQueue) -> System:
    system = build_system()
    system.container.job_queue.override(queue)
    return system


async def receive(system: System, message: InboundMessage) -> UUID | None:
    return (await system.container.receive_inbound()(message)).message_id


async def process(system: System, message_id: UUID) -> ProcessOutcome:
    return await system.container.process_inbound()(message_id)


async def stored(system: System, message_id: UUID) -> Message:
    async with system.container.uow()() as uow:
        message: Message | None = await uow.messages.get(message_id)
    assert message is not None
    return message


async def answer_to(system: System, message_id: UUID) -> Message:
    async with system.container.uow()() as uow:
        answer: Message | None = await uow.messages.reply_to(message_id)
    assert answer is not None
    return answer


async def test_a_first_message_makes_a_member_and_their_whatsapp_conversation(
    system: System, queue: RecordingQueue
) -> None:
    message_id = await receive(system, inbound())
    assert message_id is not None

    async with system.container.uow()() as uow:
        user = await uow.users.get_by_phone(PhoneNumber.parse(PHONE))
        assert user is not None
        conversation = await uow.conversations.latest_for(
            (await default_workspace(uow)).id, user.id, Channel.WHATSAPP
        )
        identities = await uow.identities.of_users([user.id])
    assert user.name == "Lucía"
    assert [(i.account, i.provider_user_id) for i in identities[user.id]] == [
        ("1234567890987654321", "US.34612345678")
    ]
    assert conversation is not None and conversation.channel is Channel.WHATSAPP
    message = await stored(system, message_id)
    assert message.conversation_id == conversation.id
    assert message.processing is ProcessingState.PENDING
    assert message.external_message_id == "wamid.1"
    assert queue.queued == [(message_id, 0)]


async def test_the_same_delivery_three_times_is_one_message_and_one_job(
    system: System, queue: RecordingQueue
) -> None:
    results = [await system.container.receive_inbound()(inbound()) for _ in range(3)]

    assert [result.duplicate for result in results] == [False, True, True]
    assert len(queue.queued) == 1
    message_id = results[0].message_id
    assert message_id is not None
    for _ in range(3):
        await process(system, message_id)
    assert len(system.channel.texts) == 1


async def test_a_message_is_read_answered_sent_and_done(system: System) -> None:
    message_id = await receive(system, inbound())
    assert message_id is not None

    outcome = await process(system, message_id)

    assert outcome.retry_in is None
    assert system.channel.read == ["wamid.1"]
    assert system.channel.texts == [(PHONE, "echo: Hola Ignacio (history 0)")]
    answer = await answer_to(system, message_id)
    assert answer.author is Author.ASSISTANT
    assert answer.channel is Channel.WHATSAPP
    assert answer.delivery_status is DeliveryStatus.SENT
    assert answer.external_message_id == "wamid.sent.1"
    assert (await stored(system, message_id)).processing is ProcessingState.DONE


async def test_whatsapp_messages_share_the_members_history_on_the_web(system: System) -> None:
    first = await receive(system, inbound("one", external_id="wamid.a"))
    assert first is not None
    await process(system, first)
    system.clock.advance(seconds=5)
    second = await receive(system, inbound("two", external_id="wamid.b"))
    assert second is not None
    await process(system, second)

    assert [m.content for m in system.assistant.turns[-1].history] == [
        "one",
        "echo: one (history 0)",
    ]
    member = (await system.login(PHONE)).user
    conversations = (
        await system.container.list_conversations()(await system.access(member), _query())
    ).items
    assert [c.channel for c in conversations] == [Channel.WHATSAPP]
    page = await system.container.list_messages()(
        await system.access(member), conversations[0].id, PageRequest()
    )
    assert len(page.items) == 4


def _query() -> Any:
    from ignacio.application.use_cases.list_conversations import ListConversationsQuery

    return ListConversationsQuery()


async def test_a_long_answer_goes_out_in_parts_in_order(system: System) -> None:
    system.assistant.reply_text = ("A sentence of some length. " * 160 + "\n\n") * 2
    message_id = await receive(system, inbound())
    assert message_id is not None

    await process(system, message_id)

    parts = [text for _, text in system.channel.texts]
    assert len(parts) == 3
    assert all(len(part) <= 4096 for part in parts)
    assert "".join("".join(parts).split()) == "".join(system.assistant.reply_text.split())


async def test_throttling_is_retried_no_sooner_than_asked_and_sent_once(system: System) -> None:
    system.channel.failures = [
        SendFailure("Too many requests", retriable=True, code=130429, retry_after=7)
    ]
    message_id = await receive(system, inbound())
    assert message_id is not None

    first = await process(system, message_id)
    second = await process(system, message_id)

    assert first.retry_in is not None and first.retry_in >= 7
    assert second.retry_in is None
    assert len(system.channel.texts) == 1
    assert (await answer_to(system, message_id)).delivery_status is DeliveryStatus.SENT


async def test_outside_the_24_hour_window_fails_at_once_with_the_reason(system: System) -> None:
    system.channel.failures = [SendFailure("Re-engagement message", retriable=False, code=131047)]
    admin = await system.container.create_user()(
        None, CreateUserCommand(phone="+34600000001", is_admin=True)
    )
    message_id = await receive(system, inbound())
    assert message_id is not None

    outcome = await process(system, message_id)

    assert outcome.retry_in is None
    assert system.channel.texts == []
    assert (await answer_to(system, message_id)).delivery_status is DeliveryStatus.FAILED
    failed = (
        await system.container.list_failed_deliveries()(await system.access(admin), PageRequest())
    ).items
    assert [(d.error_code, d.error_title, d.attempts) for d in failed] == [
        (131047, "Re-engagement message", 1)
    ]
    assert (await stored(system, message_id)).processing is ProcessingState.DONE


async def test_retriable_failures_end_as_failed_after_the_policy_allows(system: System) -> None:
    max_attempts = system.container.retry_policy().max_attempts
    system.channel.failures = [
        SendFailure("Service unavailable", retriable=True, code=None) for _ in range(max_attempts)
    ]
    message_id = await receive(system, inbound())
    assert message_id is not None

    outcomes = [await process(system, message_id) for _ in range(max_attempts)]

    assert all(o.retry_in is not None for o in outcomes[:-1])
    assert outcomes[-1].retry_in is None
    assert (await answer_to(system, message_id)).delivery_status is DeliveryStatus.FAILED
    assert system.channel.texts == []


async def test_a_worker_killed_mid_send_never_sends_twice(system: System) -> None:
    message_id = await receive(system, inbound())
    assert message_id is not None
    system.channel.crash_on_send = True
    with pytest.raises(WorkerKilled):
        await process(system, message_id)

    system.channel.crash_on_send = False
    await process(system, message_id)
    await process(system, message_id)

    assert system.channel.texts == []
    answer = await answer_to(system, message_id)
    assert answer.delivery_status is DeliveryStatus.FAILED
    async with system.container.uow()() as uow:
        parts = await uow.deliveries.for_message(answer.id)
    assert [p.error_title for p in parts] == [INTERRUPTED]


class _KillOnClaim:
    """Wraps the unit of work so that the first claim of a part kills the worker before it."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.armed = True

    def __call__(self, *, read_only: bool = False) -> Any:
        uow = self._inner(read_only=read_only)
        inner = uow.deliveries
        factory = self

        class Deliveries:
            def __getattr__(self, name: str) -> Any:
                return getattr(inner, name)

            async def claim(self, delivery_id: UUID) -> bool:
                if factory.armed:
                    factory.armed = False
                    raise WorkerKilled
                result: bool = await inner.claim(delivery_id)
                return result

        uow.deliveries = Deliveries()
        return uow


async def test_killed_between_storing_the_answer_and_sending_resumes_with_one_answer(
    system: System,
) -> None:
    killer = _KillOnClaim(system.container.uow())
    system.container.uow.override(killer)
    message_id = await receive(system, inbound())
    assert message_id is not None
    with pytest.raises(WorkerKilled):
        await process(system, message_id)
    assert system.channel.texts == []

    await process(system, message_id)
    await process(system, message_id)

    assert len(system.channel.texts) == 1
    assert len(system.assistant.turns) == 1
    assert (await answer_to(system, message_id)).delivery_status is DeliveryStatus.SENT


async def test_the_assistant_down_is_retried_then_apologised_for(system: System) -> None:
    system.assistant.failing = True
    message_id = await receive(system, inbound())
    assert message_id is not None
    max_attempts = system.container.retry_policy().max_attempts

    outcomes = [await process(system, message_id) for _ in range(max_attempts)]

    assert all(o.retry_in is not None for o in outcomes[:-1])
    assert system.channel.texts == [(PHONE, APOLOGY)]


async def test_reactions_are_kept_but_not_answered(system: System, queue: RecordingQueue) -> None:
    message_id = await receive(system, inbound("👍", message_type=MessageType.REACTION))
    assert message_id is not None
    assert (await stored(system, message_id)).processing is ProcessingState.DONE
    assert queue.queued == []


async def test_unsupported_messages_get_a_plain_notice_without_the_assistant(
    system: System,
) -> None:
    message_id = await receive(system, inbound("", message_type=MessageType.UNSUPPORTED))
    assert message_id is not None
    await process(system, message_id)
    assert system.channel.texts == [(PHONE, UNSUPPORTED_REPLY)]
    assert system.assistant.turns == []


async def test_a_deactivated_member_is_heard_but_not_answered(
    system: System, queue: RecordingQueue
) -> None:
    admin = await system.container.create_user()(
        None, CreateUserCommand(phone="+34600000001", is_admin=True)
    )
    first = await receive(system, inbound(external_id="wamid.first"))
    assert first is not None
    member = (await stored(system, first)).user_id
    await system.container.update_user()(admin, member, UpdateUserCommand(is_active=False))

    second = await receive(system, inbound(external_id="wamid.second"))

    assert second is not None
    assert (await stored(system, second)).processing is ProcessingState.DONE
    assert [queued for queued, _ in queue.queued] == [first]


async def test_media_is_downloaded_into_the_members_folder(system: System) -> None:
    system.media.media["media-1"] = (b"\xff\xd8\xffjpeg", "image/jpeg")
    media = MediaRef(provider_media_id="media-1", mime_type="image/jpeg")
    message_id = await receive(system, inbound("look", message_type=MessageType.IMAGE, media=media))
    assert message_id is not None

    await process(system, message_id)

    message = await stored(system, message_id)
    assert message.file_path == f"users/{message.user_id}/files/{message_id}/image.jpg"
    assert await system.container.blob_storage().get(message.file_path) == b"\xff\xd8\xffjpeg"
    assert len(system.channel.texts) == 1


async def test_media_download_is_retried_and_then_given_up_without_losing_the_answer(
    system: System,
) -> None:
    system.media.failures = [SendFailure("Temporarily unavailable", retriable=True)]
    media = MediaRef(provider_media_id="missing", mime_type="image/png")
    message_id = await receive(system, inbound("", message_type=MessageType.IMAGE, media=media))
    assert message_id is not None

    first = await process(system, message_id)
    second = await process(system, message_id)

    assert first.retry_in is not None
    assert second.retry_in is None
    assert (await stored(system, message_id)).file_path is None
    assert len(system.channel.texts) == 1


async def test_status_updates_move_forward_only(system: System) -> None:
    message_id = await receive(system, inbound())
    assert message_id is not None
    await process(system, message_id)
    answer = await answer_to(system, message_id)
    record = system.container.record_delivery_update()

    def update(status: DeliveryStatus, **extra: Any) -> DeliveryUpdate:
        return DeliveryUpdate(
            provider=Provider.WHATSAPP_CLOUD,
            external_id="wamid.sent.1",
            status=status,
            at=datetime(2026, 11, 22, 9, 1, tzinfo=UTC),
            **extra,
        )

    assert await record(update(DeliveryStatus.DELIVERED))
    assert await record(update(DeliveryStatus.READ))
    assert not await record(update(DeliveryStatus.DELIVERED))
    assert (await stored(system, answer.id)).delivery_status is DeliveryStatus.READ
    assert not await record(
        DeliveryUpdate(
            provider=Provider.WHATSAPP_CLOUD,
            external_id="wamid.unknown",
            status=DeliveryStatus.READ,
            at=datetime(2026, 11, 22, tzinfo=UTC),
        )
    )


async def test_a_failed_status_records_the_reason(system: System) -> None:
    message_id = await receive(system, inbound())
    assert message_id is not None
    await process(system, message_id)
    answer = await answer_to(system, message_id)

    await system.container.record_delivery_update()(
        DeliveryUpdate(
            provider=Provider.WHATSAPP_CLOUD,
            external_id="wamid.sent.1",
            status=DeliveryStatus.FAILED,
            at=datetime(2026, 11, 22, 9, 1, tzinfo=UTC),
            error_code=131026,
            error_title="Message undeliverable",
        )
    )

    assert (await stored(system, answer.id)).delivery_status is DeliveryStatus.FAILED


async def test_resume_queues_what_was_left_pending(system: System, queue: RecordingQueue) -> None:
    first = await receive(system, inbound(external_id="wamid.x"))
    second = await receive(system, inbound(external_id="wamid.y"))
    assert first is not None and second is not None
    await process(system, first)
    queue.queued.clear()

    resumed = await system.container.resume_processing()()

    assert resumed == 1
    assert queue.queued == [(second, 0)]


async def test_an_answer_to_a_backlog_older_than_the_window_fails_with_meta_s_reason(
    system: System, queue: RecordingQueue
) -> None:
    message_id = await receive(system, inbound("Hola"))
    assert message_id is not None
    system.clock.advance(hours=24, seconds=1)

    await process(system, message_id)

    assert system.channel.texts_to(PHONE) == []
    async with system.container.uow()(read_only=True) as uow:
        answer = await uow.messages.reply_to(message_id)
        assert answer is not None
        (part,) = await uow.deliveries.for_message(answer.id)
    assert answer.delivery_status is DeliveryStatus.FAILED
    assert part.error_code == 131047 and "24 hours" in (part.error_title or "")


async def test_within_the_window_the_same_answer_goes_out(
    system: System, queue: RecordingQueue
) -> None:
    message_id = await receive(system, inbound("Hola"))
    assert message_id is not None
    system.clock.advance(hours=23, minutes=59)

    await process(system, message_id)

    assert system.channel.texts_to(PHONE) == ["echo: Hola (history 0)"]
