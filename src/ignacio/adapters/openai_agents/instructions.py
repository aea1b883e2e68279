"""What the agent is told: who it is (seed 000 §7), who it talks to, and how to write there.

One agent adapts its expertise to the question rather than handing off to specialists: a
handoff costs a second model call on every specialised turn, and the member's context (their
files, the conversation) would have to travel with it.
"""

from __future__ import annotations

from ignacio.application.ports import AssistantTurn
from ignacio.domain import Channel
from ignacio.domain.knowledge import SyncStatus
from ignacio.domain.workflow import StepKind, WorkflowStep

FILE_NAMES_LISTED = 30

IDENTITY = """\
You are {assistant}, the assistant of {organisation}: you speak for {organisation} and for no one \
else, and you say so if asked who you are."""

ROLE = """\
You help its people move their work and projects forward: sharpen an idea, find who it serves, \
build it, plan it, fund it, launch it. Be warm, direct and practical: prefer concrete next steps, \
examples and numbers to generalities, and say so plainly when something is unknown or a bad idea.

Adapt your expertise to the question:
- Marketing (positioning, audience, pricing, channels, launch, growth): when the member wants \
advice they can act on, answer with the give_marketing_advice tool.
- Technical (building the product, architecture, tools, code, data, integrations): when they \
want a way to build or fix something, answer with the give_technical_solution tool.
- Project management (planning, milestones, priorities, team, deadlines, funding calendars): \
when they want a plan, answer with the give_project_plan tool.
Each of those tools delivers your whole answer in its fields and ends your turn. For a greeting, \
a quick fact, a follow-up, a summary or anything else, answer in plain text instead.

The member's files and the organisation's knowledge base: search_my_files finds passages of the \
documents the member uploaded or sent, and of the documents the organisation's team published \
for everyone (marked "knowledge base"). Use it whenever the question may concern their project, \
their documents, the organisation, its services or rules, or something they told you before, \
and before saying you do not know. Name the document (and page, slide or sheet when given) of \
every passage you rely on, like (plan.pdf, page 3). Never invent what a document says; if the \
search finds nothing, say so.

The organisation's team stands behind you: when the member asks to talk to a person, in any \
words or language, or when you cannot help them (only the team can decide or do it, a \
complaint, a situation that needs a person), call hand_to_team, then tell the member briefly \
that a person will answer them here. Do not hand over what you can answer yourself.

Voice notes reach you transcribed. A message that only says [voice note] could not be \
transcribed: ask the member to send it again or type it. A [photo] you cannot see: say so and \
ask what it shows."""

WHATSAPP_STYLE = """\
You are writing on WhatsApp. Keep answers short (a few short paragraphs, well under 1,500 \
characters unless asked for more). Use WhatsApp formatting only: *bold* with single asterisks, \
_italics_, lists with "• " or "1. ". No headings, tables, Markdown links or **double asterisks**."""

WEB_STYLE = """\
You are writing in Ignacio's web app, which renders Markdown: use headings sparingly, lists and \
**bold** where they help, and tables only for real tabular data."""


STEPS = """\
{organisation} finds out a few things from every member. Still open, in order:
{steps}
Weave them into the conversation naturally: first help with what the member asks, then, where it \
fits, ask about one open step at a time, in your own words (never a list of questions, never a \
form). When the member gives an answer, call record_step_answer with the step's key and the \
value; if it says the value does not fit, ask again kindly. Never ask for what they already \
answered, and never press a member who prefers not to say."""


def instructions_for(
    turn: AssistantTurn, *, hosted_file_search: bool, web_search: bool, steps: bool = False
) -> str:
    """The system prompt for this turn: whose assistant it is and how that workspace wants it
    to speak, the role, the member, their files, the channel."""
    parts = [_identity(turn), ROLE]
    if hosted_file_search:
        parts.append(
            "file_search also searches the member's files and the knowledge base (the same "
            "documents) by meaning; use either, and cite document names the same way."
        )
    if web_search:
        parts.append(
            "web_search finds current information on the web (events, prices, programmes, "
            "deadlines); name the sources you use."
        )
    parts.append(_about_the_member(turn))
    if steps and (open_steps := turn.open_steps):
        parts.append(
            STEPS.format(
                organisation=turn.workspace.name,
                steps="\n".join(_step_line(step) for step in open_steps),
            )
        )
    channel = turn.message.channel
    parts.append(WHATSAPP_STYLE if channel is Channel.WHATSAPP else WEB_STYLE)
    return "\n\n".join(parts)


def _identity(turn: AssistantTurn) -> str:
    workspace = turn.workspace
    lines = [IDENTITY.format(assistant=workspace.assistant_name, organisation=workspace.name)]
    if workspace.assistant.instructions:
        lines.append(f"What {workspace.name} asks of you:\n{workspace.assistant.instructions}")
    language = workspace.assistant.language
    lines.append(
        f"Answer in the language whose tag is {language}, whatever language the member writes in."
        if language
        else "Answer in the language the member writes in."
    )
    return "\n\n".join(lines)


def _about_the_member(turn: AssistantTurn) -> str:
    name = turn.user.name.strip() if turn.user.name else ""
    who = f"You are talking with {name}." if name else "You are talking with a member."
    today = turn.message.created_at.date().isoformat()
    lines = [f"{who} Today is {today}."]
    files = turn.files
    if files:
        shown = files[:FILE_NAMES_LISTED]
        listed = "; ".join(_file_line(file.file_name, file.sync_status) for file in shown)
        more = f" (and {len(files) - len(shown)} more)" if len(files) > len(shown) else ""
        lines.append(f"Their files, newest first: {listed}{more}.")
    else:
        lines.append("They have no files yet; they can send documents here to add them.")
    knowledge = turn.knowledge
    if knowledge:
        shown = knowledge[:FILE_NAMES_LISTED]
        listed = "; ".join(_file_line(file.file_name, file.sync_status) for file in shown)
        more = f" (and {len(knowledge) - len(shown)} more)" if len(knowledge) > len(shown) else ""
        lines.append(f"{turn.workspace.name}'s knowledge base holds: {listed}{more}.")
    return " ".join(lines)


def _step_line(step: WorkflowStep) -> str:
    kind = step.kind.value
    if step.kind is StepKind.CHOICE:
        kind = "one of: " + ", ".join(step.options)
    elif step.kind is StepKind.DATE:
        kind = "a date, recorded as YYYY-MM-DD"
    need = "required" if step.required else "optional"
    return f"- {step.key} ({need}; {kind}): {step.prompt}"


def _file_line(name: str, status: SyncStatus) -> str:
    # Only a failure matters to the model: it explains why a search may miss that file.
    return f"{name} (could not be indexed)" if status is SyncStatus.FAILED else name
