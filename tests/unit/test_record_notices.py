"""Telling a record's owner through the workspace's template outside the 24-hour window,
whatever values the template takes: the notice, the member's name and the record's title where
the variables' labels say, and nobody told (visibly) only when no template is configured."""

from __future__ import annotations

import msgspec
from hypothesis import given
from hypothesis import strategies as st

from ignacio.domain import Author
from ignacio.domain.records import OwnerNotice, RecordStatus, notice_values
from ignacio.domain.templates import MAX_VARIABLE_LABEL, MAX_VARIABLES, MessageTemplate
from tests.support.system import System
from tests.unit.test_records import (
    MEMBER,
    all_records,
    set_workspace,
    system,
    team,
    user,
    writes,
)

__all__ = ["system"]  # the fixture, used by name

NOTICE = "A comment on your record “The printer is broken”: Fixed\nnow"
LINE = "A comment on your record “The printer is broken”: Fixed now"


def test_one_variable_takes_the_notice_on_one_line() -> None:
    assert notice_values(("update",), notice=NOTICE, title="T", name="Ana") == [LINE]
    assert notice_values((), notice=NOTICE, title="T", name="Ana") == []


def test_unlabelled_variables_take_the_title_first_and_the_notice_last() -> None:
    values = notice_values(("1", "2", "3"), notice=NOTICE, title="Printer", name="Ana")
    assert values == ["Printer", "Printer", LINE]


def test_labels_say_where_the_name_and_the_title_go_in_any_order() -> None:
    variables = ("message", "member's first name", "Record title")
    values = notice_values(variables, notice=NOTICE, title="Printer", name="Ana")
    assert values == [LINE, "Ana", "Printer"]
    spanish = notice_values(("Nombre", "Mensaje"), notice=NOTICE, title="Printer", name="Ana")
    assert spanish == ["Ana", LINE]


def test_a_member_without_a_name_is_named_by_the_record_s_title() -> None:
    values = notice_values(("first name", "update"), notice=NOTICE, title="Printer", name=None)
    assert values == ["Printer", LINE]


def test_when_every_label_names_something_else_the_last_still_tells_the_notice() -> None:
    values = notice_values(("name", "title"), notice=NOTICE, title="Printer", name="Ana")
    assert values == ["Ana", LINE]


labels = st.text(
    alphabet=st.sampled_from("abcnmetiloprsu ñ'Á12"), min_size=1, max_size=MAX_VARIABLE_LABEL
).filter(str.strip)


@given(
    variables=st.lists(labels, min_size=1, max_size=MAX_VARIABLES).map(tuple),
    notice=st.text(min_size=1, max_size=3_000).filter(str.strip),
    title=st.text(max_size=300),
    name=st.none() | st.text(max_size=80),
)
def test_any_template_is_filled_with_the_notice_and_values_meta_takes(
    variables: tuple[str, ...], notice: str, title: str, name: str | None
) -> None:
    template = MessageTemplate(name="record_update", variables=variables)
    values = notice_values(variables, notice=notice, title=title, name=name)
    used = template.filled(values)  # raises on an empty, multi-line or too long value
    assert " ".join(notice.split())[:1_000] in used.parameters


async def test_a_template_of_two_values_tells_the_member_by_name(system: System) -> None:
    await writes(system, MEMBER, "/report The printer is broken")
    [record] = await all_records(system)
    member = await user(system, MEMBER)
    async with system.container.uow()() as uow:
        await uow.users.update(msgspec.structs.replace(member, name="Ana"))
        await uow.commit()
    _, agent = await team(system)
    system.clock.advance(hours=25)
    await set_workspace(
        system,
        reply_template=MessageTemplate(
            name="record_update", language="es", variables=("member's name", "update")
        ),
    )
    sent_before = len(system.channel.templates)
    told = await system.container.comment_on_record()(
        await system.access(agent), record.id, "Fixed\nnow"
    )
    await system.settle()
    assert told.notice is OwnerNotice.TEMPLATE
    assert told.comment is not None and told.comment.notice == "template"
    assert len(system.channel.templates) == sent_before + 1
    async with system.container.uow()(read_only=True) as uow:
        assert record.conversation_id is not None
        [sent] = await uow.messages.recent(record.conversation_id, 1)
    assert sent.author is Author.STAFF and sent.template is not None
    name, update = sent.template.parameters
    assert name == "Ana"
    assert update.startswith(f"A comment on your record “{record.title}”: Fixed now")


async def test_without_a_template_nobody_is_told_and_the_answer_says_so(system: System) -> None:
    await writes(system, MEMBER, "/report The printer is broken")
    [record] = await all_records(system)
    _, agent = await team(system)
    system.clock.advance(hours=25)
    sent_before = len(system.channel.templates)
    told = await system.container.change_record_status()(
        await system.access(agent), record.id, RecordStatus.RESOLVED
    )
    await system.settle()
    assert told.notice is OwnerNotice.NONE
    assert len(system.channel.templates) == sent_before
