"""Records' rules: what a type accepts, how values are normalised, how dates are read, and where
a record may go."""

from __future__ import annotations

import json
import math
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ignacio.domain import Conflict, InvalidInput
from ignacio.domain.records import (
    MAX_ITEMS,
    PROPOSAL,
    REPORT,
    FieldKind,
    FieldSpec,
    Record,
    RecordSource,
    RecordStatus,
    RecordType,
    check_timezone,
    local_today,
    resolve_date,
)
from ignacio.domain.workspaces import AssistantSettings

FRIDAY = date(2026, 12, 11)
WEDNESDAY = date(2026, 12, 9)


def test_the_proposal_of_the_example_is_normalised() -> None:
    values = PROPOSAL.validate(
        {
            "summary": "Login page and user dashboard",
            "items": [
                {
                    "type": "Feature",
                    "title": "Login page",
                    "estimatedHours": 3,
                    "dueDate": "by Friday",
                },
                {"title": "User dashboard", "estimatedHours": 5.0, "priority": "HIGH"},
            ],
            "totalEstimatedHours": 8,
            "confidence": 0.6,
        },
        today=WEDNESDAY,
    )
    assert values["items"][0] == {
        "type": "feature",
        "title": "Login page",
        "estimatedHours": 3,
        "dueDate": "2026-12-11",
    }
    assert values["items"][1]["priority"] == "high"
    assert PROPOSAL.summary(values) == "Login page and user dashboard"


@pytest.mark.parametrize(
    ("values", "says"),
    [
        ({"summary": "x"}, "proposal.items is required"),
        ({"summary": 3, "items": [{"title": "a"}]}, "proposal.summary must be a text"),
        ({"summary": "x", "items": [{"title": "a"}], "owner": "u"}, "no field owner"),
        ({"summary": "x", "items": [{"title": "a", "userId": "u"}]}, "no field userId"),
        ({"summary": "x", "items": "a, b"}, "must be a list of items"),
        ({"summary": "x", "items": [{"title": "a", "estimatedHours": "3"}]}, "must be a number"),
        ({"summary": "x", "items": [{"title": "a", "estimatedHours": True}]}, "must be a number"),
        ({"summary": "x", "items": [{"title": "a", "dueDate": "someday"}]}, "not a date"),
        ({"summary": "x", "items": [{"title": "a", "dueDate": "2026-02-30"}]}, "calendar"),
        ({"summary": "x", "items": [{"title": "a", "priority": "urgent"}]}, "one of: low"),
        ({"summary": "x", "items": [{"title": "a"}] * (MAX_ITEMS + 1)}, "at most 50 items"),
        ({"summary": "x", "items": [{"title": "a"}] * 10_000}, "at most 50 items"),
        ({"summary": "x", "items": [{"title": "a"}], "confidence": math.inf}, "between"),
        ({"summary": "x", "items": [{"title": "a"}], "confidence": 1e13}, "between"),
        ({"summary": "x" * 4_001, "items": [{"title": "a"}]}, "at most 4000"),
        ({"summary": "\u0000\u200b ", "items": [{"title": "a"}]}, "cannot be empty"),
        ([], "must be an object"),
        ("summary", "must be an object"),
    ],
)
def test_wrong_values_are_refused_naming_the_field(values: object, says: str) -> None:
    with pytest.raises(InvalidInput, match=says):
        PROPOSAL.validate(values, today=WEDNESDAY)


def test_a_record_too_large_as_a_whole_is_refused() -> None:
    items = [{"title": "t" * 3_000, "description": "d" * 3_000} for _ in range(MAX_ITEMS)]
    with pytest.raises(InvalidInput, match="at most 64 KB"):
        PROPOSAL.validate({"summary": "x", "items": items}, today=WEDNESDAY)


@pytest.mark.parametrize(
    ("said", "today", "meant"),
    [
        ("2026-12-24", WEDNESDAY, date(2026, 12, 24)),
        ("by Friday", WEDNESDAY, FRIDAY),
        ("friday", FRIDAY, FRIDAY + timedelta(days=7)),
        ("next Friday", WEDNESDAY, FRIDAY),
        ("Monday", FRIDAY, date(2026, 12, 14)),
        ("today", WEDNESDAY, WEDNESDAY),
        ("Tomorrow", WEDNESDAY, date(2026, 12, 10)),
        ("in 3 days", WEDNESDAY, date(2026, 12, 12)),
        ("in 2 weeks", WEDNESDAY, date(2026, 12, 23)),
    ],
)
def test_dates_are_read_as_a_member_says_them(said: str, today: date, meant: date) -> None:
    assert resolve_date(said, today) == meant


def test_today_is_the_workspace_s_today() -> None:
    # 23:30 UTC on Thursday is already Friday in Madrid, still Thursday in Los Angeles.
    now = datetime(2026, 12, 10, 23, 30, tzinfo=UTC)
    assert local_today(now, "Europe/Madrid") == FRIDAY
    assert local_today(now, "America/Los_Angeles") == date(2026, 12, 10)
    assert local_today(now, None) == date(2026, 12, 10)
    by_friday = resolve_date("by Friday", local_today(now, "Europe/Madrid"))
    assert by_friday == FRIDAY + timedelta(days=7)


@pytest.mark.parametrize("zone", ["Mars/Olympus", "", "../etc/passwd", "Europe/Madrid\n"])
def test_a_time_zone_must_be_an_iana_name(zone: str) -> None:
    with pytest.raises(InvalidInput, match="not a time zone"):
        check_timezone(zone)
    with pytest.raises(InvalidInput):
        AssistantSettings(timezone=zone)
    assert AssistantSettings(timezone="America/Sao_Paulo").timezone == "America/Sao_Paulo"


# Hypothesis over field types ------------------------------------------------------------------

KIND_VALUES: dict[FieldKind, st.SearchStrategy[Any]] = {
    FieldKind.TEXT: st.text(
        alphabet=st.characters(blacklist_categories=("Cc", "Cf", "Cs")), min_size=1, max_size=50
    ).filter(lambda s: s.strip()),
    FieldKind.NUMBER: st.floats(min_value=-1e12, max_value=1e12, allow_nan=False),
    FieldKind.INTEGER: st.integers(min_value=-(10**12), max_value=10**12),
    FieldKind.DATE: st.dates(min_value=date(1900, 1, 1)).map(date.isoformat),
    FieldKind.BOOLEAN: st.booleans(),
    FieldKind.CHOICE: st.sampled_from(["low", "MEDIUM", "High"]),
}
anything = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def _spec(kind: FieldKind) -> FieldSpec:
    choices = ("low", "medium", "high") if kind is FieldKind.CHOICE else ()
    return FieldSpec(key="value", label="Value", kind=kind, choices=choices)


def _type(*fields: FieldSpec) -> RecordType:
    note = FieldSpec(key="note", label="Note", kind=FieldKind.TEXT)
    return RecordType(name="probe", label="Probe", fields=(note, *fields), text_field="note")


@given(st.sampled_from(list(KIND_VALUES)).flatmap(lambda k: st.tuples(st.just(k), KIND_VALUES[k])))
def test_a_value_of_its_kind_is_kept_and_stays_the_same_once_cleaned(
    case: tuple[FieldKind, Any],
) -> None:
    kind, value = case
    probe = _type(_spec(kind))
    cleaned = probe.validate({"value": value}, today=WEDNESDAY)
    # Normalising is idempotent, and the result survives JSON (as the database keeps it).
    assert probe.validate(cleaned, today=WEDNESDAY) == cleaned
    assert json.loads(json.dumps(cleaned)) == cleaned


@given(st.sampled_from(list(KIND_VALUES)), anything)
def test_any_value_is_either_refused_with_invalid_input_or_of_the_kind(
    kind: FieldKind, value: object
) -> None:
    probe = _type(_spec(kind))
    try:
        cleaned = probe.validate({"value": value}, today=WEDNESDAY)
    except InvalidInput as error:
        message = error.message
        assert "probe.value" in message
        return
    if "value" not in cleaned:
        assert value is None or value == "" or value == []  # an optional field left empty
        return
    kept = cleaned["value"]
    match kind:
        case FieldKind.TEXT:
            assert isinstance(kept, str) and kept.strip()
        case FieldKind.NUMBER:
            assert isinstance(kept, int | float) and not isinstance(kept, bool)
        case FieldKind.INTEGER:
            assert type(kept) is int
        case FieldKind.DATE:
            assert date.fromisoformat(kept)
        case FieldKind.BOOLEAN:
            assert isinstance(kept, bool)
        case FieldKind.CHOICE:
            assert kept in ("low", "medium", "high")


@given(st.dictionaries(st.text(max_size=10), anything, max_size=6))
def test_any_object_gives_a_proposal_of_its_fields_or_an_error(values: dict[str, Any]) -> None:
    try:
        cleaned = PROPOSAL.validate(values, today=WEDNESDAY)
    except InvalidInput:
        return
    assert set(cleaned) <= {spec.key for spec in PROPOSAL.fields}
    assert {"summary", "items"} <= set(cleaned)


@given(st.text(max_size=60))
def test_any_date_text_is_a_date_or_a_clear_refusal(text: str) -> None:
    try:
        assert isinstance(resolve_date(text, WEDNESDAY), date)
    except InvalidInput as error:
        assert error.message  # noqa: PT017


def test_types_check_their_own_definition() -> None:
    with pytest.raises(InvalidInput, match="key"):
        FieldSpec(key="due date", label="Due", kind=FieldKind.DATE)
    with pytest.raises(InvalidInput, match="choices"):
        FieldSpec(key="p", label="P", kind=FieldKind.CHOICE)
    inner = FieldSpec(key="x", label="X", kind=FieldKind.ITEMS, items=(_spec(FieldKind.TEXT),))
    with pytest.raises(InvalidInput, match="lists of their own"):
        FieldSpec(key="y", label="Y", kind=FieldKind.ITEMS, items=(inner,))
    with pytest.raises(InvalidInput, match="different keys"):
        _type(_spec(FieldKind.TEXT), _spec(FieldKind.DATE))
    with pytest.raises(InvalidInput, match="text fields"):
        RecordType(name="x", label="X", fields=(_spec(FieldKind.DATE),), text_field="value")
    with pytest.raises(InvalidInput, match="name"):
        RecordType(name="Bad Name", label="X", fields=REPORT.fields, text_field="body")
    # A type given as JSON (the API's, the database's) is checked the same way.
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert(
            {"name": "x", "label": "X", "textField": "a", "fields": []},
            RecordType,
            from_attributes=False,
        )


def test_a_command_s_record_leaves_the_model_s_fields_to_the_team() -> None:
    values, unfilled = REPORT.from_text("  The printer on floor 2 is broken  ")
    assert values == {"body": "The printer on floor 2 is broken"}
    assert unfilled == ("title", "category")
    values, unfilled = PROPOSAL.from_text("Login page by Friday")
    assert unfilled == ("items",)


def _record(source: RecordSource = RecordSource.ASSISTANT) -> Record:
    at = datetime(2026, 12, 9, tzinfo=UTC)
    values = REPORT.validate(
        {"title": "Broken", "body": "It is", "category": "problem"}, today=WEDNESDAY
    )
    return Record.drafted(
        id=uuid4(),
        workspace_id=uuid4(),
        user_id=uuid4(),
        kind=REPORT,
        values=values,
        source=source,
        at=at,
    )


def test_the_assistant_s_record_is_a_draft_until_the_member_confirms() -> None:
    draft = _record()
    assert draft.status is RecordStatus.DRAFT
    with pytest.raises(Conflict):
        draft.moved_to(RecordStatus.RESOLVED, draft.created_at)
    corrected = draft.corrected(REPORT, {**draft.values, "title": "Very broken"}, draft.created_at)
    assert corrected.title == "Very broken"
    confirmed = corrected.confirmed(draft.created_at)
    assert confirmed.status is RecordStatus.OPEN and confirmed.confirmed_at is not None
    with pytest.raises(Conflict):
        confirmed.confirmed(draft.created_at)
    with pytest.raises(Conflict):
        confirmed.corrected(REPORT, draft.values, draft.created_at)
    assert _record(RecordSource.COMMAND).status is RecordStatus.OPEN


statuses = st.sampled_from([s for s in RecordStatus if s is not RecordStatus.DRAFT])


@given(st.lists(statuses, max_size=12))
def test_the_team_never_makes_a_record_a_draft_again(moves: list[RecordStatus]) -> None:
    record = _record(RecordSource.COMMAND)
    for status in moves:
        try:
            moved = record.moved_to(status, record.created_at)
        except Conflict:
            # Only a closed record refuses, and only to go anywhere but open.
            assert record.status.closed and status is not RecordStatus.OPEN
            continue
        assert moved.status is status
        record = moved
    assert record.status is not RecordStatus.DRAFT
