"""Messages and their deliveries change state through their own methods, which keep the rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import msgspec
from hypothesis import given
from hypothesis import strategies as st

from ignacio.domain import (
    Author,
    Channel,
    Conversation,
    Delivery,
    DeliveryStatus,
    DeliveryUpdate,
    Message,
    ProcessingState,
    Provider,
)
from ignacio.domain.deliveries import advanced, settled

START = datetime(2026, 12, 1, tzinfo=UTC)
instants = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 1, 1), timezones=st.just(UTC)
)


def inbound(channel: Channel, at: datetime = START) -> Message:
    return Message(
        id=uuid4(),
        workspace_id=uuid4(),
        conversation_id=uuid4(),
        user_id=uuid4(),
        author=Author.MEMBER,
        content="Hello",
        channel=channel,
        processing=ProcessingState.PENDING if channel is Channel.WHATSAPP else None,
        created_at=at,
    )


@given(asked=instants, clock=instants, channel=st.sampled_from(Channel))
def test_an_answer_always_sorts_after_what_it_answers(
    asked: datetime, clock: datetime, channel: Channel
) -> None:
    question = inbound(channel, asked)
    answer = Message.answer(question, id=uuid4(), content="Hi", at=clock)
    assert answer.created_at > question.created_at
    assert answer.created_at >= clock
    assert (answer.conversation_id, answer.user_id) == (question.conversation_id, question.user_id)
    assert answer.author is Author.ASSISTANT


def test_a_whatsapp_answer_waits_to_be_sent_and_names_its_question() -> None:
    question = inbound(Channel.WHATSAPP)
    answer = Message.answer(question, id=uuid4(), content="Hi", at=START)
    assert (answer.channel, answer.delivery_status, answer.reply_to_id) == (
        Channel.WHATSAPP,
        DeliveryStatus.PENDING,
        question.id,
    )
    web = Message.answer(inbound(Channel.WEB), id=uuid4(), content="Hi", at=START)
    assert (web.channel, web.delivery_status, web.reply_to_id) == (
        Channel.WEB,
        DeliveryStatus.DELIVERED,
        None,
    )


def test_an_inbound_message_goes_through_the_pipeline() -> None:
    message = inbound(Channel.WHATSAPP).attempted().attempted()
    assert message.processing_attempts == 2
    assert message.kept_at("users/x/a.ogg").file_path == "users/x/a.ogg"
    assert message.transcribed("  hola \n").transcript == "hola"
    assert message.done().processing is ProcessingState.DONE


def test_parts_are_numbered_and_settle_into_the_answer_s_status() -> None:
    answer = Message.answer(inbound(Channel.WHATSAPP), id=uuid4(), content="a b", at=START)
    parts = Delivery.parts_of(answer, ["a", "b"], uuid4, START)
    assert [(part.part, part.content, part.status) for part in parts] == [
        (0, "a", DeliveryStatus.PENDING),
        (1, "b", DeliveryStatus.PENDING),
    ]
    assert {(part.message_id, part.workspace_id) for part in parts} == {
        (answer.id, answer.workspace_id)
    }
    first = parts[0].sent(1, "wamid.1")
    assert settled(answer, [first, parts[1]]).delivery_status is DeliveryStatus.PENDING
    both = [first, parts[1].sent(2, "wamid.2")]
    assert settled(answer, both).delivery_status is DeliveryStatus.SENT
    assert settled(answer, both).external_message_id == "wamid.1"
    later = START + timedelta(minutes=1)
    failed = parts[1].released(3).failed(131047, "Re-engagement message", later)
    assert (failed.status, failed.sending, failed.attempts, failed.updated_at) == (
        DeliveryStatus.FAILED,
        False,
        3,
        later,
    )
    assert settled(answer, [first, failed]).delivery_status is DeliveryStatus.FAILED


def test_a_conversation_is_named_after_its_first_message_and_moves_up_with_each() -> None:
    untitled = Conversation(
        id=uuid4(), workspace_id=uuid4(), user_id=uuid4(), created_at=START, updated_at=START
    )
    later = START + timedelta(minutes=5)

    named = untitled.written_in("  Plan the launch\nin Valencia  ", later)
    assert (named.title, named.updated_at) == ("Plan the launch in Valencia", later)
    # A title, once there, stays: the next messages only move the conversation up.
    again = named.written_in("Another question", later + timedelta(minutes=1))
    assert again.title == "Plan the launch in Valencia"
    assert again.active_at(later + timedelta(hours=1)).updated_at == later + timedelta(hours=1)


def one_part(status: DeliveryStatus) -> Delivery:
    (part,) = Delivery.parts_of(inbound(Channel.WHATSAPP), ["Hi"], uuid4, START)
    return msgspec.structs.replace(part, status=status)


@given(st.sampled_from(DeliveryStatus), st.lists(st.sampled_from(DeliveryStatus), max_size=6))
def test_a_delivery_never_moves_back_and_a_failure_is_final(
    start: DeliveryStatus, reports: list[DeliveryStatus]
) -> None:
    part = one_part(start)
    for reported in reports:
        update = DeliveryUpdate(
            provider=Provider.WHATSAPP_CLOUD,
            external_id="wamid.X",
            status=reported,
            at=START,
            error_code=131047,
            error_title="Re-engagement message",
        )
        after = part.reported(update, START + timedelta(seconds=1))
        if after is part:
            assert advanced(part.status, reported) is part.status
            continue
        assert part.status is not DeliveryStatus.FAILED
        if after.status is DeliveryStatus.FAILED:
            assert (after.error_code, after.error_title) == (131047, "Re-engagement message")
        else:
            assert after.error_code is None
        part = after
