"""The rules of one answer per burst (`ignacio.domain.bursts`), on their own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import msgspec
import pytest

from ignacio.domain import (
    Author,
    Channel,
    InvalidInput,
    Message,
    MessageType,
    ProcessingState,
)
from ignacio.domain.bursts import (
    AnswerNow,
    BurstPolicy,
    Wait,
    Yield,
    run_of,
    stands_alone,
)

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
CHAT = uuid4()


def said(at: float, text: str = "hola", **changes: object) -> Message:
    message = Message(
        id=uuid4(),
        workspace_id=CHAT,
        conversation_id=CHAT,
        user_id=CHAT,
        author=Author.MEMBER,
        content=text,
        channel=Channel.WHATSAPP,
        processing=ProcessingState.PENDING,
        created_at=T0 + timedelta(seconds=at),
    )
    return msgspec.structs.replace(message, **changes)


def answer_to(message: Message, at: float) -> Message:
    return Message.answer(message, id=uuid4(), content="ok", at=T0 + timedelta(seconds=at))


def ids(messages: list[Message]) -> list[UUID]:
    return [message.id for message in messages]


@pytest.mark.parametrize(
    "text", ["VERIFY 123456", "verify 12-34-56.", "yes", "Sí", "no", "/human", "/help", "/new x"]
)
def test_logins_commands_and_yes_or_no_stand_alone(text: str) -> None:
    assert stands_alone(said(0, text))


@pytest.mark.parametrize("text", ["hola", "yes please, and the price?", "un/dos", ""])
def test_other_words_may_be_part_of_a_burst(text: str) -> None:
    assert not stands_alone(said(0, text))


def test_an_edit_asking_anew_and_what_cannot_be_read_stand_alone() -> None:
    assert stands_alone(said(0, revision=1))
    assert stands_alone(said(0, "", message_type=MessageType.UNSUPPORTED))


def test_a_run_is_the_waiting_messages_around_one_deleted_ones_skipped() -> None:
    answered = said(0)
    first, deleted, second = said(10), said(11, revoked_at=T0), said(12)
    alone = said(13, "/help")
    third = said(14)
    thread = [answered, answer_to(answered, 1), first, deleted, second, alone, third]

    assert ids(run_of(thread, second)) == ids([first, second])
    assert ids(run_of(thread, third)) == ids([third])
    # One answered, or answered with another, waits no more: it stands apart.
    assert ids(run_of(thread, answered)) == ids([answered])
    folded = msgspec.structs.replace(first, answered_by_id=uuid4())
    assert ids(run_of([folded, second], second)) == ids([second])


def test_only_the_newest_message_s_job_answers_once_the_member_is_quiet() -> None:
    policy = BurstPolicy(quiet_seconds=2, max_wait_seconds=8)
    first, second = said(0), said(1)
    thread = [first, second]

    assert policy.decide(thread, first, T0 + timedelta(seconds=2)) == Yield(
        newest_id=second.id, seconds=3.0
    )
    assert policy.decide(thread, second, T0 + timedelta(seconds=2)) == Wait(seconds=1.0)
    decision = policy.decide(thread, second, T0 + timedelta(seconds=3))
    assert isinstance(decision, AnswerNow)
    assert ids(decision.messages) == ids(thread)
    assert ids(decision.earlier) == ids([first]) and decision.last == second


def test_the_maximum_wait_cuts_the_quiet_period_short() -> None:
    policy = BurstPolicy(quiet_seconds=2, max_wait_seconds=8)
    thread = [said(0), said(4), said(7.5)]

    assert policy.delay(thread, thread[-1], T0 + timedelta(seconds=7.5)) == 0.5
    assert isinstance(policy.decide(thread, thread[-1], T0 + timedelta(seconds=8)), AnswerNow)


def test_off_answers_each_message_at_once() -> None:
    policy = BurstPolicy.off()
    first, second = said(0), said(0.5)

    assert policy.decide([first, second], first, T0) == AnswerNow(messages=[first])
    assert policy.delay([first, second], second, T0) == 0.0


@pytest.mark.parametrize(("quiet", "longest"), [(-1, 8), (2, -1), (3, 2)])
def test_a_policy_cannot_wait_a_negative_time_nor_less_than_its_quiet(
    quiet: float, longest: float
) -> None:
    with pytest.raises(InvalidInput):
        BurstPolicy(quiet_seconds=quiet, max_wait_seconds=longest)
