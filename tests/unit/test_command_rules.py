"""The command parser, the member's language and the titles `/new` gives: pure rules, checked
over any text."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ignacio.domain import Author, Channel, Conversation, Message, MessageType
from ignacio.domain.commands import (
    CATALOGUE,
    DEFAULT_NEW_TITLE,
    MAX_TITLE_LENGTH,
    Command,
    CommandName,
    catalogue_language,
    clip_title,
    guess_language,
    parse_command,
)
from ignacio.domain.conversations import MAX_TITLE_LENGTH as CONVERSATION_TITLE_LENGTH
from ignacio.domain.handover import asks_for_a_person
from ignacio.domain.history import assistant_reads

NAMES = [name for name in CommandName if name is not CommandName.UNKNOWN]
AT = datetime(2026, 12, 6, tzinfo=UTC)


@given(st.text())
def test_any_text_is_a_command_or_none_never_an_error(text: str) -> None:
    command = parse_command(text)
    assert command is None or isinstance(command, Command)
    if command is not None:
        assert text.strip().startswith("/")
        assert command.argument == command.argument.strip()


@given(
    name=st.sampled_from(NAMES),
    before=st.sampled_from(["", " ", "\n", "\t ", "\u00a0"]),
    after=st.sampled_from(["", " ", "\n", " \t"]),
    upper=st.booleans(),
)
def test_commands_are_found_whatever_their_case_and_surrounding_space(
    name: CommandName, before: str, after: str, upper: bool
) -> None:
    word = name.value.upper() if upper else name.value
    command = parse_command(f"{before}/{word}{after}")
    assert command is not None and command.name is name and command.argument == ""


@given(title=st.text())
def test_new_takes_any_title_and_keeps_a_safe_one(title: str) -> None:
    command = parse_command(f"/new {title}")
    assert command is not None and command.name is CommandName.NEW
    kept = command.title
    assert 1 <= len(kept) <= MAX_TITLE_LENGTH
    assert kept == kept.strip() and "\n" not in kept and "\x00" not in kept
    # A conversation takes it as it is.
    Conversation(
        id=uuid4(), workspace_id=uuid4(), user_id=uuid4(), title=kept, created_at=AT, updated_at=AT
    )


def test_titles_are_clipped_to_what_a_conversation_holds() -> None:
    assert MAX_TITLE_LENGTH == CONVERSATION_TITLE_LENGTH
    assert parse_command("/new " + "x" * 1000).title == "x" * (MAX_TITLE_LENGTH - 1) + "…"  # type: ignore[union-attr]
    assert parse_command("/new \x00\u200b\n").title == DEFAULT_NEW_TITLE  # type: ignore[union-attr]
    assert clip_title("  Budget\t 2027\r\n") == "Budget 2027"


@pytest.mark.parametrize(
    "text", ["/usr/bin", "/ help", "help", "a /help", "/2", "/help/me", "//help", "", "/"]
)
def test_what_is_not_a_command(text: str) -> None:
    assert parse_command(text) is None


@pytest.mark.parametrize(
    ("text", "name", "argument"),
    [
        ("/foo bar", CommandName.UNKNOWN, "bar"),
        ("/switch  3 ", CommandName.SWITCH, "3"),
        ("/New Budget\n2027", CommandName.NEW, "Budget 2027"),
        ("/ayuda", CommandName.UNKNOWN, ""),
        ("/Ñandú", CommandName.UNKNOWN, ""),
    ],
)
def test_commands_as_typed(text: str, name: CommandName, argument: str) -> None:
    assert parse_command(text) == Command(
        name=name, word=text.split()[0][1:].casefold(), argument=argument
    )


@pytest.mark.parametrize(
    ("argument", "choice"),
    [
        ("1", 1),
        ("12", 12),
        ("0", None),
        ("-1", None),
        ("two", None),
        ("", None),
        ("٣", None),
        ("1 2", None),
        ("9999999", None),
    ],
)
def test_switch_takes_a_plain_positive_number(argument: str, choice: int | None) -> None:
    assert Command(name=CommandName.SWITCH, word="switch", argument=argument).choice == choice


@given(st.text())
def test_human_is_the_table_s_human(text: str) -> None:
    command = parse_command(text)
    assert asks_for_a_person(text) == (command is not None and command.name is CommandName.HUMAN)


def test_human_as_before() -> None:
    assert asks_for_a_person("/human") and asks_for_a_person("  /HUMAN ")
    assert not asks_for_a_person("human") and not asks_for_a_person("/humans")


@given(st.lists(st.text(), max_size=5))
def test_any_text_has_a_language_or_none(texts: list[str]) -> None:
    assert guess_language(texts) in (None, "en", "es", "pt")


@pytest.mark.parametrize(
    ("texts", "language"),
    [
        (["Hola, necesito ayuda con el presupuesto"], "es"),
        (["¿Dónde está mi archivo?"], "es"),
        (["Olá, preciso de ajuda com o orçamento"], "pt"),
        (["Você pode me mandar o arquivo?"], "pt"),
        (["Não consigo abrir"], "pt"),
        (["Hello, I need help with the budget"], "en"),
        (["Can you send me the file?"], "en"),
        (["ok"], None),
        ([], None),
        (["12345"], None),
    ],
)
def test_the_members_language_from_what_they_wrote(texts: list[str], language: str | None) -> None:
    assert guess_language(texts) == language


@pytest.mark.parametrize(
    ("tag", "language"),
    [("es", "es"), ("pt-BR", "pt"), ("EN-gb", "en"), ("fr", None), (None, None), ("", None)],
)
def test_workspace_language_tags(tag: str | None, language: str | None) -> None:
    assert catalogue_language(tag) == language


def test_every_language_has_every_text() -> None:
    english = CATALOGUE["en"]
    for texts in CATALOGUE.values():
        for field in english.__struct_fields__:
            placeholders = {
                p
                for p in (
                    "{assistant}",
                    "{workspace}",
                    "{title}",
                    "{word}",
                    "{number}",
                    "{who}",
                    "{files}",
                    "{person}",
                )
                if p in getattr(english, field)
            }
            assert all(p in getattr(texts, field) for p in placeholders), field


def _message(
    content: str,
    *,
    author: Author = Author.MEMBER,
    reply_to: Message | None = None,
    channel: Channel = Channel.WHATSAPP,
) -> Message:
    return Message(
        id=uuid4(),
        workspace_id=uuid4(),
        conversation_id=uuid4(),
        user_id=uuid4(),
        author=author,
        content=content,
        message_type=MessageType.TEXT,
        channel=channel,
        reply_to_id=reply_to.id if reply_to else None,
        created_at=AT,
    )


def test_the_assistant_reads_after_the_last_clear_and_no_command() -> None:
    old = _message("my project is Falcon")
    old_answer = _message("noted", author=Author.ASSISTANT, reply_to=old)
    clear = _message("/clear")
    cleared = _message("Done", author=Author.ASSISTANT, reply_to=clear)
    question = _message("what is it called?")
    status = _message("/status")
    status_answer = _message("Workspace: x", author=Author.ASSISTANT, reply_to=status)
    later = _message("thanks")

    messages = [old, old_answer, clear, cleared, question, status, status_answer, later]
    assert assistant_reads(messages) == [question, later]
    assert assistant_reads([old, old_answer]) == [old, old_answer]
    # On the web a slash is just text.
    web = _message("/clear", channel=Channel.WEB)
    assert assistant_reads([old, web, question]) == [old, web, question]
