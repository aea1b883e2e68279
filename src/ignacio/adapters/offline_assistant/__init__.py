"""The offline assistant: what answers when no model is configured.

It never pretends to think. It finds the passages of the member's own files that match what
they wrote (through the DocumentIndex) and shows them with their file names; otherwise it says
what it can do without a model and how the operator connects one. It writes Markdown, which the
WhatsApp channel turns into WhatsApp's formatting.
"""

from __future__ import annotations

import logging
import time

from ignacio.application.ports import AssistantReply, AssistantTurn, DocumentIndex, DocumentInput
from ignacio.domain import MessageType, UpstreamUnavailable
from ignacio.domain.history import readable_text
from ignacio.domain.knowledge import Passage

OFFLINE_MODEL = "offline"
PASSAGES_SHOWN = 3
PASSAGE_CHARS = 400
FILE_NAMES_SHOWN = 5

log = logging.getLogger(__name__)

CONNECT_A_MODEL = (
    "To connect a model, the operator sets `OPENAI_API_KEY` (and, for any OpenAI-compatible "
    "server, `IGNACIO_AI_BASE_URL` and `IGNACIO_AI_MODEL`) and restarts Ignacio."
)


class OfflineAssistant:
    """Answers from the member's files, honestly, with no model behind it."""

    def __init__(self, index: DocumentIndex) -> None:
        self._index = index

    async def answer(self, turn: AssistantTurn) -> AssistantReply:
        started = time.perf_counter()
        text = await self._compose(turn)
        return AssistantReply(
            text=text,
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
                f"type your question instead?\n\n{CONNECT_A_MODEL}"
            )
        if turn.wants_summary and turn.document is not None:
            return _document_received(turn.document)
        question = " ".join(
            part for part in (message.content.strip(), (message.transcript or "").strip()) if part
        )
        passages = await self._search(turn, question) if question else []
        if passages:
            return _found(passages)
        if message.message_type is MessageType.IMAGE:
            return (
                "Thanks for the photo. Without an AI model I can't see what it shows, but it is "
                f"kept with this conversation.\n\n{CONNECT_A_MODEL}"
            )
        return _introduction(turn)

    async def _search(self, turn: AssistantTurn, question: str) -> list[Passage]:
        try:
            return await self._index.search(turn.user.id, question, PASSAGES_SHOWN)
        except UpstreamUnavailable as error:
            log.warning("file search unavailable", extra={"reason": error.message})
            return []


def _found(passages: list[Passage]) -> str:
    blocks = ["Here is what I found in your files:"]
    for passage in passages:
        where = f" ({passage.location})" if passage.location else ""
        blocks.append(f"**{passage.file_name}**{where}\n> {_excerpt(passage.text)}")
    blocks.append(
        "_I'm running without an AI model, so these are passages from your files rather than "
        f"an answer._ {CONNECT_A_MODEL}"
    )
    return "\n\n".join(blocks)


def _document_received(document: DocumentInput) -> str:
    text = document.text
    lines = [f"I've kept **{document.name}** with your files."]
    if text.strip():
        lines.append(f"Without an AI model I can't summarise it; it begins:\n> {_excerpt(text)}")
        lines.append("Ask me about a topic it covers and I'll show you the passages that match.")
    elif document.note:
        lines.append(f"I couldn't read any text in it: {document.note}.")
    else:
        lines.append("I couldn't read any text in it (it may be a scan or a picture).")
    lines.append(CONNECT_A_MODEL)
    return "\n\n".join(lines)


def _introduction(turn: AssistantTurn) -> str:
    name = turn.user.name
    greeting = f"Hi {name}! " if name else "Hi! "
    files = turn.files
    if files:
        names = ", ".join(file.file_name for file in files[:FILE_NAMES_SHOWN])
        more = f" and {len(files) - FILE_NAMES_SHOWN} more" if len(files) > FILE_NAMES_SHOWN else ""
        library = (
            f"I can search your files ({names}{more}): ask about a topic they cover and I'll "
            "show you the passages that match, with the file they come from."
        )
    else:
        library = (
            "I can search the documents you send me (PDF, Word, PowerPoint, Excel, text): "
            "send one, then ask about a topic it covers."
        )
    said = readable_text(turn.message)
    nothing_found = " I found nothing in your files about that." if said and files else ""
    return (
        f"{greeting}I'm Ignacio, running without an AI model, so I can't answer your message "
        f"myself yet; it is saved in this conversation.{nothing_found}\n\n{library}\n\n"
        f"{CONNECT_A_MODEL}"
    )


def _excerpt(text: str) -> str:
    flat = " ".join(text.split())
    if len(flat) <= PASSAGE_CHARS:
        return flat
    cut = flat[:PASSAGE_CHARS].rsplit(" ", 1)[0]
    return cut + "…"


__all__ = ["CONNECT_A_MODEL", "OFFLINE_MODEL", "OfflineAssistant"]
