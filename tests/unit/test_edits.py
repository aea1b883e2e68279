"""A member's edits and deletions of their messages: the rule that tells a new question from a
typo fixed, the transitions of a message, and what the assistant reads back afterwards."""

from __future__ import annotations

import string
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from ignacio.domain import Author, Channel, Message, ProcessingState
from ignacio.domain.edits import TYPO_WORD_LENGTH, EditEffect, same_question, words
from ignacio.domain.history import HistoryWindow, unrevoked
from ignacio.domain.summaries import SummaryWindow

START = datetime(2026, 12, 1, tzinfo=UTC)
LATER = START + timedelta(minutes=1)
word = st.text(alphabet=string.ascii_lowercase + "áéíñ", min_size=1, max_size=12)
sentences = st.lists(word, min_size=1, max_size=12)


# The rule.


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("What time do you open?", "what time do you open"),
        ("What time do you open?", "What time do you open? 🙏"),
        ("whta time do you open", "what time do you open"),  # two letters swapped
        ("What time do you opne on Sundya?", "What time do you open on Sunday?"),  # two slips
        ("Is the ofice open?", "Is the office open?"),  # a letter dropped
        ("Is the offfice open?", "Is the office open?"),  # a letter added
        ("Can I pay by cheque", "Can I pay by chequr"),  # a letter replaced
        ("¿Abrís el  domingo?", "¿abrís el domingo ?"),
    ],
)
def test_a_typo_fixed_asks_the_same_question(before: str, after: str) -> None:
    assert same_question(before, after)
    assert same_question(after, before)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("What time do you open?", "What time do you close?"),
        ("Is it open on Monday?", "Is it open on Sunday?"),  # two letters apart: a new day
        ("I need 10 copies", "I need 11 copies"),  # numbers are never typos
        ("Can I pay?", "Can't I pay?"),  # a short word changed
        ("Is it open", "Is it open today"),  # a word more
        ("Is the office open", "Is the office"),  # a word fewer
        ("Whta tiem is teh meeting", "What time is the meeting"),  # three words, one too short
        ("", "What is this?"),  # a photo's caption added
    ],
)
def test_anything_else_is_a_new_question(before: str, after: str) -> None:
    assert not same_question(before, after)
    assert not same_question(after, before)


@given(text=st.text(max_size=200))
def test_a_text_asks_what_it_asks(text: str) -> None:
    assert same_question(text, text)


@given(before=st.text(max_size=200), after=st.text(max_size=200))
def test_the_rule_is_symmetric(before: str, after: str) -> None:
    assert same_question(before, after) == same_question(after, before)


@given(text=sentences, punctuation=st.text(alphabet="¿?¡!.,;:()-\"' 😀🙏\n", max_size=5))
def test_case_punctuation_and_emoji_never_change_the_question(
    text: list[str], punctuation: str
) -> None:
    plain = " ".join(text)
    assert same_question(plain, punctuation + plain.upper() + punctuation)


@given(text=sentences, extra=word, at=st.integers(min_value=0))
def test_a_word_more_is_always_a_new_question(text: list[str], extra: str, at: int) -> None:
    longer = list(text)
    longer.insert(at % (len(text) + 1), extra)
    assert not same_question(" ".join(text), " ".join(longer))


@given(text=sentences, at=st.integers(min_value=0), old=st.integers(0, 9), new=st.integers(0, 9))
def test_a_changed_digit_is_always_a_new_question(
    text: list[str], at: int, old: int, new: int
) -> None:
    assume(old != new)
    before, after = list(text), list(text)
    index = at % len(text)
    before[index] += str(old)
    after[index] += str(new)
    assert not same_question(" ".join(before), " ".join(after))


@given(text=sentences, at=st.integers(min_value=0), replacement=st.sampled_from("xyz"))
def test_one_letter_replaced_in_a_long_word_is_a_typo_and_in_a_short_one_is_not(
    text: list[str], at: int, replacement: str
) -> None:
    index = at % len(text)
    target = text[index]
    assume(target[-1] != replacement)
    changed = list(text)
    changed[index] = target[:-1] + replacement
    assert same_question(" ".join(text), " ".join(changed)) == (len(target) >= TYPO_WORD_LENGTH)


def test_words_are_folded_and_split_on_everything_but_letters_and_digits() -> None:
    # NFKC: a full-width "ABC" reads as "abc".
    assert words("  ¿Qué TAL?—bien,\tgracias 👋 \uff21\uff22\uff23 42 ") == [
        "qué",
        "tal",
        "bien",
        "gracias",
        "abc",
        "42",
    ]


# The message's transitions.


def whatsapp_message(text: str = "What time do you open?", **fields: object) -> Message:
    values: dict[str, object] = {
        "id": uuid4(),
        "workspace_id": uuid4(),
        "conversation_id": uuid4(),
        "user_id": uuid4(),
        "author": Author.MEMBER,
        "content": text,
        "channel": Channel.WHATSAPP,
        "processing": ProcessingState.PENDING,
        "external_message_id": "wamid.1",
        "created_at": START,
    }
    return Message(**(values | fields))  # type: ignore[arg-type]


def test_an_edit_keeps_what_was_first_written_through_later_edits() -> None:
    first, effect = whatsapp_message().edited("Where are you?", at=START, answered=False)
    second, again = first.edited("Where are you now?", at=LATER, answered=False)

    assert (effect, again) == (EditEffect.REWORDED, EditEffect.REWORDED)
    assert (second.content, second.original_text, second.edited_at) == (
        "Where are you now?",
        "What time do you open?",
        LATER,
    )
    assert second.is_edited and second.revision == 0


def test_an_edit_of_an_answered_message_that_asks_something_else_is_a_new_revision() -> None:
    answered = whatsapp_message(processing=ProcessingState.DONE)

    asked, effect = answered.edited("Where are you?", at=START, answered=True)
    fixed, typo = answered.edited("What time do you opne?", at=START, answered=True)
    refused, not_now = answered.edited("Where are you?", at=START, answered=True, may_answer=False)

    assert effect is EditEffect.NEW_QUESTION
    assert (asked.revision, asked.processing) == (1, ProcessingState.PENDING)
    assert (typo, fixed.revision, fixed.processing) == (
        EditEffect.REWORDED,
        0,
        ProcessingState.DONE,
    )
    assert (not_now, refused.revision, refused.content) == (
        EditEffect.REWORDED,
        0,
        "Where are you?",
    )


def test_an_edit_that_changes_nothing_is_the_same_message() -> None:
    edited, _ = whatsapp_message().edited("Where are you?", at=LATER, answered=False)
    deleted = edited.revoked(LATER)

    assert edited.edited("Where are you?", at=LATER, answered=True) == (
        edited,
        EditEffect.UNCHANGED,
    )
    assert edited.edited("Something older", at=START, answered=True) == (
        edited,
        EditEffect.STALE,
    )
    assert deleted.edited("After deleting", at=LATER, answered=True) == (
        deleted,
        EditEffect.DELETED,
    )


def test_a_deletion_is_kept_once_and_only_the_member_s_messages_take_one() -> None:
    message = whatsapp_message()
    deleted = message.revoked(LATER)

    assert deleted.is_revoked and deleted.revoked_at == LATER
    assert deleted.revoked(LATER + timedelta(minutes=1)) is deleted
    answer = Message.answer(message, id=uuid4(), content="9 am", at=LATER)
    with pytest.raises(ValueError, match="member's own"):
        answer.revoked(LATER)
    with pytest.raises(ValueError, match="member's own"):
        answer.edited("Noon", at=LATER, answered=False)


def test_an_answer_carries_the_revision_it_answers() -> None:
    asked, _ = whatsapp_message(processing=ProcessingState.DONE).edited(
        "Where are you?", at=START, answered=True
    )

    assert Message.answer(asked, id=uuid4(), content="Here", at=LATER).revision == 1


# What is read back.


def test_a_deleted_message_and_its_answer_are_not_read_back() -> None:
    kept = whatsapp_message("Hello")
    secret = whatsapp_message("My password is hunter2", created_at=LATER)
    answer = Message.answer(secret, id=uuid4(), content="Got hunter2", at=LATER)
    later = whatsapp_message("Thanks", created_at=LATER + timedelta(minutes=1))
    conversation = [kept, secret.revoked(LATER), answer, later]

    assert unrevoked(conversation) == [kept, later]
    assert HistoryWindow().select(conversation) == [kept, later]
    assert SummaryWindow().select(conversation) == [kept, later]
    assert SummaryWindow().select([secret.revoked(LATER), answer]) == []
