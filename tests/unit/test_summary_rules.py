"""A conversation summary's rules: its text bounded, stale once newer messages exist, and the
window of the conversation it reads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ignacio.domain import Author, InvalidInput, Message
from ignacio.domain.history import readable_text
from ignacio.domain.summaries import (
    MAX_SUMMARY_LENGTH,
    ConversationSummary,
    SummaryWindow,
    check_summary_text,
    fit_summary,
)

START = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
WORKSPACE, CONVERSATION, USER = uuid4(), uuid4(), uuid4()


def message(content: str = "hola", seconds: float = 0, **fields: Any) -> Message:
    values: dict[str, Any] = {
        "id": uuid4(),
        "workspace_id": WORKSPACE,
        "conversation_id": CONVERSATION,
        "user_id": USER,
        "author": Author.MEMBER,
        "content": content,
        "created_at": START + timedelta(seconds=seconds),
    }
    return Message(**(values | fields))


def summary_up_to(last: Message, **fields: Any) -> ConversationSummary:
    values: dict[str, Any] = {
        "id": uuid4(),
        "workspace_id": WORKSPACE,
        "conversation_id": CONVERSATION,
        "text": "Ana wants a new appointment.",
        "last_message_id": last.id,
        "last_message_at": last.created_at,
        "messages_read": 1,
        "created_at": START + timedelta(minutes=5),
    }
    return ConversationSummary(**(values | fields))


def test_a_summary_is_stale_once_a_newer_message_exists() -> None:
    first, last = message(seconds=0), message(seconds=1)
    summary = summary_up_to(last)

    assert not summary.stale(None)
    assert not summary.stale(last)
    assert not summary.stale(first)  # an older one, read or not, changes nothing
    assert summary.stale(message(seconds=2))
    # Two messages in one tick of the clock: the id orders them, as the conversation does.
    same_tick = message(seconds=1, id=UUID(int=last.id.int + 1))
    assert summary.stale(same_tick)
    assert not summary.stale(message(seconds=1, id=UUID(int=last.id.int - 1)))


def test_who_asked_for_it_tells_a_summary_asked_for_from_one_made_at_a_handoff() -> None:
    said = message()
    assert summary_up_to(said).automatic
    assert not summary_up_to(said, requested_by=uuid4()).automatic


@pytest.mark.parametrize(
    "fields",
    [
        {"text": "   "},
        {"text": "x" * (MAX_SUMMARY_LENGTH + 1)},
        {"messages_read": 0},
        {"input_tokens": -1},
        {"latency_ms": -5},
    ],
)
def test_a_summary_refuses_what_breaks_its_rules(fields: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput):
        summary_up_to(message(), **fields)


@given(st.text(max_size=MAX_SUMMARY_LENGTH * 2))
def test_any_text_with_words_fits_a_summary_once_cut(text: str) -> None:
    if not text.strip():
        with pytest.raises(InvalidInput):
            check_summary_text(fit_summary(text))
        return
    fitted = fit_summary(text)
    assert check_summary_text(fitted) == fitted
    if len(text.strip()) <= MAX_SUMMARY_LENGTH:
        assert fitted == text.strip()
    else:
        assert fitted.endswith("…")


def test_the_window_reads_the_newest_messages_each_cut_to_its_share() -> None:
    pasted = message("word " * 2_000, seconds=1)
    conversation = [message("first", 0), pasted, message("¿Y ahora?", 2)]
    window = SummaryWindow(max_messages=10, max_chars=1_000, message_chars=300)

    read = window.select(conversation)

    # The long one is cut rather than ending the window: what came before it is still read.
    assert [m.id for m in read] == [m.id for m in conversation]
    assert len(readable_text(read[1])) <= 300 and read[1].content.endswith("…")
    assert read[0] == conversation[0] and read[2] == conversation[2]
    assert [m.id for m in SummaryWindow(max_messages=2).select(conversation)] == [
        pasted.id,
        conversation[2].id,
    ]


def test_the_window_always_reads_the_newest_message() -> None:
    newest = message("x" * 500, seconds=3)
    window = SummaryWindow(max_messages=5, max_chars=100, message_chars=400)
    assert [m.id for m in window.select([message("a"), newest])] == [newest.id]
    assert window.select([]) == []
    with pytest.raises(InvalidInput):
        SummaryWindow(max_messages=0)
