"""How much of a conversation the assistant reads, and how each message reads to it."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

import msgspec

from ignacio.domain.commands import CommandName, parse_command
from ignacio.domain.conversations import Author, Channel, Message, MessageType
from ignacio.domain.errors import InvalidInput

DEFAULT_HISTORY_MESSAGES = 20
DEFAULT_HISTORY_CHARS = 24_000
"""About 6,000 tokens: room for a long exchange, small next to any current model's context."""

_ATTACHMENT_NOTES = {
    MessageType.IMAGE: "photo",
    MessageType.AUDIO: "voice note",
    MessageType.VIDEO: "video",
    MessageType.DOCUMENT: "document",
    MessageType.STICKER: "sticker",
}


def readable_text(message: Message) -> str:
    """The message as the assistant reads it: a note of what came with it (`[photo]`,
    `[document: plan.pdf]`), what the member wrote, and what a voice note said."""
    pieces = []
    note = _ATTACHMENT_NOTES.get(message.message_type)
    if note is not None:
        name = _attachment_name(message)
        pieces.append(f"[{note}: {name}]" if name and note == "document" else f"[{note}]")
    if message.content.strip():
        pieces.append(message.content.strip())
    if message.transcript:
        pieces.append(message.transcript.strip())
    return " ".join(pieces)


def unrevoked(messages: Sequence[Message]) -> list[Message]:
    """`messages` without the ones their member deleted, nor the answers to those (which
    would read as answering nothing, and may repeat what was deleted): what an assistant or
    a summary may read back."""
    revoked = {message.id for message in messages if message.is_revoked}
    if not revoked:
        return list(messages)
    return [
        message
        for message in messages
        if message.id not in revoked and message.reply_to_id not in revoked
    ]


def assistant_reads(messages: Sequence[Message]) -> list[Message]:
    """What of a conversation the assistant may read back: what came after the member's last
    `/clear` (which deletes nothing: the team still sees it all), without the member's
    commands and their answers (system functions, never the model's business)."""
    commands: set[UUID] = set()
    start = 0
    for index, message in enumerate(messages):
        command = _command_of(message)
        if command is None:
            continue
        commands.add(message.id)
        if command is CommandName.CLEAR and not message.is_revoked:
            start = index + 1
    return [
        message
        for message in messages[start:]
        if message.id not in commands and message.reply_to_id not in commands
    ]


def _command_of(message: Message) -> CommandName | None:
    if (
        message.author is not Author.MEMBER
        or message.channel is not Channel.WHATSAPP
        or message.message_type is not MessageType.TEXT
    ):
        return None
    command = parse_command(message.content)
    return None if command is None else command.name


def _attachment_name(message: Message) -> str | None:
    if message.media is not None and message.media.filename:
        return message.media.filename
    if message.file_path:
        return message.file_path.rsplit("/", 1)[-1]
    return None


class HistoryWindow(msgspec.Struct, frozen=True, kw_only=True):
    """The recent messages the assistant reads with a new one (seed 002's
    `MAX_CONVERSATION_HISTORY`): at most `max_messages`, and no more than `max_chars` of their
    readable text, so that one pasted document cannot crowd the model's context."""

    max_messages: int = DEFAULT_HISTORY_MESSAGES
    max_chars: int = DEFAULT_HISTORY_CHARS

    def __post_init__(self) -> None:
        if self.max_messages < 0 or self.max_chars < 0:
            raise InvalidInput("A history window cannot be negative.")

    def select(self, messages: Sequence[Message]) -> list[Message]:
        """The newest messages that fit, oldest first; `messages` is in conversation order.

        The window ends at the first message, going back in time, that would not fit: a gap in
        the middle would make the conversation read as something nobody said. Messages their
        member deleted, and the answers to them, are not read (`unrevoked`).
        """
        messages = unrevoked(messages)
        chosen: list[Message] = []
        budget = self.max_chars
        for message in reversed(messages[-self.max_messages :] if self.max_messages else []):
            size = len(readable_text(message))
            if size > budget:
                break
            budget -= size
            chosen.append(message)
        chosen.reverse()
        return chosen
