"""The HTTP shapes of workflow steps and members' progress through them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

from ignacio.application.use_cases.workflow import MemberProgress
from ignacio.domain import User
from ignacio.domain.workflow import (
    MAX_KEY,
    MAX_OPTION,
    MAX_OPTIONS,
    MAX_PROMPT,
    MAX_STEPS,
    MAX_TEXT_ANSWER,
    StepAnswer,
    StepKind,
    Workflow,
    WorkflowStep,
)
from ignacio.entrypoints.http.inbox_schemas import PersonOut, ProgressSummaryOut
from ignacio.entrypoints.http.schemas import Schema

MAX_VALUE_CHARS = 2 * MAX_TEXT_ANSWER
"""What a body may carry as a value; the step's own type says what it keeps."""


class WorkflowStepBody(Schema):
    key: Annotated[str, msgspec.Meta(max_length=MAX_KEY * 2)]
    """1 to 40 lowercase letters, digits and underscores, starting with a letter; unique."""
    prompt: Annotated[str, msgspec.Meta(max_length=MAX_PROMPT * 2)]
    """What to find out, as a sentence the assistant reads."""
    type: StepKind = StepKind.TEXT
    required: bool = True
    options: Annotated[
        list[Annotated[str, msgspec.Meta(max_length=MAX_OPTION * 2)]],
        msgspec.Meta(max_length=MAX_OPTIONS * 2),
    ] = []
    """For `choice`: what the member may answer (matched whatever the case)."""

    def step(self) -> WorkflowStep:
        return WorkflowStep(
            key=self.key,
            prompt=self.prompt.strip(),
            kind=self.type,
            required=self.required,
            options=tuple(self.options),
        )


class WorkflowBody(Schema):
    steps: Annotated[list[WorkflowStepBody], msgspec.Meta(max_length=MAX_STEPS * 2)]
    """In the order the assistant works through them; at most 30."""


class WorkflowStepOut(Schema):
    key: str
    prompt: str
    type: StepKind
    required: bool
    options: list[str]

    @classmethod
    def of(cls, step: WorkflowStep) -> WorkflowStepOut:
        return cls(
            key=step.key,
            prompt=step.prompt,
            type=step.kind,
            required=step.required,
            options=list(step.options),
        )


class WorkflowOut(Schema):
    steps: list[WorkflowStepOut]

    @classmethod
    def of(cls, workflow: Workflow) -> WorkflowOut:
        return cls(steps=[WorkflowStepOut.of(step) for step in workflow.steps])


class AnswerBody(Schema):
    value: Annotated[str, msgspec.Meta(max_length=MAX_VALUE_CHARS)]
    """As a person writes it; checked against the step's type (a date as YYYY-MM-DD)."""


class AnswerOut(Schema):
    key: str
    value: str
    type: StepKind
    """The type it was checked against when it was set."""
    set_by: PersonOut | None
    """The person of the team who set it; null: the assistant, from the conversation."""
    set_at: datetime
    counts: bool
    """Whether it fits the step as it is now (a step changed since may no longer take it)."""

    @classmethod
    def of(cls, answer: StepAnswer, people: dict[UUID, User], *, counts: bool) -> AnswerOut:
        return cls(
            key=answer.key,
            value=answer.value,
            type=answer.kind,
            set_by=PersonOut.of(people.get(answer.set_by)) if answer.set_by is not None else None,
            set_at=answer.set_at,
            counts=counts,
        )


class StepProgressOut(Schema):
    step: WorkflowStepOut
    answer: AnswerOut | None


class ProgressOut(Schema):
    """A member's answers against the workspace's current steps, in order; `other_answers` are
    those to keys no longer listed (kept, not counted)."""

    summary: ProgressSummaryOut
    steps: list[StepProgressOut]
    other_answers: list[AnswerOut]

    @classmethod
    def of(cls, view: MemberProgress) -> ProgressOut:
        workflow, progress = view.workflow, view.progress
        people = view.people
        listed = {step.key for step in workflow.steps}
        steps = []
        for step in workflow.steps:
            answer = progress.answers.get(step.key)
            steps.append(
                StepProgressOut(
                    step=WorkflowStepOut.of(step),
                    answer=None
                    if answer is None
                    else AnswerOut.of(answer, people, counts=step.accepts(answer)),
                )
            )
        return cls(
            summary=ProgressSummaryOut.of(progress.summary(workflow)),
            steps=steps,
            other_answers=[
                AnswerOut.of(answer, people, counts=False)
                for key, answer in sorted(progress.answers.items())
                if key not in listed
            ],
        )
