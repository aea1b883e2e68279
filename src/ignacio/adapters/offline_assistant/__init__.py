"""The offline assistant: what answers when no model is configured.

It never pretends to think. It finds the passages of the member's own files in the turn's
workspace, and of that workspace's knowledge base, that match what they wrote (through the
DocumentIndex) and shows them with their document names; otherwise it says
what it can do without a model and how the operator connects one. It writes Markdown, which the
WhatsApp channel turns into WhatsApp's formatting.
"""

from __future__ import annotations

import logging
import re
import time
import unicodedata
from typing import NamedTuple

from ignacio.application.ports import AssistantReply, AssistantTurn, DocumentIndex, DocumentInput
from ignacio.domain import Author, Channel, MessageType, UpstreamUnavailable
from ignacio.domain.handover import ASKED_FOR_A_PERSON, HandoffRequest, handoff_notice
from ignacio.domain.history import readable_text
from ignacio.domain.knowledge import UserFile
from ignacio.domain.search import answers, content_words, coverage, words

OFFLINE_MODEL = "offline"
PASSAGES_SHOWN = 3
PASSAGES_SEARCHED = 10
PASSAGE_CHARS = 400
FILE_NAMES_SHOWN = 5

log = logging.getLogger(__name__)

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")

CONNECT_A_MODEL = (
    "To connect a model, the operator sets `OPENAI_API_KEY` (and, for any OpenAI-compatible "
    "server, `IGNACIO_AI_BASE_URL` and `IGNACIO_AI_MODEL`) and restarts Ignacio."
)


# Without a model, asking for a person is recognised by its usual words in the languages our
# organisations' members write in most; a model recognises it in any words (hand_to_team).
_ASKS_FOR_A_PERSON = re.compile(
    r"\b(?:"
    r"(?:talk|speak|chat)\s+(?:to|with)\s+(?:a\s+|an\s+|some\s*)?(?:real\s+)?"
    r"(?:human|person|agent|one|body|someone|operator)"
    r"|real\s+person|human\s+(?:agent|being|please)"
    r"|hablar\s+con\s+(?:una?\s+)?(?:persona|humano|agente|asesor|alguien|operador)"
    r"|persona\s+real|quiero\s+(?:un\s+)?humano"
    r"|falar\s+com\s+(?:uma?\s+)?(?:pessoa|humano|atendente|alguem)|atendente\s+humano"
    r"|parler\s+(?:a|avec)\s+(?:un\s+|une\s+)?(?:humain|personne|conseiller|quelqu.un)"
    r"|mit\s+einem\s+(?:menschen|mitarbeiter)|mit\s+einer\s+person"
    r"|parlare\s+con\s+(?:una?\s+)?(?:persona|operatore|umano)"
    r")\b"
)


def asks_for_a_person(text: str) -> bool:
    """Whether the member asks to talk to a person, in the usual words of a few languages."""
    return _ASKS_FOR_A_PERSON.search(_folded(text)) is not None


# Asking what the assistant can do, or about a record (a report, a proposal), in the same
# languages: answered with how to keep a record without a model (`/report`, `/proposal`).
_ASKS_FOR_HELP = re.compile(
    r"\b(?:help|commands?|what\s+can\s+you\s+do|how\s+does\s+(?:this|it)\s+work"
    r"|ayuda|ayudame|comandos?|que\s+puedes\s+hacer|como\s+funciona"
    r"|ajuda|o\s+que\s+voce\s+pode\s+fazer|aide|hilfe|aiuto)\b"
)
_ABOUT_RECORDS = re.compile(
    r"\b(?:reports?|proposals?|records?|quotes?|estimates?|incidents?|complaints?"
    r"|informes?|reportes?|propuestas?|presupuestos?|incidencias?|quejas?|registros?"
    r"|relatorios?|propostas?|orcamentos?|reclamacao)\b"
)


def asks_about_records(text: str) -> bool:
    """Whether the member asks for help, or about a report, a proposal or another record."""
    folded = _folded(text)
    return bool(_ASKS_FOR_HELP.search(folded) or _ABOUT_RECORDS.search(folded))


def _folded(text: str) -> str:
    return unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode()


class _Hit(NamedTuple):
    file_name: str
    location: str | None
    text: str
    knowledge: bool = False


class OfflineAssistant:
    """Answers from the member's files and the workspace's knowledge base, honestly, with no
    model behind it.

    - A question that comes with a document is answered from that document first: its text is
      in the turn, before the index has it.
    - Passages must hold at least half of what the question is about (`domain.search.answers`);
      the same passage twice (a file uploaded twice) is shown once.
    - How to connect a model is said once in a conversation, not under every answer.
    """

    def __init__(self, index: DocumentIndex) -> None:
        self._index = index

    async def answer(self, turn: AssistantTurn) -> AssistantReply:
        started = time.perf_counter()
        if asks_for_a_person(readable_text(turn.message)):
            return AssistantReply(
                text=handoff_notice(turn.workspace.name),
                model=OFFLINE_MODEL,
                input_tokens=0,
                output_tokens=0,
                latency_ms=round((time.perf_counter() - started) * 1000),
                handoff=HandoffRequest(reason=ASKED_FOR_A_PERSON, by_member=True),
            )
        text = await self._compose(turn)
        capture = _capture(turn)
        if capture:
            text = f"{text}\n\n{capture}"
        footer = _footer(turn, steps_said=bool(capture) and bool(turn.workflow.steps))
        return AssistantReply(
            text=f"{text}\n\n{footer}" if footer else text,
            model=OFFLINE_MODEL,
            input_tokens=0,
            output_tokens=0,
            latency_ms=round((time.perf_counter() - started) * 1000),
        )

    async def _compose(self, turn: AssistantTurn) -> str:
        message = turn.message
        if message.message_type is MessageType.AUDIO and not (message.transcript or "").strip():
            return (
                "I got your voice note, but without an AI model I can't listen to it. Could you "
                "type your question instead?"
            )
        # A burst is read as one question; its newest document is the one asked about.
        documents = [part.document for part in turn.earlier] + [turn.document]
        document = next((d for d in reversed(documents) if d is not None), None)
        if turn.wants_summary and document is not None:
            return _document_received(document)
        question = " ".join(
            part
            for said in turn.messages
            for part in (said.content.strip(), (said.transcript or "").strip())
            if part
        )
        wanted = content_words(question)
        if document is not None and wanted:
            hits = _passages_in(document, wanted)
            if hits:
                return _found(hits, f"Here is what **{document.name}** says about that:")
        hits = await self._search(turn, question, wanted) if wanted else []
        if hits:
            return _found(hits, _where_found(turn, hits))
        if message.message_type is MessageType.IMAGE:
            return (
                "Thanks for the photo. Without an AI model I can't see what it shows, but it is "
                "kept with this conversation."
            )
        return _introduction(turn)

    async def _search(self, turn: AssistantTurn, question: str, wanted: list[str]) -> list[_Hit]:
        try:
            # More than are shown: the floor and the duplicates leave out some.
            found = await self._index.search(
                turn.workspace.id, turn.user.id, question, PASSAGES_SEARCHED
            )
        except UpstreamUnavailable as error:
            log.warning("file search unavailable", extra={"reason": error.message})
            return []
        hits = [
            _Hit(p.file_name, p.location, p.text, p.knowledge)
            for p in found
            if answers(wanted, p.text)
        ]
        return _distinct(hits)[:PASSAGES_SHOWN]


def _passages_in(document: DocumentInput, wanted: list[str]) -> list[_Hit]:
    """The document's paragraphs that answer, those holding most of the question first."""
    paragraphs = [part.strip() for part in _PARAGRAPH_BREAK.split(document.text) if part.strip()]
    scored = [
        (coverage(wanted, paragraph), -order, paragraph)
        for order, paragraph in enumerate(paragraphs)
        if answers(wanted, paragraph)
    ]
    best = [paragraph for *_, paragraph in sorted(scored, reverse=True)]
    return _distinct([_Hit(document.name, None, text) for text in best])[:PASSAGES_SHOWN]


def _distinct(hits: list[_Hit]) -> list[_Hit]:
    seen: set[str] = set()
    kept = []
    for hit in hits:
        key = " ".join(words(hit.text))
        if key not in seen:
            seen.add(key)
            kept.append(hit)
    return kept


STEPS_NEED_A_MODEL = (
    "{organisation} also asks everyone here a few questions; those are collected only with a "
    "model connected."
)


RECORDS_WITHOUT_A_MODEL = (
    "To keep a report or a proposal for the team without a model, send `/report <text>` or "
    "`/proposal <text>`: it is stored as a record with your words, and the team fills in the "
    "rest."
)


def _capture(turn: AssistantTurn) -> str:
    """What the member can keep for the team without a model, when they ask for help or about
    a record: `/report` and `/proposal` (commands of the WhatsApp channel), and, when the
    workspace has workflow steps, that those wait for a model. Said again each time they ask;
    a member with steps still open who asks nothing of it is told once, in the footer."""
    said = " ".join(readable_text(message) for message in turn.messages)
    if not asks_about_records(said):
        return ""
    records = RECORDS_WITHOUT_A_MODEL
    if turn.conversation.channel is not Channel.WHATSAPP:
        records = f"On WhatsApp: {records[0].lower()}{records[1:]}"
    if turn.workflow.steps:
        return f"{records} {STEPS_NEED_A_MODEL.format(organisation=turn.workspace.name)}"
    return records


def _footer(turn: AssistantTurn, *, steps_said: bool = False) -> str:
    """How to connect a model, unless this conversation was told already; and, when the
    workspace has workflow steps still open for this member (and the answer did not say so
    already), that they wait for one, and that a record needs none."""
    told = any(
        message.author is Author.ASSISTANT and CONNECT_A_MODEL in message.content
        for message in turn.history
    )
    if told:
        return ""
    if turn.open_steps and not steps_said:
        steps = STEPS_NEED_A_MODEL.format(organisation=turn.workspace.name)
        return f"{steps} {RECORDS_WITHOUT_A_MODEL} {CONNECT_A_MODEL}"
    return CONNECT_A_MODEL


def _where_found(turn: AssistantTurn, hits: list[_Hit]) -> str:
    organisation = turn.workspace.name
    if all(hit.knowledge for hit in hits):
        return f"Here is what I found in {organisation}'s knowledge base:"
    if any(hit.knowledge for hit in hits):
        return f"Here is what I found in your files and {organisation}'s knowledge base:"
    return "Here is what I found in your files:"


def _found(hits: list[_Hit], heading: str) -> str:
    blocks = [heading]
    for hit in hits:
        places = [hit.location] if hit.location else []
        if hit.knowledge:
            places.append("knowledge base")
        where = f" ({', '.join(places)})" if places else ""
        blocks.append(f"**{hit.file_name}**{where}\n> {_excerpt(hit.text)}")
    blocks.append(
        "_I'm running without an AI model, so these are passages from documents rather than "
        "an answer._"
    )
    return "\n\n".join(blocks)


def _document_received(document: DocumentInput) -> str:
    lines = [f"I've kept **{document.name}** with your files."]
    if document.text.strip():
        lines.append(
            f"Without an AI model I can't summarise it; it begins:\n> {_excerpt(document.text)}"
        )
        lines.append("Ask me about a topic it covers and I'll show you the passages that match.")
    elif document.note:
        lines.append(f"I couldn't read any text in it: {document.note}.")
    else:
        lines.append("I couldn't read any text in it (it may be a scan or a picture).")
    return "\n\n".join(lines)


def _introduction(turn: AssistantTurn) -> str:
    name = turn.user.name
    greeting = f"Hi {name}! " if name else "Hi! "
    files = turn.files
    if files:
        library = (
            f"I can search your files ({_names(files)}): ask about a topic they cover and I'll "
            "show you the passages that match, with the file they come from."
        )
    else:
        library = (
            "I can search the documents you send me (PDF, Word, PowerPoint, Excel, text): "
            "send one, then ask about a topic it covers."
        )
    if turn.knowledge:
        library += (
            f" I also answer from {turn.workspace.name}'s knowledge base "
            f"({_names(turn.knowledge)})."
        )
    said = readable_text(turn.message)
    searched = "your files" if not turn.knowledge else "your files or the knowledge base"
    nothing_found = (
        f" I found nothing in {searched} about that." if said and (files or turn.knowledge) else ""
    )
    return (
        f"{greeting}I'm {turn.workspace.assistant_name}, {turn.workspace.name}'s assistant, "
        "running without an AI model, so I can't answer your message "
        f"myself yet; it is saved in this conversation.{nothing_found}\n\n{library}"
    )


def _names(files: list[UserFile]) -> str:
    names = ", ".join(file.file_name for file in files[:FILE_NAMES_SHOWN])
    more = f" and {len(files) - FILE_NAMES_SHOWN} more" if len(files) > FILE_NAMES_SHOWN else ""
    return names + more


def _excerpt(text: str) -> str:
    flat = " ".join(text.split())
    if len(flat) <= PASSAGE_CHARS:
        return flat
    cut = flat[:PASSAGE_CHARS].rsplit(" ", 1)[0]
    return cut + "…"


from ignacio.adapters.offline_assistant.health import OfflineAssistantProbe  # noqa: E402
from ignacio.adapters.offline_assistant.summarizer import OfflineSummarizer  # noqa: E402

__all__ = [
    "CONNECT_A_MODEL",
    "OFFLINE_MODEL",
    "RECORDS_WITHOUT_A_MODEL",
    "OfflineAssistant",
    "OfflineAssistantProbe",
    "OfflineSummarizer",
    "asks_about_records",
]
