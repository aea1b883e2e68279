"""Workflow steps: what a workspace's assistant finds out from every member, and how far each is.

A workspace lists, in order, what it needs to know about each member (their email, their
project's stage, a date...): each step says what to find out, in a sentence the assistant reads,
under a short key, with a type. The assistant weaves the open steps into the conversation and
records each answer through a tool; the team may correct one. Every value is checked against its
step's type and kept in one normal form (a number as a plain decimal, a date as ISO, a phone
number as E.164, a choice as the option's own spelling), so that nothing invalid is ever kept.

A member is *qualified* when every required step of the workspace's current workflow has an
answer that still fits it. Answers survive changes to the steps: one to a key no longer listed,
or whose step changed type, is kept (and shown) but does not count until the step fits it again.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Context, Decimal, InvalidOperation
from enum import StrEnum
from uuid import UUID

import msgspec

from ignacio.domain.errors import InvalidInput
from ignacio.domain.phone import PhoneNumber

MAX_STEPS = 30
MAX_KEY = 40
MAX_PROMPT = 300
MAX_OPTIONS = 30
MAX_OPTION = 80
MAX_TEXT_ANSWER = 1_000
MAX_NUMBER_CHARS = 40
MAX_EMAIL = 254
_KEY = re.compile(r"[a-z][a-z0-9_]*")
_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?", re.ASCII)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
# An address people use (RFC 5322's dot-atom local part, a DNS name with a real top-level
# domain); quoted local parts and IP literals are valid but no lead ever gives one.
_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_TOP_LEVEL = re.compile(r"(?:[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59})")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class StepKind(StrEnum):
    """What kind of value a step takes."""

    TEXT = "text"
    NUMBER = "number"
    DATE = "date"  # a calendar day, kept as YYYY-MM-DD
    EMAIL = "email"
    PHONE = "phone"  # kept in E.164
    CHOICE = "choice"  # one of the step's options


class WorkflowStep(msgspec.Struct, frozen=True, kw_only=True):
    """One thing to find out: `prompt` is the sentence the assistant reads ("Ask for the email
    address we should write to"); `key` names the answer in exports and the API."""

    key: str
    prompt: str
    kind: StepKind = StepKind.TEXT
    required: bool = True
    options: tuple[str, ...] = ()
    """For a choice, what the member may answer (matched whatever the case); empty otherwise."""

    def __post_init__(self) -> None:
        if len(self.key) > MAX_KEY or not _KEY.fullmatch(self.key):
            raise InvalidInput(
                f"A step's key has 1 to {MAX_KEY} lowercase letters, digits and underscores, "
                f"starting with a letter (e.g. 'email' or 'project_stage'); {self.key[:60]!r} "
                "is not one."
            )
        prompt = self.prompt.strip()
        if not prompt or len(prompt) > MAX_PROMPT or _CONTROL.search(prompt):
            raise InvalidInput(
                f"The step '{self.key}' needs a sentence of 1 to {MAX_PROMPT} characters saying "
                "what to find out."
            )
        if self.kind is not StepKind.CHOICE:
            if self.options:
                raise InvalidInput(
                    f"The step '{self.key}' is of type {self.kind.value}: only a choice has options."
                )
            return
        if not self.options or len(self.options) > MAX_OPTIONS:
            raise InvalidInput(f"The choice '{self.key}' needs 1 to {MAX_OPTIONS} options.")
        seen: set[str] = set()
        for option in self.options:
            if (
                option != option.strip()
                or not option
                or len(option) > MAX_OPTION
                or _CONTROL.search(option)
            ):
                raise InvalidInput(
                    f"Each option of '{self.key}' has 1 to {MAX_OPTION} characters, without "
                    "spaces around it or control characters."
                )
            if option.casefold() in seen:
                raise InvalidInput(f"The choice '{self.key}' lists '{option}' twice.")
            seen.add(option.casefold())

    def normalised(self, raw: str) -> str:
        """`raw` as this step keeps it; InvalidInput, saying what is expected, if it does not fit."""
        text = raw.strip()
        if not text:
            raise InvalidInput(f"'{self.key}' needs a value.")
        match self.kind:
            case StepKind.TEXT:
                return _text(self.key, text)
            case StepKind.NUMBER:
                return _number(self.key, text)
            case StepKind.DATE:
                return _date(self.key, text)
            case StepKind.EMAIL:
                return _email(self.key, text)
            case StepKind.PHONE:
                return _phone(self.key, text)
            case StepKind.CHOICE:
                return self._option(text)

    def accepts(self, answer: StepAnswer) -> bool:
        """Whether a kept answer still fits this step (its type may have changed since)."""
        if answer.key != self.key or answer.kind is not self.kind:
            return False
        if self.kind is StepKind.CHOICE:
            return answer.value.casefold() in {option.casefold() for option in self.options}
        return True

    def _option(self, text: str) -> str:
        wanted = text.casefold()
        for option in self.options:
            if option.casefold() == wanted:
                return option
        listed = ", ".join(self.options)
        raise InvalidInput(f"'{self.key}' is one of: {listed}.")


class Workflow(msgspec.Struct, frozen=True, kw_only=True):
    """A workspace's steps, in the order the assistant works through them."""

    steps: tuple[WorkflowStep, ...] = ()

    def __post_init__(self) -> None:
        if len(self.steps) > MAX_STEPS:
            raise InvalidInput(f"A workflow has at most {MAX_STEPS} steps.")
        keys = [step.key for step in self.steps]
        for key in keys:
            if keys.count(key) > 1:
                raise InvalidInput(f"Two steps share the key '{key}': each needs its own.")

    @property
    def required(self) -> tuple[WorkflowStep, ...]:
        return tuple(step for step in self.steps if step.required)

    def step(self, key: str) -> WorkflowStep:
        """The step with this key; InvalidInput, listing the keys, if there is none."""
        for step in self.steps:
            if step.key == key:
                return step
        listed = ", ".join(step.key for step in self.steps) or "none"
        raise InvalidInput(f"There is no step '{key[:MAX_KEY]}'. The steps are: {listed}.")

    def answer(self, key: str, raw: str, *, by: UUID | None, at: datetime) -> StepAnswer:
        """The answer to the step `key`, checked and in normal form; `by` None is the assistant."""
        step = self.step(key)
        return StepAnswer(
            key=step.key, value=step.normalised(raw), kind=step.kind, set_by=by, set_at=at
        )


class StepAnswer(msgspec.Struct, frozen=True, kw_only=True):
    """What a member answered to one step, as kept: with the type it was checked against, who
    set it (None: the assistant, from the conversation) and when."""

    key: str
    value: str
    kind: StepKind
    set_by: UUID | None = None
    set_at: datetime


class Progress(msgspec.Struct, frozen=True, kw_only=True):
    """A member's answers in one workspace, by key."""

    workspace_id: UUID
    user_id: UUID
    answers: dict[str, StepAnswer] = {}

    def counted(self, workflow: Workflow) -> dict[str, StepAnswer]:
        """The answers that fit the workflow's current steps, by key."""
        return {
            step.key: answer
            for step in workflow.steps
            if (answer := self.answers.get(step.key)) is not None and step.accepts(answer)
        }

    def open_steps(self, workflow: Workflow) -> list[WorkflowStep]:
        """The steps still to find out, in order."""
        done = self.counted(workflow)
        return [step for step in workflow.steps if step.key not in done]

    def qualified(self, workflow: Workflow) -> bool:
        """Every required step is answered. A workflow without required steps qualifies nobody:
        there is nothing to qualify by."""
        required = workflow.required
        done = self.counted(workflow)
        return bool(required) and all(step.key in done for step in required)

    def with_answer(self, answer: StepAnswer) -> Progress:
        return msgspec.structs.replace(self, answers={**self.answers, answer.key: answer})

    def without(self, key: str) -> Progress:
        return msgspec.structs.replace(
            self, answers={k: a for k, a in self.answers.items() if k != key}
        )

    def summary(self, workflow: Workflow) -> ProgressSummary:
        counted = self.counted(workflow)
        return ProgressSummary(
            done=len(counted),
            steps=len(workflow.steps),
            required_done=sum(1 for step in workflow.required if step.key in counted),
            required=len(workflow.required),
            qualified=self.qualified(workflow),
        )


class ProgressSummary(msgspec.Struct, frozen=True, kw_only=True):
    """How far a member is, as the inbox shows it: steps answered of all, and of the required."""

    done: int
    steps: int
    required_done: int
    required: int
    qualified: bool


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(cell: str) -> str:
    """A cell a spreadsheet opens as text: one that starts like a formula (= + - @, or a tab or
    carriage return before one) gets a leading apostrophe, so a member's answer can never run
    as a formula on the admin's computer (CSV injection)."""
    return f"'{cell}" if cell.startswith(_FORMULA_STARTS) else cell


def _text(key: str, text: str) -> str:
    if len(text) > MAX_TEXT_ANSWER:
        raise InvalidInput(f"'{key}' takes at most {MAX_TEXT_ANSWER} characters.")
    if _CONTROL.search(text):
        raise InvalidInput(f"'{key}' cannot contain control characters.")
    return text


def _number(key: str, text: str) -> str:
    compact = text.replace(" ", "").replace("_", "")
    if len(compact) > MAX_NUMBER_CHARS or not _NUMBER.fullmatch(compact):
        raise InvalidInput(f"'{key}' is a number, written like 12, -3 or 4.5.")
    try:
        value = Decimal(compact.replace(",", "."))
    except InvalidOperation as error:  # the pattern lets nothing through that fails here
        raise InvalidInput(f"'{key}' is a number, written like 12, -3 or 4.5.") from error
    if value == 0:
        return "0"
    # Wide enough for every digit the length allows: the default 28 would round.
    return format(value.normalize(Context(prec=MAX_NUMBER_CHARS)), "f")


def _date(key: str, text: str) -> str:
    if not _ISO_DATE.fullmatch(text):
        raise InvalidInput(f"'{key}' is a date, written as YYYY-MM-DD (e.g. 2026-03-31).")
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError as error:
        raise InvalidInput(f"'{key}': {text} is not a day of the calendar.") from error


def _email(key: str, text: str) -> str:
    wrong = InvalidInput(f"'{key}' is an email address, like name@example.org.")
    if len(text) > MAX_EMAIL or text.count("@") != 1:
        raise wrong
    local, domain = text.split("@")
    labels = domain.split(".")
    if (
        len(local) > 64
        or not _LOCAL.fullmatch(local)
        or len(labels) < 2
        or not all(_LABEL.fullmatch(label) for label in labels)
        or not _TOP_LEVEL.fullmatch(labels[-1])
    ):
        raise wrong
    # The domain is case-insensitive; the local part is the mail server's to interpret.
    return f"{local}@{domain.lower()}"


def _phone(key: str, text: str) -> str:
    try:
        return PhoneNumber.parse(text).e164
    except InvalidInput as error:
        raise InvalidInput(f"'{key}' is a phone number: {error.message}") from error
