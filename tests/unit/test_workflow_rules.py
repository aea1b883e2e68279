"""Workflow steps: what each type accepts and keeps, the workflow's limits, and qualification."""

from __future__ import annotations

import contextlib
from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import uuid4

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ignacio.domain import InvalidInput
from ignacio.domain.workflow import (
    MAX_KEY,
    MAX_STEPS,
    MAX_TEXT_ANSWER,
    Progress,
    StepKind,
    Workflow,
    WorkflowStep,
)

AT = datetime(2026, 12, 6, 12, tzinfo=UTC)


def step(kind: StepKind, *, key: str = "value", options: tuple[str, ...] = ()) -> WorkflowStep:
    return WorkflowStep(key=key, prompt="Find it out.", kind=kind, options=options)


def kept_or_refused(kind: StepKind, raw: str, options: tuple[str, ...] = ()) -> str | None:
    try:
        return step(kind, options=options).normalised(raw)
    except InvalidInput:
        return None


@given(kind=st.sampled_from(list(StepKind)), raw=st.text(max_size=300))
def test_any_text_is_kept_in_normal_form_or_refused_with_invalid_input(
    kind: StepKind, raw: str
) -> None:
    """Whatever the model or a person sends, the outcome is a value the step takes again
    unchanged (normal form is a fixed point), or InvalidInput: never another error."""
    options = ("Idea", "Prototype", "Revenue")
    kept = kept_or_refused(kind, raw, options)
    if kept is not None:
        assert kept == step(kind, options=options).normalised(kept)
        assert kept == kept.strip() and kept


@given(st.integers(min_value=-(10**30), max_value=10**30))
def test_numbers_keep_their_value(number: int) -> None:
    assert Decimal(step(StepKind.NUMBER).normalised(f" {number} ")) == number


@given(
    st.decimals(
        allow_nan=False, allow_infinity=False, places=4, min_value=-(10**9), max_value=10**9
    )
)
def test_decimals_keep_their_value_with_a_point_or_a_comma(number: Decimal) -> None:
    written = format(number, "f")
    assert Decimal(step(StepKind.NUMBER).normalised(written)) == number
    assert Decimal(step(StepKind.NUMBER).normalised(written.replace(".", ","))) == number


@pytest.mark.parametrize("raw", ["1e3", "NaN", "Infinity", "12abc", "1.2.3", "١٢", "--1", "0x10"])
def test_what_is_not_a_plain_number_is_refused(raw: str) -> None:
    assert kept_or_refused(StepKind.NUMBER, raw) is None


@given(st.dates())
def test_dates_are_kept_as_iso_days(day: date) -> None:
    assert step(StepKind.DATE).normalised(day.isoformat()) == day.isoformat()


@pytest.mark.parametrize(
    "raw", ["2026-02-30", "31/12/2026", "20261231", "2026-12-31T10:00", "tomorrow", "2026-1-5"]
)
def test_what_is_not_an_iso_day_is_refused(raw: str) -> None:
    assert kept_or_refused(StepKind.DATE, raw) is None


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ("ana@Example.ORG", "ana@example.org"),
        ("first.last+tag@mail.example.co.uk", "first.last+tag@mail.example.co.uk"),
        (" o'brien@xn--bcher-kva.example ", "o'brien@xn--bcher-kva.example"),
    ],
)
def test_email_addresses_are_kept_with_their_domain_in_lowercase(raw: str, kept: str) -> None:
    assert step(StepKind.EMAIL).normalised(raw) == kept


@pytest.mark.parametrize(
    "raw",
    [
        "ana",
        "ana@",
        "@example.org",
        "ana@example",
        "ana@@example.org",
        "a@b@example.org",
        ".ana@example.org",
        "ana..b@example.org",
        "ana@-example.org",
        "ana@example.o",
        "ana @example.org",
        "ana@exa_mple.org",
        "ana@exam ple.org",
        "x" * 65 + "@example.org",
        "ana@" + "a" * 250 + ".org",
    ],
)
def test_what_is_not_an_email_address_is_refused(raw: str) -> None:
    assert kept_or_refused(StepKind.EMAIL, raw) is None


def test_phone_numbers_are_kept_in_e164() -> None:
    assert step(StepKind.PHONE).normalised("+34 612 345 678") == "+34612345678"
    assert kept_or_refused(StepKind.PHONE, "12") is None


@given(st.sampled_from(["Idea", "Prototype", "Revenue"]), st.booleans())
def test_a_choice_matches_its_option_whatever_the_case(option: str, upper: bool) -> None:
    written = option.upper() if upper else option.lower()
    assert (
        step(StepKind.CHOICE, options=("Idea", "Prototype", "Revenue")).normalised(f"  {written} ")
        == option
    )


def test_a_choice_refuses_what_is_not_an_option_naming_them() -> None:
    with pytest.raises(InvalidInput, match="Idea, Prototype"):
        step(StepKind.CHOICE, options=("Idea", "Prototype")).normalised("Scale")


def test_text_is_bounded_and_has_no_control_characters() -> None:
    assert step(StepKind.TEXT).normalised("  two\nlines ") == "two\nlines"
    assert kept_or_refused(StepKind.TEXT, "x" * (MAX_TEXT_ANSWER + 1)) is None
    assert kept_or_refused(StepKind.TEXT, "bell\x07") is None
    assert kept_or_refused(StepKind.TEXT, "   ") is None


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"key": "Email"}, "lowercase"),
        ({"key": "1st"}, "lowercase"),
        ({"key": "a" * (MAX_KEY + 1)}, "lowercase"),
        ({"key": "email\n"}, "lowercase"),
        ({"prompt": " "}, "sentence"),
        ({"prompt": "x" * 301}, "sentence"),
        ({"kind": StepKind.TEXT, "options": ("a",)}, "only a choice"),
        ({"kind": StepKind.CHOICE}, "1 to 30 options"),
        ({"kind": StepKind.CHOICE, "options": ("Yes", "yes")}, "twice"),
        ({"kind": StepKind.CHOICE, "options": (" Yes",)}, "without spaces"),
    ],
)
def test_a_step_checks_itself(fields: dict[str, object], says: str) -> None:
    given = {"key": "email", "prompt": "Ask for their email.", **fields}
    with pytest.raises(InvalidInput, match=says):
        msgspec.convert(given, WorkflowStep)


def test_a_workflow_has_distinct_keys_and_a_bounded_length() -> None:
    with pytest.raises(InvalidInput, match="share the key 'email'"):
        Workflow(steps=(step(StepKind.EMAIL, key="email"), step(StepKind.TEXT, key="email")))
    with pytest.raises(InvalidInput, match=f"at most {MAX_STEPS}"):
        Workflow(steps=tuple(step(StepKind.TEXT, key=f"s{n}") for n in range(MAX_STEPS + 1)))


def test_an_unknown_key_is_refused_naming_the_steps() -> None:
    workflow = Workflow(steps=(step(StepKind.EMAIL, key="email"),))
    with pytest.raises(InvalidInput, match="The steps are: email"):
        workflow.answer("budget", "12", by=None, at=AT)


def workflow_of(*steps: WorkflowStep) -> Workflow:
    return Workflow(steps=steps)


EMAIL = WorkflowStep(key="email", prompt="Ask for their email.", kind=StepKind.EMAIL)
STAGE = WorkflowStep(
    key="stage",
    prompt="Ask how far their project is.",
    kind=StepKind.CHOICE,
    options=("Idea", "Prototype"),
)
NOTE = WorkflowStep(key="note", prompt="Anything else?", required=False)


def progress_with(workflow: Workflow, **answers: str) -> Progress:
    progress = Progress(workspace_id=uuid4(), user_id=uuid4())
    for key, value in answers.items():
        progress = progress.with_answer(workflow.answer(key, value, by=None, at=AT))
    return progress


def test_qualified_when_every_required_step_is_answered() -> None:
    workflow = workflow_of(EMAIL, STAGE, NOTE)
    assert not progress_with(workflow, email="a@example.org").qualified(workflow)
    done = progress_with(workflow, email="a@example.org", stage="idea")
    assert done.qualified(workflow)
    assert [s.key for s in done.open_steps(workflow)] == ["note"]


def test_a_workflow_without_required_steps_qualifies_nobody() -> None:
    workflow = workflow_of(NOTE)
    assert not progress_with(workflow, note="hi").qualified(workflow)
    assert not progress_with(workflow).qualified(Workflow())


def test_changed_steps_keep_the_answers_but_count_only_those_that_still_fit() -> None:
    before = workflow_of(EMAIL, STAGE)
    progress = progress_with(before, email="a@example.org", stage="Prototype")
    # The stage loses the option answered, the email becomes text: both kept, neither counts.
    after = workflow_of(
        msgspec.structs.replace(EMAIL, kind=StepKind.TEXT),
        msgspec.structs.replace(STAGE, options=("Idea", "Revenue")),
    )
    assert set(progress.answers) == {"email", "stage"}
    assert progress.counted(after) == {}
    assert not progress.qualified(after)
    # Back as they were, they count again; an option renamed in case only still matches.
    again = workflow_of(EMAIL, msgspec.structs.replace(STAGE, options=("idea", "PROTOTYPE")))
    assert progress.qualified(again)


@given(
    kinds=st.lists(st.sampled_from(list(StepKind)), min_size=1, max_size=6),
    required=st.lists(st.booleans(), min_size=6, max_size=6),
    values=st.lists(st.text(max_size=40), min_size=6, max_size=6),
)
def test_qualified_is_exactly_every_required_step_counted(
    kinds: list[StepKind], required: list[bool], values: list[str]
) -> None:
    workflow = Workflow(
        steps=tuple(
            WorkflowStep(
                key=f"s{n}",
                prompt="Find it out.",
                kind=kind,
                required=required[n],
                options=("A", "B") if kind is StepKind.CHOICE else (),
            )
            for n, kind in enumerate(kinds)
        )
    )
    progress = Progress(workspace_id=uuid4(), user_id=uuid4())
    for n, current in enumerate(workflow.steps):
        with contextlib.suppress(InvalidInput):
            progress = progress.with_answer(workflow.answer(current.key, values[n], by=None, at=AT))
    counted = progress.counted(workflow)
    assert set(counted) == set(progress.answers)
    assert progress.qualified(workflow) == (
        bool(workflow.required) and all(s.key in counted for s in workflow.required)
    )
