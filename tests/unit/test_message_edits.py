"""ReviseInbound with ProcessInbound: a member's edits and deletions, whenever they come in the
life of the message they change (before its answer, while the assistant thinks, while the answer
is being sent, after it), answered at most once per question and never after a deletion."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from ignacio.application.ports import (
    AssistantReply,
    AssistantTurn,
    RateLimit,
    SendFailure,
    SentMessage,
)
from ignacio.application.use_cases.create_user import CreateUserCommand
from ignacio.application.use_cases.process_inbound import WITHDRAWN
from ignacio.application.use_cases.receive_inbound import InboundLimits
from ignacio.application.use_cases.revise_inbound import ReviseInboundResult
from ignacio.application.use_cases.update_user import UpdateUserCommand
from ignacio.domain import (
    DeliveryStatus,
    InboundEdit,
    InboundRevoke,
    Message,
    ProcessingState,
    Provider,
    Recipient,
)
from ignacio.domain.edits import EditEffect
from tests.support.fakes import EchoAssistant, RecordingChannel, RecordingQueue
from tests.support.system import System, build_system
from tests.unit.test_whatsapp_pipeline import (
    PHONE,
    inbound,
    meta_sender,
    process,
    receive,
    stored,
)

SENT = datetime(2026, 11, 22, 8, 59, tzinfo=UTC)


def edit(text: str, *, of: str = "wamid.1", number: int = 1, sender: str = PHONE) -> InboundEdit:
    return InboundEdit(
        provider=Provider.WHATSAPP_CLOUD,
        external_id=f"wamid.edit.{number}",
        original_external_id=of,
        sender=meta_sender(sender),
        sent_at=SENT + timedelta(minutes=number),
        text=text,
    )


def revoke(*, of: str = "wamid.1", sender: str = PHONE) -> InboundRevoke:
    return InboundRevoke(
        provider=Provider.WHATSAPP_CLOUD,
        external_id="wamid.revoke",
        original_external_id=of,
        sender=meta_sender(sender),
        sent_at=SENT + timedelta(minutes=9),
    )


@pytest.fixture
def queue() -> RecordingQueue:
    return RecordingQueue()


@pytest.fixture
def system(queue: RecordingQueue) -> System:
    system = build_system()
    system.container.job_queue.override(queue)
    return system


async def revise(system: System, revision: InboundEdit | InboundRevoke) -> ReviseInboundResult:
    return await system.container.revise_inbound()(revision)


async def answers(system: System, message_id: UUID) -> list[Message]:
    async with system.container.uow()() as uow:
        message = await uow.messages.get(message_id)
        assert message is not None
        recent = await uow.messages.recent(message.conversation_id, 50)
    return [m for m in recent if m.reply_to_id == message_id]


class InterruptedAssistant(EchoAssistant):
    """The echo assistant, during whose first answer something else happens (`meanwhile`)."""

    def __init__(self, meanwhile: Callable[[], Awaitable[object]]) -> None:
        super().__init__()
        self._meanwhile: Callable[[], Awaitable[object]] | None = meanwhile

    async def answer(self, turn: AssistantTurn) -> AssistantReply:
        reply = await super().answer(turn)
        if self._meanwhile is not None:
            meanwhile, self._meanwhile = self._meanwhile, None
            await meanwhile()
        return reply


class InterruptedChannel(RecordingChannel):
    """The recording channel, during whose first send something else happens (`meanwhile`)."""

    def __init__(self, meanwhile: Callable[[], Awaitable[object]]) -> None:
        super().__init__()
        self._meanwhile: Callable[[], Awaitable[object]] | None = meanwhile

    async def send_text(self, to: Recipient, text: str) -> SentMessage:
        sent = await super().send_text(to, text)
        if self._meanwhile is not None:
            meanwhile, self._meanwhile = self._meanwhile, None
            await meanwhile()
        return sent


async def test_an_edit_before_the_answer_is_answered_once_in_its_new_words(
    system: System, queue: RecordingQueue
) -> None:
    message_id = await receive(system, inbound("Whta time do you open?"))
    assert message_id is not None

    result = await revise(system, edit("What time do you open on Sunday?"))
    await process(system, message_id)

    assert result == ReviseInboundResult(message_id=message_id, effect=EditEffect.REWORDED)
    assert system.channel.texts == [(PHONE, "echo: What time do you open on Sunday? (history 0)")]
    # The answer already queued answers it: nothing more is queued.
    assert [queued for queued, _ in queue.queued] == [message_id]
    message = await stored(system, message_id)
    assert (message.original_text, message.revision) == ("Whta time do you open?", 0)


async def test_an_edit_while_the_assistant_thinks_is_asked_again_and_answered_once(
    system: System,
) -> None:
    message_id = await receive(system, inbound("What time do you open?"))
    assert message_id is not None
    assistant = InterruptedAssistant(lambda: revise(system, edit("Where are you?")))
    system.container.assistant.override(assistant)

    first = await process(system, message_id)
    second = await process(system, message_id)

    assert first.retry_in == 0.0 and second.retry_in is None
    assert [turn.message.content for turn in assistant.turns] == [
        "What time do you open?",
        "Where are you?",
    ]
    assert system.channel.texts == [(PHONE, "echo: Where are you? (history 0)")]
    assert [a.content for a in await answers(system, message_id)] == [
        "echo: Where are you? (history 0)"
    ]
    assert (await stored(system, message_id)).processing is ProcessingState.DONE


async def test_a_deletion_while_the_assistant_thinks_stores_and_sends_nothing(
    system: System,
) -> None:
    message_id = await receive(system, inbound("My card number is 4111"))
    assert message_id is not None
    system.container.assistant.override(InterruptedAssistant(lambda: revise(system, revoke())))

    outcome = await process(system, message_id)

    assert outcome.retry_in is None
    assert system.channel.texts == []
    assert await answers(system, message_id) == []
    message = await stored(system, message_id)
    assert message.is_revoked and message.processing is ProcessingState.DONE


async def test_a_deletion_while_the_answer_waits_to_be_sent_withdraws_it(
    system: System,
) -> None:
    message_id = await receive(system, inbound("My card number is 4111"))
    assert message_id is not None
    system.channel.failures = [SendFailure("Too many requests", retriable=True, code=130429)]
    assert (await process(system, message_id)).retry_in is not None

    await revise(system, revoke())
    await process(system, message_id)

    assert system.channel.texts == []
    (answer,) = await answers(system, message_id)
    assert answer.delivery_status is DeliveryStatus.FAILED
    async with system.container.uow()() as uow:
        (part,) = await uow.deliveries.for_message(answer.id)
    assert (part.status, part.error_title) == (DeliveryStatus.FAILED, WITHDRAWN)
    assert (await stored(system, message_id)).processing is ProcessingState.DONE


async def test_a_new_question_while_the_answer_is_on_its_way_comes_after_it(
    system: System, queue: RecordingQueue
) -> None:
    message_id = await receive(system, inbound("What time do you open?"))
    assert message_id is not None
    system.channel.failures = [SendFailure("Too many requests", retriable=True, code=130429)]
    assert (await process(system, message_id)).retry_in is not None

    result = await revise(system, edit("Do you deliver to Sevilla?"))
    first_run_again = await process(system, message_id)

    assert result.effect is EditEffect.NEW_QUESTION
    assert queue.queued[-1] == (message_id, 0)
    assert first_run_again.retry_in is None
    assert system.channel.texts == [
        (PHONE, "echo: What time do you open? (history 0)"),
        # The message as first written, and the answer to it, come before the new question.
        (PHONE, "echo: Do you deliver to Sevilla? (history 2)"),
    ]
    first, second = sorted(await answers(system, message_id), key=lambda a: a.revision)
    assert (first.revision, second.revision) == (0, 1)
    assert {first.delivery_status, second.delivery_status} == {DeliveryStatus.SENT}
    assert (await stored(system, message_id)).processing is ProcessingState.DONE


async def test_a_new_question_while_the_answer_is_being_sent_is_answered_after_it(
    system: System, queue: RecordingQueue
) -> None:
    message_id = await receive(system, inbound("What time do you open?"))
    assert message_id is not None
    channel = InterruptedChannel(lambda: revise(system, edit("Do you deliver to Sevilla?")))
    system.container.channel.override(channel)

    await process(system, message_id)
    # The run that sent the first answer left the new question to the run the edit queued.
    assert (await stored(system, message_id)).processing is ProcessingState.PENDING
    assert queue.queued[-1] == (message_id, 0)
    await process(system, message_id)

    assert [text for _, text in channel.texts] == [
        "echo: What time do you open? (history 0)",
        "echo: Do you deliver to Sevilla? (history 2)",
    ]
    assert (await stored(system, message_id)).processing is ProcessingState.DONE


async def test_an_edit_of_an_answered_message_is_answered_only_if_it_asks_something_else(
    system: System,
) -> None:
    message_id = await receive(system, inbound("What time do you open on Sundya?"))
    assert message_id is not None
    await process(system, message_id)

    typo = await revise(system, edit("What time do you open on Sunday?", number=1))
    await process(system, message_id)
    stale = await revise(system, edit("Something older", number=0))
    question = await revise(system, edit("What time do you close on Sunday?", number=2))
    again = await revise(system, edit("What time do you close on Sunday?", number=2))
    await process(system, message_id)

    assert typo.effect is EditEffect.REWORDED
    assert stale == ReviseInboundResult(message_id=None)
    assert question.effect is EditEffect.NEW_QUESTION
    assert again == ReviseInboundResult(message_id=None)
    assert [text for _, text in system.channel.texts] == [
        "echo: What time do you open on Sundya? (history 0)",
        "echo: What time do you close on Sunday? (history 2)",
    ]
    message = await stored(system, message_id)
    assert (message.content, message.original_text, message.revision) == (
        "What time do you close on Sunday?",
        "What time do you open on Sundya?",
        1,
    )


async def test_a_new_question_from_a_deactivated_member_is_kept_but_not_answered(
    system: System, queue: RecordingQueue
) -> None:
    admin = await system.container.create_user()(
        None, CreateUserCommand(phone="+34600000001", is_admin=True)
    )
    message_id = await receive(system, inbound("What time do you open?"))
    assert message_id is not None
    await process(system, message_id)
    member = (await stored(system, message_id)).user_id
    await system.container.update_user()(admin, member, UpdateUserCommand(is_active=False))

    result = await revise(system, edit("Do you deliver to Sevilla?"))

    assert result.effect is EditEffect.REWORDED
    assert [queued for queued, _ in queue.queued] == [message_id]
    assert (await stored(system, message_id)).content == "Do you deliver to Sevilla?"


async def test_edits_count_against_the_sender_s_limit(system: System) -> None:
    system.container.receive_inbound.add_kwargs(
        limits=InboundLimits(per_phone=RateLimit(amount=2, seconds=60))
    )
    system.container.revise_inbound.add_kwargs(
        limits=InboundLimits(per_phone=RateLimit(amount=2, seconds=60))
    )
    message_id = await receive(system, inbound("What time do you open?"))
    assert message_id is not None
    await process(system, message_id)

    first = await revise(system, edit("Do you deliver to Sevilla?", number=1))
    await process(system, message_id)
    second = await revise(system, edit("Do you deliver to Cádiz?", number=2))

    assert first.effect is EditEffect.NEW_QUESTION
    assert second.effect is EditEffect.REWORDED  # the third thing sent in the minute


async def test_an_edit_or_deletion_that_is_not_the_member_s_own_changes_nothing(
    system: System,
) -> None:
    message_id = await receive(system, inbound("Hola"))
    assert message_id is not None
    await process(system, message_id)
    async with system.container.uow()() as uow:
        answer = await uow.messages.reply_to(message_id)
    assert answer is not None and answer.external_message_id is not None

    results = [
        await revise(system, edit("Adiós", sender="+34699999999")),
        await revise(system, revoke(sender="+34699999999")),
        await revise(system, edit("Adiós", of="wamid.unknown")),
        # The assistant's own answer is not the member's to edit.
        await revise(system, revoke(of=answer.external_message_id)),
    ]

    assert results == [ReviseInboundResult(message_id=None)] * 4
    message = await stored(system, message_id)
    assert (message.content, message.is_revoked) == ("Hola", False)
