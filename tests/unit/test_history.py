"""The history window the assistant reads, and how a message reads to it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ignacio.domain import Author, InvalidInput, MediaRef, Message, MessageType
from ignacio.domain.history import HistoryWindow, readable_text

START = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
WORKSPACE = uuid4()
CONVERSATION = uuid4()
USER = uuid4()


def message(content: str, number: int = 0, **fields: object) -> Message:
    values: dict[str, object] = {
        "id": uuid4(),
        "workspace_id": WORKSPACE,
        "conversation_id": CONVERSATION,
        "user_id": USER,
        "author": Author.MEMBER,
        "content": content,
        "created_at": START + timedelta(seconds=number),
    }
    return Message(**(values | fields))  # type: ignore[arg-type]


def test_a_message_reads_with_what_came_with_it() -> None:
    assert readable_text(message("hola")) == "hola"
    assert readable_text(message("", message_type=MessageType.IMAGE)) == "[photo]"
    assert readable_text(message("mira", message_type=MessageType.IMAGE)) == "[photo] mira"
    voice = message("", message_type=MessageType.AUDIO, transcript="¿Qué tal el plan?")
    assert readable_text(voice) == "[voice note] ¿Qué tal el plan?"
    assert readable_text(message("", message_type=MessageType.AUDIO)) == "[voice note]"
    document = message(
        "",
        message_type=MessageType.DOCUMENT,
        media=MediaRef(provider_media_id="1", filename="plan.pdf"),
    )
    assert readable_text(document) == "[document: plan.pdf]"
    stored = message("léelo", message_type=MessageType.DOCUMENT, file_path="users/u/files/f/a.txt")
    assert readable_text(stored) == "[document: a.txt] léelo"


def test_the_window_keeps_the_newest_messages_that_fit() -> None:
    history = [message(text, number) for number, text in enumerate(["aaaa", "bb", "cc", "dd"])]

    assert HistoryWindow(max_messages=3, max_chars=100).select(history) == history[1:]
    assert HistoryWindow(max_messages=10, max_chars=6).select(history) == history[1:]
    assert HistoryWindow(max_messages=10, max_chars=5).select(history) == history[2:]
    assert HistoryWindow(max_messages=0, max_chars=100).select(history) == []


def test_the_window_stops_at_a_message_too_long_to_fit() -> None:
    history = [message("short"), message("x" * 1000, 1), message("end", 2)]

    # No gap: what came before the long message is left out with it.
    assert HistoryWindow(max_messages=10, max_chars=100).select(history) == history[2:]


def test_a_negative_window_is_refused() -> None:
    with pytest.raises(InvalidInput):
        HistoryWindow(max_messages=-1)


@given(
    st.lists(st.text(max_size=30), max_size=30),
    st.integers(min_value=0, max_value=40),
    st.integers(min_value=0, max_value=300),
)
def test_the_window_is_a_bounded_suffix(texts: list[str], limit: int, budget: int) -> None:
    history = [message(text, number) for number, text in enumerate(texts)]

    chosen = HistoryWindow(max_messages=limit, max_chars=budget).select(history)

    assert len(chosen) <= limit
    assert sum(len(readable_text(m)) for m in chosen) <= budget
    assert chosen == history[len(history) - len(chosen) :]
