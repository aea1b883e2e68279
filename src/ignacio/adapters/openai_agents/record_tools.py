"""The agent's record tools: `create_record` (a draft the member confirms) and `confirm_record`.

Made per turn, because the types a workspace has are its own: the tool's description lists
them with their fields, so the model needs no extra call to learn them. The member and the
workspace come from the turn (`TurnContext`), never from the arguments; the values go through
the type's validation in the application (`RecordDesk.draft`), and a refusal comes back to the
model as the tool's answer, naming what to fix: nothing invalid is stored.

`fields` is a free JSON object (a non-strict schema), since each type has its own fields; any
argument text that is not an object of `type` and `fields` is refused the same way.
"""

from __future__ import annotations

import json
from typing import Any

from agents import FunctionTool, RunContextWrapper

from ignacio.adapters.openai_agents.tools import TurnContext
from ignacio.domain import DomainError
from ignacio.domain.records import FieldKind, FieldSpec, RecordType

MAX_ARGUMENTS = 200_000
"""Characters of arguments read at all: far above any valid record (64 KB of values)."""

CREATE_RECORD = "create_record"
CONFIRM_RECORD = "confirm_record"

DRAFTED = (
    "Saved as a draft for the member to confirm. Tell them so in one short sentence in their "
    "language; a summary of the record and its link are added to your answer for you."
)
CONFIRMED = "Confirmed: the record is final and the team will see it. Tell the member briefly."


def _describe(spec: FieldSpec, indent: str = "  ") -> str:
    kind: str = spec.kind.value
    if spec.kind is FieldKind.CHOICE:
        kind = "one of " + ", ".join(spec.choices)
    elif spec.kind is FieldKind.DATE:
        kind = "date"
    line = f"{indent}- {spec.key} ({kind}{', required' if spec.required else ''})"
    if spec.description:
        line += f": {spec.description}"
    if spec.kind is FieldKind.ITEMS:
        line += ", a list of objects with:\n" + "\n".join(
            _describe(item, indent + "    ") for item in spec.items
        )
    return line


def describe_types(types: list[RecordType]) -> str:
    return "\n".join(
        f"{kind.name}: {kind.description or kind.label}\n"
        + "\n".join(_describe(spec) for spec in kind.fields)
        for kind in types
    )


def _refused(reason: str) -> str:
    return (
        f"Not stored: {reason} Correct the values and call {CREATE_RECORD} again, or ask the "
        "member for what is missing."
    )


def record_tools(types: list[RecordType]) -> list[FunctionTool]:
    """`create_record` over these types, and `confirm_record`."""

    async def create(context: RunContextWrapper[TurnContext], arguments: str) -> str:
        turn = context.context
        if turn.records is None:
            return "Records cannot be made here."
        if len(arguments) > MAX_ARGUMENTS:
            return _refused("the values are far too large for a record.")
        try:
            parsed: Any = json.loads(arguments)
        except ValueError:
            return _refused("the arguments are not JSON.")
        if not isinstance(parsed, dict) or not isinstance(parsed.get("type"), str):
            return _refused("give the record's type and its fields.")
        unknown = set(parsed) - {"type", "fields"}
        if unknown:
            return _refused(
                f"the tool takes only type and fields, not {', '.join(sorted(unknown))}."
            )
        values = parsed.get("fields", {})
        if isinstance(values, str):
            # Some models send the object as JSON text.
            try:
                values = json.loads(values)
            except ValueError:
                return _refused("fields is not a JSON object.")
        try:
            drafted = await turn.records.draft(
                turn.workspace_id, turn.user_id, turn.conversation_id, parsed["type"], values
            )
        except DomainError as error:
            return _refused(error.message)
        turn.drafted = drafted
        return DRAFTED

    async def confirm(context: RunContextWrapper[TurnContext], arguments: str) -> str:
        turn = context.context
        if turn.records is None:
            return "Records cannot be made here."
        try:
            confirmed = await turn.records.confirm(turn.workspace_id, turn.user_id)
        except DomainError as error:
            return f"Nothing to confirm: {error.message}"
        turn.drafted = confirmed
        return CONFIRMED

    names = [kind.name for kind in types]
    return [
        FunctionTool(
            name=CREATE_RECORD,
            description=(
                "Make a record for the team from what the member said (a report, a proposal...): "
                "when they ask for one, or when the organisation's instructions say to. Fill "
                "what they said; leave out what they did not. Dates as YYYY-MM-DD or as the "
                "member said them ('Friday', 'tomorrow', 'in 3 days', 'el viernes', "
                "'mañana'). It is a draft the member confirms; if they correct it, call this "
                "again with the corrected values.\n"
                "Types and their fields:\n" + describe_types(types)
            ),
            params_json_schema={
                "type": "object",
                "properties": {
                    "type": {"type": "string", "enum": names, "description": "The record type."},
                    "fields": {
                        "type": "object",
                        "description": "The record's fields, by key, as the type lists them.",
                    },
                },
                "required": ["type", "fields"],
            },
            on_invoke_tool=create,
            strict_json_schema=False,
        ),
        FunctionTool(
            name=CONFIRM_RECORD,
            description=(
                "The member confirms the record you drafted for them (yes, ok, correct, in any "
                "language): make it final for the team."
            ),
            params_json_schema={"type": "object", "properties": {}, "required": []},
            on_invoke_tool=confirm,
            strict_json_schema=False,
        ),
    ]
