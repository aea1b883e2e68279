"""The agent's own tools: searching the member's files and the workspace's knowledge base, and
delivering a specialised answer.

The member whose files are searched, and the workspace they are searched in, come from the run's
context, never from the model's arguments, so no prompt can make the agent read another member's
files, nor the member's files of another workspace. The same holds for the answers to the
workspace's workflow steps it records (`record_step_answer`): the tool takes a key and a value,
and the member and workspace are the turn's.

The three answer tools are how a specialised answer becomes structured output: the model calls
one with the answer's fields and the run stops there (`stop_at_tool_names`). Compared with an
`output_type` on every turn, plain answers stay plain text (no JSON around a greeting), and the
model needs only function calling, which every server Ignacio targets speaks, rather than JSON
schema response formats, which many compatible servers lack.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from uuid import UUID

from agents import FunctionTool, RunContextWrapper, function_tool

from ignacio.application.ports import DocumentIndex, Drafted, RecordDesk, StepRecorder
from ignacio.domain import InvalidInput, UpstreamUnavailable
from ignacio.domain.answers import (
    MarketingAnswer,
    ProjectManagementAnswer,
    SpecialisedAnswer,
    TechnicalAnswer,
)
from ignacio.domain.handover import HandoffRequest
from ignacio.domain.knowledge import Passage

PASSAGES_PER_SEARCH = 5
PASSAGE_CHARS = 1_200
DELIVERED = "Delivered to the member."

log = logging.getLogger(__name__)


@dataclass
class TurnContext:
    """What the tools of one turn share: whose files, in which workspace, where to search, and
    the specialised answer once one is given."""

    workspace_id: UUID
    user_id: UUID
    index: DocumentIndex
    answer: SpecialisedAnswer | None = None
    handoff: HandoffRequest | None = None
    steps: StepRecorder | None = None
    """Where the member's answers to the workspace's workflow steps are kept; None: nowhere."""
    conversation_id: UUID | None = None
    records: RecordDesk | None = None
    drafted: Drafted | None = None
    """The record drafted or confirmed in this turn: its summary is added to the answer."""


@function_tool
async def search_my_files(context: RunContextWrapper[TurnContext], query: str) -> str:
    """Search the member's own files in this workspace (documents, presentations and spreadsheets
    they uploaded or sent here) and the organisation's knowledge base (documents its team
    published for everyone) for the passages that best match the query, each with the file it
    comes from.

    Args:
        query: What to look for, in the words the files would use.
    """
    turn = context.context
    try:
        passages = await turn.index.search(
            turn.workspace_id, turn.user_id, query, PASSAGES_PER_SEARCH
        )
    except UpstreamUnavailable as error:
        log.warning("file search unavailable", extra={"reason": error.message})
        return (
            "The member's files and the knowledge base cannot be searched right now; answer "
            "without them and say so."
        )
    if not passages:
        return "No passage of the member's files or the knowledge base matches this query."
    return "\n\n".join(_passage(number, passage) for number, passage in enumerate(passages, 1))


def _passage(number: int, passage: Passage) -> str:
    where = f", {passage.location}" if passage.location else ""
    if passage.knowledge:
        where += " (knowledge base)"
    text = passage.text.strip()
    if len(text) > PASSAGE_CHARS:
        text = text[:PASSAGE_CHARS].rsplit(" ", 1)[0] + " …"
    return f"[{number}] {passage.file_name}{where}\n{text}"


@function_tool
def give_marketing_advice(
    context: RunContextWrapper[TurnContext],
    advice: str,
    action_items: list[str],
    resources: list[str],
) -> str:
    """Deliver a marketing answer (positioning, audience, pricing, channels, launch, growth).
    Ends your turn: these fields are your whole answer.

    Args:
        advice: The advice itself, a short paragraph or two addressed to the member.
        action_items: Concrete things to do next, in order, one per item.
        resources: Tools, templates, reading or people that help, one per item (may be empty).
    """
    context.context.answer = MarketingAnswer(
        advice=advice, action_items=action_items, resources=resources
    )
    return DELIVERED


@function_tool
def give_technical_solution(
    context: RunContextWrapper[TurnContext],
    solution: str,
    implementation_steps: list[str],
    considerations: list[str],
) -> str:
    """Deliver a technical answer (building the product, architecture, tools, code, data).
    Ends your turn: these fields are your whole answer.

    Args:
        solution: The recommended solution, a short paragraph or two addressed to the member.
        implementation_steps: The steps to build it, in order, one per item.
        considerations: Trade-offs, costs, risks or alternatives worth knowing, one per item.
    """
    context.context.answer = TechnicalAnswer(
        solution=solution,
        implementation_steps=implementation_steps,
        considerations=considerations,
    )
    return DELIVERED


@function_tool
def give_project_plan(
    context: RunContextWrapper[TurnContext],
    recommendations: str,
    timeline_suggestions: list[str],
    risk_factors: list[str],
) -> str:
    """Deliver a project-management answer (planning, milestones, priorities, team, deadlines).
    Ends your turn: these fields are your whole answer.

    Args:
        recommendations: What to do and why, a short paragraph or two addressed to the member.
        timeline_suggestions: Milestones in order, each with its timing ("Week 1-2: ...").
        risk_factors: What could go wrong and how to watch for it, one per item.
    """
    context.context.answer = ProjectManagementAnswer(
        recommendations=recommendations,
        timeline_suggestions=timeline_suggestions,
        risk_factors=risk_factors,
    )
    return DELIVERED


HANDED_OFF = (
    "Done: the team is asked to take over and you will stay quiet from now on. Tell the member, "
    "in their language and in one or two sentences, that a person of the team will answer them "
    "here as soon as they can."
)


@function_tool
def hand_to_team(context: RunContextWrapper[TurnContext], reason: str, member_asked: bool) -> str:
    """Hand this conversation to a person of the organisation's team: when the member asks to
    talk to a person (a human, an agent, someone from the team, in any language or words), or
    when you cannot help them (something only the team can decide or do, a complaint, a
    situation that needs a person). From then on the team answers and you stay silent.

    Args:
        reason: Why, in a short sentence for the team (what the member needs).
        member_asked: True if the member asked for a person; False if you are handing over
            because you cannot help.
    """
    context.context.handoff = HandoffRequest(reason=reason[:500], by_member=member_asked)
    return HANDED_OFF


MAX_STEP_VALUE = 2_000
"""The longest value the tool passes on: anything longer is no answer to a step (the longest a
step keeps is a text of 1,000 characters), and checking it would only cost time."""


def _not_recorded(context: RunContextWrapper[TurnContext], error: Exception) -> str:
    # Arguments that are not {key: string, value: string} (a list, an object, broken JSON) fail
    # before the tool runs; the model is told how to call it rather than a generic error.
    log.warning("step answer not recorded", extra={"error": type(error).__name__})
    return (
        "Not recorded: call record_step_answer with two strings, the step's key and the value "
        '(e.g. {"key": "email", "value": "ana@example.org"}).'
    )


@function_tool(failure_error_function=_not_recorded)
async def record_step_answer(context: RunContextWrapper[TurnContext], key: str, value: str) -> str:
    """Record what the member told you for one of the organisation's open steps (listed in
    your instructions with their keys and types). Call it as soon as they give one, once per
    step; the value is checked against the step's type before it is kept.

    Args:
        key: The step's key, exactly as listed (e.g. "email").
        value: What the member said, as a plain value: a date as YYYY-MM-DD, a number as
            digits, a choice as one of its options.
    """
    turn = context.context
    if turn.steps is None:
        return "Not recorded: this conversation keeps no step answers."
    if len(key) > 100 or len(value) > MAX_STEP_VALUE:
        return "Not recorded: that is too long to be the answer to a step."
    try:
        kept = await turn.steps.record(turn.workspace_id, turn.user_id, key, value)
    except InvalidInput as error:
        return f"Not recorded: {error.message} Ask the member again if you need to."
    return f"Recorded {kept.key} = {kept.value}."


ANSWER_TOOLS: list[FunctionTool] = [
    give_marketing_advice,
    give_technical_solution,
    give_project_plan,
]
