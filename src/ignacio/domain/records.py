"""Records: structured things a member asks for (a report, a proposal...), made from free text.

A workspace defines the types of its records: a name and typed fields, a field possibly a list
of items with fields of their own (seed 004's proposal and its items). Two types are built in
and ready in every workspace (`report`, `proposal`); admins add more. Every value from outside
(the model's tool call, a command, the web app) goes through `RecordType.validate`, which either
returns clean values or raises InvalidInput naming the field: nothing invalid is ever kept.

A record's life: a draft the member confirms (or corrects) before it is final, then open, in
review, resolved or rejected, as the team handles it; the team comments on it, and the member
who owns it sees it all.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec

from ignacio.domain.errors import Conflict, InvalidInput, PermissionDenied

MAX_FIELDS = 30
MAX_ITEM_FIELDS = 15
MAX_ITEMS = 50
MAX_TEXT = 4_000
MAX_LABEL = 80
MAX_DESCRIPTION = 500
MAX_CHOICES = 30
MAX_CHOICE = 60
MAX_NUMBER = 1e12
MAX_RECORD_BYTES = 64_000
MAX_COMMENT = 4_000
MAX_TYPES = 30
_KEY = re.compile(r"^[a-zA-Z][a-zA-Z0-9_]{0,39}$")
_TYPE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class FieldKind(StrEnum):
    TEXT = "text"
    NUMBER = "number"
    INTEGER = "integer"
    DATE = "date"
    BOOLEAN = "boolean"
    CHOICE = "choice"
    ITEMS = "items"  # a list of items, each with the fields `items` names


class FieldSpec(msgspec.Struct, frozen=True, kw_only=True):
    """One field of a record type: its key (what the model and the API name it by), a label for
    people, its kind, whether it must be given; `choices` for a choice, `items` for a list."""

    key: str
    label: str
    kind: FieldKind
    required: bool = False
    description: str = ""
    choices: tuple[str, ...] = ()
    items: tuple[FieldSpec, ...] = ()

    def __post_init__(self) -> None:
        if not _KEY.match(self.key):
            raise InvalidInput(
                "A field's key starts with a letter and has at most 40 letters, digits and "
                f"underscores (e.g. 'dueDate'); '{self.key[:50]}' does not."
            )
        _line(self.label, MAX_LABEL, f"The label of '{self.key}'")
        if len(self.description) > MAX_DESCRIPTION:
            raise InvalidInput(
                f"The description of '{self.key}' can have at most {MAX_DESCRIPTION} characters."
            )
        if self.kind is FieldKind.CHOICE:
            if not self.choices or len(self.choices) > MAX_CHOICES:
                raise InvalidInput(f"'{self.key}' needs 1 to {MAX_CHOICES} choices.")
            for choice in self.choices:
                _line(choice, MAX_CHOICE, f"A choice of '{self.key}'")
            if len({c.casefold() for c in self.choices}) != len(self.choices):
                raise InvalidInput(f"The choices of '{self.key}' must differ from each other.")
        elif self.choices:
            raise InvalidInput(f"Only a choice field has choices; '{self.key}' is {self.kind}.")
        if self.kind is FieldKind.ITEMS:
            if not self.items or len(self.items) > MAX_ITEM_FIELDS:
                raise InvalidInput(f"The items of '{self.key}' need 1 to {MAX_ITEM_FIELDS} fields.")
            if any(item.kind is FieldKind.ITEMS for item in self.items):
                raise InvalidInput(f"The items of '{self.key}' cannot hold lists of their own.")
            _unique_keys(self.items, f"the items of '{self.key}'")
        elif self.items:
            raise InvalidInput(f"Only a list field has item fields; '{self.key}' is {self.kind}.")

    def clean(self, value: object, *, today: date, path: str) -> Any:
        """The value, checked and normalised; raises InvalidInput naming `path`."""
        match self.kind:
            case FieldKind.TEXT:
                if not isinstance(value, str):
                    raise _wrong(path, "a text")
                return _text(value, path)
            case FieldKind.NUMBER | FieldKind.INTEGER:
                return self._number(value, path)
            case FieldKind.BOOLEAN:
                if not isinstance(value, bool):
                    raise _wrong(path, "true or false")
                return value
            case FieldKind.DATE:
                if not isinstance(value, str):
                    raise _wrong(path, "a date (YYYY-MM-DD, or words such as 'Friday')")
                return resolve_date(value, today, path=path).isoformat()
            case FieldKind.CHOICE:
                if isinstance(value, str):
                    for choice in self.choices:
                        if choice.casefold() == value.strip().casefold():
                            return choice
                raise InvalidInput(f"{path} must be one of: {', '.join(self.choices)}.")
            case FieldKind.ITEMS:
                if not isinstance(value, list):
                    raise _wrong(path, "a list of items")
                if len(value) > MAX_ITEMS:
                    raise InvalidInput(f"{path} can have at most {MAX_ITEMS} items.")
                return [
                    _clean_fields(self.items, item, today=today, path=f"{path}[{n}]")
                    for n, item in enumerate(value)
                ]

    def _number(self, value: object, path: str) -> int | float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _wrong(path, "a whole number" if self.kind is FieldKind.INTEGER else "a number")
        if not math.isfinite(value) or abs(value) > MAX_NUMBER:
            raise InvalidInput(f"{path} must be a number between -1e12 and 1e12.")
        if self.kind is FieldKind.INTEGER:
            if isinstance(value, float) and not value.is_integer():
                raise _wrong(path, "a whole number")
            return int(value)
        return value


class RecordType(msgspec.Struct, frozen=True, kw_only=True):
    """A kind of record in one workspace. `text_field` is the text field a command's words
    fill (`/report <text>`); the built-in types are the same in every workspace and never
    stored."""

    name: str
    label: str
    description: str = ""
    fields: tuple[FieldSpec, ...]
    text_field: str
    builtin: bool = False

    def __post_init__(self) -> None:
        if not _TYPE_NAME.match(self.name):
            raise InvalidInput(
                "A record type's name has 1 to 40 lowercase letters, digits and underscores, "
                "starting with a letter (e.g. 'incident')."
            )
        _line(self.label, MAX_LABEL, "A record type's label")
        if len(self.description) > MAX_DESCRIPTION:
            raise InvalidInput(
                f"A record type's description can have at most {MAX_DESCRIPTION} characters."
            )
        if not self.fields or len(self.fields) > MAX_FIELDS:
            raise InvalidInput(f"A record type needs 1 to {MAX_FIELDS} fields.")
        _unique_keys(self.fields, "a record type")
        text = self.field(self.text_field)
        if text is None or text.kind is not FieldKind.TEXT:
            raise InvalidInput(
                "A record type names one of its text fields as the one a command's words fill."
            )

    def field(self, key: str) -> FieldSpec | None:
        return next((spec for spec in self.fields if spec.key == key), None)

    def validate(self, values: object, *, today: date) -> dict[str, Any]:
        """The record's values, checked against this type and normalised (dates as ISO dates,
        relative ones resolved from `today`, choices as the type spells them); optional fields
        left out or null are absent. Raises InvalidInput naming the first wrong field."""
        cleaned = _clean_fields(self.fields, values, today=today, path=self.name)
        if len(json.dumps(cleaned, ensure_ascii=False).encode()) > MAX_RECORD_BYTES:
            raise InvalidInput(f"A record can hold at most {MAX_RECORD_BYTES // 1000} KB.")
        return cleaned

    def from_text(self, text: str) -> tuple[dict[str, Any], tuple[str, ...]]:
        """A record made without a model: the text in `text_field`, and the required fields
        left for the team to fill."""
        values = {self.text_field: _text(text, f"{self.name}.{self.text_field}")}
        unfilled = tuple(
            spec.key for spec in self.fields if spec.required and spec.key != self.text_field
        )
        return values, unfilled

    def summary(self, values: dict[str, Any]) -> str:
        """One line naming the record, for lists and the member's confirmation."""
        for key in ("title", "summary", self.text_field):
            value = values.get(key)
            if isinstance(value, str) and value:
                line = " ".join(value.split())
                return line if len(line) <= 120 else line[:119].rstrip() + "…"
        return self.label


def _clean_fields(
    specs: tuple[FieldSpec, ...], values: object, *, today: date, path: str
) -> dict[str, Any]:
    if not isinstance(values, dict):
        raise _wrong(path, "an object of fields")
    known = {spec.key for spec in specs}
    unknown = sorted(str(key)[:40] for key in values if key not in known)
    if unknown:
        raise InvalidInput(
            f"{path} has no field {', '.join(unknown[:5])}; its fields are "
            f"{', '.join(spec.key for spec in specs)}."
        )
    cleaned: dict[str, Any] = {}
    for spec in specs:
        value = values.get(spec.key)
        where = f"{path}.{spec.key}"
        if value is None or value == "" or value == []:
            if spec.required:
                raise InvalidInput(f"{where} is required.")
            continue
        cleaned[spec.key] = spec.clean(value, today=today, path=where)
    return cleaned


def _unique_keys(specs: tuple[FieldSpec, ...], where: str) -> None:
    keys = [spec.key for spec in specs]
    if len(set(keys)) != len(keys):
        raise InvalidInput(f"The fields of {where} need different keys.")


def _wrong(path: str, wanted: str) -> InvalidInput:
    return InvalidInput(f"{path} must be {wanted}.")


def _text(value: str, path: str) -> str:
    cleaned = "".join(
        c for c in value if c in "\n\t" or unicodedata.category(c) not in ("Cc", "Cf", "Cs")
    ).strip()
    if not cleaned:
        raise InvalidInput(f"{path} cannot be empty.")
    if len(cleaned) > MAX_TEXT:
        raise InvalidInput(f"{path} can have at most {MAX_TEXT} characters.")
    return cleaned


def _line(value: str, limit: int, what: str) -> str:
    cleaned = value.strip()
    if not cleaned or len(cleaned) > limit or any(ord(c) < 32 for c in cleaned):
        raise InvalidInput(f"{what} needs 1 to {limit} characters on one line.")
    return cleaned


# Dates ---------------------------------------------------------------------------------------

# Relative dates in the words of the languages our organisations' members write in most
# (English and Spanish), read with case and accents folded ("Miércoles", "miercoles").
_WEEKDAYS = {
    "monday": 0,
    "tuesday": 1,
    "wednesday": 2,
    "thursday": 3,
    "friday": 4,
    "saturday": 5,
    "sunday": 6,
    "lunes": 0,
    "martes": 1,
    "miercoles": 2,
    "jueves": 3,
    "viernes": 4,
    "sabado": 5,
    "domingo": 6,
}
_DAYS_AHEAD = {
    "today": 0,
    "hoy": 0,
    "tomorrow": 1,
    "manana": 1,
    "the day after tomorrow": 2,
    "day after tomorrow": 2,
    "pasado manana": 2,
    "next week": 7,
    "la proxima semana": 7,
    "proxima semana": 7,
    "la semana proxima": 7,
    "la semana que viene": 7,
    "semana que viene": 7,
}
_RELATIVE = re.compile(
    r"^(?:in|en|dentro de) (\d{1,3}) (day|days|week|weeks|dia|dias|semana|semanas)$"
)
# Words before a date that do not change it ("by Friday", "para el viernes"); longest first,
# so that "antes del " goes before "antes de ".
_FILLERS = (
    "antes del ",
    "antes de ",
    "hasta el ",
    "para el ",
    "before ",
    "until ",
    "hasta ",
    "para ",
    "this ",
    "este ",
    "esta ",
    "by ",
    "on ",
    "el ",
)
_NEXT = ("next ", "proximo ", "proxima ")
_COMING = (" que viene", " proximo")


def resolve_date(text: str, today: date, *, path: str = "The date") -> date:
    """A date as a member says it: ISO (`2026-12-11`), or relative to `today` in the
    workspace's time zone, in English or Spanish: today / hoy, tomorrow / mañana, the day after
    tomorrow / pasado mañana, next week / la próxima semana (a week from today), a weekday (the
    next one, today excluded: "by Friday" or "el viernes" on a Friday is a week later), "next
    <weekday>" / "el próximo viernes" / "el viernes que viene" (the same), "in N days/weeks" /
    "en N días/semanas"."""
    said = " ".join(_folded(text.strip()).split())
    if _ISO_DATE.match(said):
        try:
            return date.fromisoformat(said)
        except ValueError:
            raise InvalidInput(f"{path}: {text[:40]!r} is not a date of the calendar.") from None
    said = _without_fillers(said)
    if said in _DAYS_AHEAD:
        return today + timedelta(days=_DAYS_AHEAD[said])
    weekday = _weekday(said)
    if weekday is not None:
        ahead = (weekday - today.weekday()) % 7 or 7
        return today + timedelta(days=ahead)
    relative = _RELATIVE.match(said)
    if relative:
        count = int(relative.group(1))
        weeks = relative.group(2).startswith(("week", "semana"))
        return today + timedelta(days=count * (7 if weeks else 1))
    raise InvalidInput(
        f"{path}: {text[:40]!r} is not a date I can read; give it as YYYY-MM-DD, or as 'today', "
        "'tomorrow', a weekday, 'next week' or 'in N days' (in Spanish too: 'mañana', "
        "'el viernes')."
    )


def _without_fillers(said: str) -> str:
    stripped = True
    while stripped:
        stripped = False
        for filler in _FILLERS:
            if said.startswith(filler):
                said = said[len(filler) :]
                stripped = True
                break
    return said


def _weekday(said: str) -> int | None:
    """The weekday named, alone or as the next one ("next friday", "el viernes que viene")."""
    said = next((said[len(w) :] for w in _NEXT if said.startswith(w)), said)
    said = next((said[: -len(w)] for w in _COMING if said.endswith(w)), said)
    return _WEEKDAYS.get(said)


def check_timezone(name: str) -> str:
    """An IANA time zone name (`Europe/Madrid`), as `zoneinfo` knows it."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            f"'{name[:60]}' is not a time zone; give an IANA name such as 'Europe/Madrid'."
        ) from None
    return name


def local_today(now: datetime, timezone: str | None) -> date:
    """The date it is at `now` in the time zone (UTC when none is set)."""
    if timezone is None:
        return now.date()
    return now.astimezone(ZoneInfo(timezone)).date()


# Built-in types ------------------------------------------------------------------------------

REPORT = RecordType(
    name="report",
    label="Report",
    description="Something the member reports to the team: a problem, an incident, a request.",
    fields=(
        FieldSpec(key="title", label="Title", kind=FieldKind.TEXT, required=True),
        FieldSpec(key="body", label="Details", kind=FieldKind.TEXT, required=True),
        FieldSpec(
            key="category",
            label="Category",
            kind=FieldKind.CHOICE,
            required=True,
            choices=("problem", "request", "feedback", "other"),
        ),
    ),
    text_field="body",
    builtin=True,
)

PROPOSAL = RecordType(
    name="proposal",
    label="Proposal",
    description="Work the member proposes: what, in which items, how long and by when.",
    fields=(
        FieldSpec(key="summary", label="Summary", kind=FieldKind.TEXT, required=True),
        FieldSpec(
            key="items",
            label="Items",
            kind=FieldKind.ITEMS,
            required=True,
            items=(
                FieldSpec(
                    key="type",
                    label="Type",
                    kind=FieldKind.CHOICE,
                    choices=("feature", "task", "bug", "research", "other"),
                ),
                FieldSpec(key="title", label="Title", kind=FieldKind.TEXT, required=True),
                FieldSpec(key="description", label="Description", kind=FieldKind.TEXT),
                FieldSpec(key="estimatedHours", label="Estimated hours", kind=FieldKind.NUMBER),
                FieldSpec(key="dueDate", label="Due date", kind=FieldKind.DATE),
                FieldSpec(
                    key="priority",
                    label="Priority",
                    kind=FieldKind.CHOICE,
                    choices=("low", "medium", "high"),
                ),
            ),
        ),
        FieldSpec(key="totalEstimatedHours", label="Total estimated hours", kind=FieldKind.NUMBER),
        FieldSpec(
            key="confidence",
            label="Confidence",
            kind=FieldKind.NUMBER,
            description="How sure the estimate is, from 0 to 1.",
        ),
    ),
    text_field="summary",
    builtin=True,
)

BUILTIN_TYPES: tuple[RecordType, ...] = (REPORT, PROPOSAL)


# The record and its life ---------------------------------------------------------------------


class RecordStatus(StrEnum):
    DRAFT = "draft"  # made for the member, who confirms or corrects it before it is final
    OPEN = "open"
    IN_REVIEW = "in_review"
    RESOLVED = "resolved"
    REJECTED = "rejected"

    @property
    def closed(self) -> bool:
        return self in (RecordStatus.RESOLVED, RecordStatus.REJECTED)


# The team moves a confirmed record between these; a closed one may be reopened.
_TEAM_MOVES = {
    RecordStatus.OPEN: {RecordStatus.IN_REVIEW, RecordStatus.RESOLVED, RecordStatus.REJECTED},
    RecordStatus.IN_REVIEW: {RecordStatus.OPEN, RecordStatus.RESOLVED, RecordStatus.REJECTED},
    RecordStatus.RESOLVED: {RecordStatus.OPEN},
    RecordStatus.REJECTED: {RecordStatus.OPEN},
    RecordStatus.DRAFT: set(),
}


class RecordSource(StrEnum):
    ASSISTANT = "assistant"  # the model's tool call
    COMMAND = "command"  # `/report <text>`, without a model
    WEB = "web"


class Record(msgspec.Struct, frozen=True, kw_only=True):
    """One record: its owner (the member it is for), its type, its values (as the type
    validated them) and where it stands. `unfilled` names the required fields nobody filled
    (a command's record), which the team completes."""

    id: UUID
    workspace_id: UUID
    user_id: UUID
    type_name: str
    title: str
    values: dict[str, Any]
    status: RecordStatus = RecordStatus.DRAFT
    source: RecordSource
    unfilled: tuple[str, ...] = ()
    conversation_id: UUID | None = None
    created_at: datetime
    updated_at: datetime
    confirmed_at: datetime | None = None

    @classmethod
    def drafted(
        cls,
        *,
        id: UUID,
        workspace_id: UUID,
        user_id: UUID,
        kind: RecordType,
        values: dict[str, Any],
        source: RecordSource,
        at: datetime,
        conversation_id: UUID | None = None,
        unfilled: tuple[str, ...] = (),
    ) -> Record:
        """A new record: a draft the member confirms, unless made by their own command (which
        is already their word) or in the web app."""
        return cls(
            id=id,
            workspace_id=workspace_id,
            user_id=user_id,
            type_name=kind.name,
            title=kind.summary(values),
            values=values,
            status=RecordStatus.DRAFT if source is RecordSource.ASSISTANT else RecordStatus.OPEN,
            source=source,
            unfilled=unfilled,
            conversation_id=conversation_id,
            created_at=at,
            updated_at=at,
            confirmed_at=None if source is RecordSource.ASSISTANT else at,
        )

    def corrected(self, kind: RecordType, values: dict[str, Any], at: datetime) -> Record:
        """The draft with new values (the member corrected it); a final record is not."""
        if self.status is not RecordStatus.DRAFT:
            raise Conflict("This record is already confirmed; the team can still comment on it.")
        return msgspec.structs.replace(
            self, values=values, title=kind.summary(values), unfilled=(), updated_at=at
        )

    def confirmed(self, at: datetime) -> Record:
        if self.status is not RecordStatus.DRAFT:
            raise Conflict("This record is already confirmed.")
        return msgspec.structs.replace(
            self, status=RecordStatus.OPEN, confirmed_at=at, updated_at=at
        )

    def moved_to(self, status: RecordStatus, at: datetime) -> Record:
        """The record in `status`, as the team moves it."""
        if status is self.status:
            return self
        if self.status is RecordStatus.DRAFT:
            raise Conflict("The member has not confirmed this record yet.")
        if status not in _TEAM_MOVES[self.status]:
            raise Conflict(f"A record {self.status.value} cannot become {status.value}.")
        return msgspec.structs.replace(self, status=status, updated_at=at)

    def completed(self, kind: RecordType, values: dict[str, Any], at: datetime) -> Record:
        """The record with values the team filled in (every field checked again)."""
        unfilled = tuple(key for key in self.unfilled if key not in values)
        return msgspec.structs.replace(
            self, values=values, title=kind.summary(values), unfilled=unfilled, updated_at=at
        )


class RecordComment(msgspec.Struct, frozen=True, kw_only=True):
    """A comment of the team's on a record, seen by its owner; `notice` says how the owner was
    told of it."""

    id: UUID
    workspace_id: UUID
    record_id: UUID
    author_id: UUID
    text: str
    created_at: datetime
    notice: str = "none"

    @staticmethod
    def check_text(text: str) -> str:
        cleaned = _text(text, "A comment")
        if len(cleaned) > MAX_COMMENT:
            raise InvalidInput(f"A comment can have at most {MAX_COMMENT} characters.")
        return cleaned


class OwnerNotice(StrEnum):
    """How the owner of a record was told of a comment or of its resolution."""

    TEXT = "text"  # inside WhatsApp's 24-hour window
    TEMPLATE = "template"  # outside it, through the workspace's template
    NONE = "none"  # outside it and no template configured, or no WhatsApp: not told
    WEB = "web"  # they see it in the web app only (they never wrote on WhatsApp)


def may_read(record: Record, user_id: UUID, *, team: bool) -> None:
    """The owner and the workspace's team see a record; anyone else is told it is not there."""
    if not team and record.user_id != user_id:
        raise PermissionDenied("This record is not yours.")


def record_type_named(name: str, custom: list[RecordType]) -> RecordType | None:
    for kind in (*BUILTIN_TYPES, *custom):
        if kind.name == name:
            return kind
    return None


# Telling the owner through a template -----------------------------------------------------

# What a template variable's label says it holds, in the languages our organisations' teams
# label them in most (the labels are theirs: `templates.MessageTemplate.variables`).
_NAME_LABEL = re.compile(r"\b(?:name|nombre|nome|nom)\b")
_TITLE_LABEL = re.compile(
    r"\b(?:title|subject|record|report|proposal|titulo|asunto|registro|assunto|titre|sujet)\b"
)


def notice_values(
    variables: tuple[str, ...], *, notice: str, title: str, name: str | None
) -> list[str]:
    """The values of the workspace's reply template when it tells a record's owner `notice`
    outside the 24-hour window, one per variable, in order.

    - One variable: the notice (what the template is sent for).
    - More: a variable whose label says it holds a name gets the member's name, one whose
      label says title, subject or record gets the record's title; the last of the others
      gets the notice, and any other the record's title. Were every label to say name or
      title, the last variable takes the notice all the same: the template would otherwise
      tell the member nothing.
    - The title stands where nothing else fits (an unlabelled first variable, a member with
      no name) rather than the member's name: it is always there (Meta refuses an empty
      value, and a member may have no name), it is what the notice is about, and it reads
      right in "Update on {{1}}: {{2}}" as well as after a greeting; a template that greets
      by name says so in its label ("member's first name"), and gets the name.
    - Every value is on one line, within a template value's length.
    """
    if not variables:
        return []
    line = _one_line(notice)
    if len(variables) == 1:
        return [line]
    title_line = _one_line(title) or "…"
    name_line = _one_line(name or "") or title_line
    said = [_folded(label) for label in variables]
    free = [
        n
        for n, label in enumerate(said)
        if not _NAME_LABEL.search(label) and not _TITLE_LABEL.search(label)
    ]
    notice_at = free[-1] if free else len(variables) - 1
    values = []
    for n, label in enumerate(said):
        if n == notice_at:
            values.append(line)
        elif _NAME_LABEL.search(label):
            values.append(name_line)
        else:
            values.append(title_line)
    return values


def _one_line(text: str) -> str:
    # Meta refuses a line break, a tab or more than four spaces in a row in a value.
    return " ".join(text.split())[:1_000]


def _folded(text: str) -> str:
    return unicodedata.normalize("NFKD", text.casefold()).encode("ascii", "ignore").decode()
