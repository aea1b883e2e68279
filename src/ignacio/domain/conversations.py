"""Conversations and the messages in them, whichever channel they came through."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

import msgspec

from ignacio.domain.errors import InvalidInput

# A reply sorts after what it answers even when both fall within one tick of the clock.
_AFTER = timedelta(microseconds=1)

MAX_TITLE_LENGTH = 255
MAX_MESSAGE_LENGTH = 32_000
TITLE_FROM_MESSAGE_LENGTH = 60


class Channel(StrEnum):
    """Where a message was written or where it is delivered."""

    WEB = "web"
    WHATSAPP = "whatsapp"


class MessageType(StrEnum):
    TEXT = "text"
    IMAGE = "image"
    AUDIO = "audio"
    VIDEO = "video"
    DOCUMENT = "document"
    STICKER = "sticker"
    LOCATION = "location"
    CONTACTS = "contacts"
    INTERACTIVE = "interactive"
    REACTION = "reaction"
    UNSUPPORTED = "unsupported"


class Author(StrEnum):
    """Who wrote a message: the member, the assistant, or a person answering by hand."""

    MEMBER = "member"
    ASSISTANT = "assistant"
    STAFF = "staff"


class DeliveryStatus(StrEnum):
    """Where an outgoing message stands with the provider; `received` for inbound ones."""

    RECEIVED = "received"
    PENDING = "pending"
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"


class MediaRef(msgspec.Struct, frozen=True, kw_only=True):
    """Where the provider keeps a media file until we fetch it."""

    provider_media_id: str | None = None
    url: str | None = None
    mime_type: str | None = None
    filename: str | None = None
    sha256: str | None = None
    is_voice: bool = False


class ProcessingState(StrEnum):
    """Where an inbound message stands in the pipeline that answers it."""

    PENDING = "pending"
    DONE = "done"


class Conversation(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    workspace_id: UUID
    user_id: UUID
    title: str | None = None
    channel: Channel = Channel.WEB
    number_id: UUID | None = None
    """On WhatsApp, the workspace's own number the member last wrote to, which answers them;
    None: the deployment's number (IGNACIO_CHANNEL)."""
    created_at: datetime
    updated_at: datetime

    def __post_init__(self) -> None:
        if self.title is not None:
            check_title(self.title)

    def on_number(self, number_id: UUID | None) -> Conversation:
        """The member wrote to the workspace's number `number_id`: answers go out from it."""
        if number_id == self.number_id:
            return self
        return msgspec.structs.replace(self, number_id=number_id)

    def active_at(self, at: datetime) -> Conversation:
        """A message came or went at `at`: the conversation moves to the top of its list."""
        return msgspec.structs.replace(self, updated_at=at)

    def written_in(self, text: str, at: datetime) -> Conversation:
        """The member wrote `text` at `at`: active then, and named after it if still untitled."""
        return msgspec.structs.replace(
            self, title=self.title or title_from_first_message(text), updated_at=at
        )


class Message(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    workspace_id: UUID  # its conversation's
    conversation_id: UUID
    user_id: UUID
    author: Author
    content: str
    message_type: MessageType = MessageType.TEXT
    channel: Channel = Channel.WEB
    file_path: str | None = None
    external_message_id: str | None = None
    delivery_status: DeliveryStatus = DeliveryStatus.RECEIVED
    created_at: datetime
    # Inbound messages from a provider: the media to fetch, and how far the pipeline got.
    media: MediaRef | None = None
    processing: ProcessingState | None = None
    processing_attempts: int = 0
    # Answers: the message they answer (one answer per message, which makes answering idempotent).
    reply_to_id: UUID | None = None
    # A voice note or audio file, as the transcriber heard it; `content` keeps what the member
    # typed (a caption, usually nothing), so machine text never passes for theirs.
    transcript: str | None = None
    # Answers: what producing them cost (seed 002): the model, its tokens, and how long it took.
    ai_model: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    latency_ms: int | None = None

    @property
    def is_from_user(self) -> bool:
        return self.author is Author.MEMBER

    @classmethod
    def answer(cls, to: Message, *, id: UUID, content: str, at: datetime) -> Message:
        """The assistant's answer to `to`, in `to`'s workspace and on its channel, sorted after it.

        On WhatsApp it waits to be sent, and names the message it answers: one answer per
        message, which is what makes answering idempotent. On the web it is delivered once
        stored (the member is waiting on the request).
        """
        whatsapp = to.channel is Channel.WHATSAPP
        return cls(
            id=id,
            workspace_id=to.workspace_id,
            conversation_id=to.conversation_id,
            user_id=to.user_id,
            author=Author.ASSISTANT,
            content=content,
            message_type=MessageType.TEXT,
            channel=to.channel,
            delivery_status=DeliveryStatus.PENDING if whatsapp else DeliveryStatus.DELIVERED,
            reply_to_id=to.id if whatsapp else None,
            created_at=max(at, to.created_at + _AFTER),
        )

    def costing(
        self,
        *,
        model: str | None,
        input_tokens: int | None,
        output_tokens: int | None,
        latency_ms: int | None,
    ) -> Message:
        """The answer with what producing it cost (seed 002)."""
        return msgspec.structs.replace(
            self,
            ai_model=model,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            latency_ms=latency_ms,
        )

    def attempted(self) -> Message:
        """One more run of the pipeline on this inbound message."""
        return msgspec.structs.replace(self, processing_attempts=self.processing_attempts + 1)

    def kept_at(self, file_path: str) -> Message:
        """Its media, fetched and stored at `file_path`."""
        return msgspec.structs.replace(self, file_path=file_path)

    def reworded(self, content: str) -> Message:
        """The same message in other words: what the assistant is asked in its place (a caption
        with its file's text, a question drawn from a burst)."""
        return msgspec.structs.replace(self, content=content)

    def transcribed(self, words: str) -> Message:
        """A voice note with what the transcriber heard."""
        return msgspec.structs.replace(self, transcript=words.strip())

    def done(self) -> Message:
        """Nothing is left to do for this inbound message."""
        return msgspec.structs.replace(self, processing=ProcessingState.DONE)


def check_title(title: str) -> str:
    cleaned = title.strip()
    if not cleaned:
        raise InvalidInput("A conversation title cannot be empty.")
    if len(cleaned) > MAX_TITLE_LENGTH:
        raise InvalidInput(f"A conversation title can have at most {MAX_TITLE_LENGTH} characters.")
    return cleaned


def check_message_text(text: str) -> str:
    """What a member may send as a text message: not blank, and not longer than 32,000 characters."""
    if not text.strip():
        raise InvalidInput("A message cannot be empty.")
    if len(text) > MAX_MESSAGE_LENGTH:
        raise InvalidInput(f"A message can have at most {MAX_MESSAGE_LENGTH} characters.")
    return text


def title_from_first_message(text: str) -> str:
    """A title for a conversation that has none: the first line of its first message, shortened."""
    first_line = " ".join(text.strip().split())
    if len(first_line) <= TITLE_FROM_MESSAGE_LENGTH:
        return first_line
    cut = first_line[:TITLE_FROM_MESSAGE_LENGTH].rsplit(" ", 1)[0]
    return cut + "…"
