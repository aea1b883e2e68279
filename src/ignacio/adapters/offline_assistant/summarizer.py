"""The extractive summary: what summarises a conversation when no model is configured.

It does not read the conversation for meaning, and says so in its first line. It picks out, by
fixed rules, what a person taking over looks for first: who the member is and since when they
write, why the conversation was handed over, the member's first request, the questions they
asked since a person of the team last wrote, the files named, and the latest messages, each
quoted in the writer's own words. The same conversation always gives the same summary.
"""

from __future__ import annotations

import re
import time
from datetime import datetime

from ignacio.adapters.offline_assistant import OFFLINE_MODEL
from ignacio.application.ports import SummaryDraft, SummarySource
from ignacio.domain import Author, Channel, Message
from ignacio.domain.handover import asks_for_a_person, handoff_notice
from ignacio.domain.history import readable_text

EXTRACTIVE = (
    "Extractive summary (no AI model is configured): lines picked from the conversation and "
    "quoted as written, not a reading of it."
)
QUOTE_CHARS = 200
QUESTIONS_SHOWN = 3
FILES_SHOWN = 10
LATEST_SHOWN = 4

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")
_FILE_NAME = re.compile(
    r"\b[\w][\w.-]*\.(?:pdf|docx?|xlsx?|pptx?|odt|ods|odp|txt|md|csv|rtf|jpe?g|png|gif|webp|heic|zip)\b",
    re.IGNORECASE,
)
_ATTACHED = re.compile(r"^\[document: ([^\]]+)\]")


class OfflineSummarizer:
    """Extractive summaries of a conversation (see the module); costs no tokens."""

    async def summarize(self, source: SummarySource) -> SummaryDraft:
        started = time.perf_counter()
        text = extractive_summary(source)
        return SummaryDraft(
            text=text,
            model=OFFLINE_MODEL,
            input_tokens=0,
            output_tokens=0,
            latency_ms=round((time.perf_counter() - started) * 1000),
        )


def extractive_summary(source: SummarySource) -> str:
    notice = handoff_notice(source.workspace.name)
    # The notice of the handoff is the assistant's boilerplate, and `/human` a command: neither
    # says anything about the member.
    said = [
        (message, text)
        for message in source.messages
        if (text := readable_text(message))
        and text != notice
        and not (message.author is Author.MEMBER and asks_for_a_person(text))
    ]
    lines = [EXTRACTIVE, "", _who(source)]
    if source.reason:
        lines.append(f"Handed to the team because: {_clip(source.reason)}")
    members = [(message, text) for message, text in said if message.author is Author.MEMBER]
    if members:
        label = "Earliest request read" if source.earlier else "First request"
        lines.append(f"{label}: {_quote(members[0][1])}")
    questions = _open_questions(said)
    if questions:
        lines.append("Questions the member asked since a person of the team last wrote:")
        lines.extend(f"- {_quote(question)}" for question in questions)
    files = _files(said)
    if files:
        lines.append(f"Files: {', '.join(files)}")
    if said:
        lines.append("Latest messages:")
        lines.extend(
            f"- {_writer(message, source)} ({_when(message.created_at)}): {_quote(text)}"
            for message, text in said[-LATEST_SHOWN:]
        )
    return "\n".join(lines)


def _who(source: SummarySource) -> str:
    name = source.member.name if source.member is not None and source.member.name else None
    channel = "WhatsApp" if source.conversation.channel is Channel.WHATSAPP else "the web app"
    first, last = source.messages[0].created_at, source.messages[-1].created_at
    count = len(source.messages)
    read = f"{count} message{'s' if count != 1 else ''}"
    span = _when(first) if first == last else f"{_when(first)} to {_when(last)}"
    older = " (older ones not read)" if source.earlier else ""
    return f"Member: {name or 'unnamed'}, on {channel}; {read} from {span}{older}."


def _open_questions(said: list[tuple[Message, str]]) -> list[str]:
    """The member's questions written after the last message by a person of the team, the
    newest last: what nobody of the team has answered yet (the assistant may have)."""
    since = 0
    for index, (message, _) in enumerate(said):
        if message.author is Author.STAFF:
            since = index + 1
    questions = [
        sentence.strip()
        for message, text in said[since:]
        if message.author is Author.MEMBER
        for sentence in _SENTENCE_END.split(text)
        if "?" in sentence
    ]
    return questions[-QUESTIONS_SHOWN:]


def _files(said: list[tuple[Message, str]]) -> list[str]:
    """The files sent and the file names written, in the order they came, each once."""
    found: list[str] = []
    for _, text in said:
        attached = _ATTACHED.match(text)
        for name in ([attached.group(1)] if attached else []) + _FILE_NAME.findall(text):
            if name not in found:
                found.append(name)
    return found[:FILES_SHOWN]


def _writer(message: Message, source: SummarySource) -> str:
    if message.author is Author.MEMBER:
        return "Member"
    if message.author is Author.STAFF:
        return "Team"
    return source.workspace.assistant_name


def _when(at: datetime) -> str:
    return f"{at:%Y-%m-%d %H:%M} UTC"


def _quote(text: str) -> str:
    return f"“{_clip(text)}”"


def _clip(text: str) -> str:
    flat = " ".join(text.split())
    if len(flat) <= QUOTE_CHARS:
        return flat
    return flat[: QUOTE_CHARS - 1].rsplit(" ", 1)[0] + "…"
