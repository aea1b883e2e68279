"""Conversations and the messages in them, whichever channel they came through."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

import msgspec

from ignacio.domain.edits import EditEffect, same_question
from ignacio.domain.errors import InvalidInput
from ignacio.domain.handover import (
    WHATSAPP_WINDOW,
    Actor,
    ConversationState,
    StateChange,
    Transition,
    check_reason,
)
from ignacio.domain.templates import TemplateUse

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
    state: ConversationState = ConversationState.ASSISTANT
    assignee_id: UUID | None = None
    """The person of the team who has it: set exactly when the state is `human` (one owner)."""
    state_since: datetime | None = None
    """When it entered its state; None: it has been with the assistant from the start."""
    last_member_message_at: datetime | None = None
    """When the member last wrote: WhatsApp's 24-hour window runs from it."""

    def __post_init__(self) -> None:
        if self.title is not None:
            check_title(self.title)
        if (self.state is ConversationState.HUMAN) != (self.assignee_id is not None):
            raise ValueError("A conversation has an assignee exactly when a person has it.")

    def window_closes_at(self) -> datetime | None:
        """On WhatsApp, when free-form messages to the member stop being allowed; None on the
        web, where there is no such window."""
        if self.channel is not Channel.WHATSAPP:
            return None
        if self.last_member_message_at is None:
            return self.created_at
        return self.last_member_message_at + WHATSAPP_WINDOW

    def window_open(self, at: datetime) -> bool:
        """Whether a free-form message may go to the member at `at`."""
        closes = self.window_closes_at()
        return closes is None or at < closes

    def member_wrote(self, at: datetime) -> Conversation:
        """The member wrote at `at`: active then, and WhatsApp's window opens again."""
        last = self.last_member_message_at
        return msgspec.structs.replace(
            self, updated_at=at, last_member_message_at=at if last is None else max(last, at)
        )

    # Transitions. Each returns the conversation after it and the change to record, or the
    # same conversation and None when nothing changes (asking twice is harmless).

    def taken(
        self, *, id: UUID, by: UUID, assignee: UUID, at: datetime, reason: str | None = None
    ) -> tuple[Conversation, StateChange | None]:
        """A person of the team (`by`) takes it for `assignee` (themself or a teammate), from
        any state; the assistant falls silent."""
        if self.state is ConversationState.HUMAN and self.assignee_id == assignee:
            return self, None
        return self._to(
            ConversationState.HUMAN,
            Transition.TAKE,
            id=id,
            actor=Actor.TEAM,
            actor_id=by,
            assignee=assignee,
            reason=reason,
            at=at,
        )

    def handed_back(
        self, *, id: UUID, by: UUID, at: datetime
    ) -> tuple[Conversation, StateChange | None]:
        """The team gives it back to the assistant, which answers the member's next message."""
        if self.state is ConversationState.ASSISTANT:
            return self, None
        return self._to(
            ConversationState.ASSISTANT,
            Transition.HAND_BACK,
            id=id,
            actor=Actor.TEAM,
            actor_id=by,
            at=at,
        )

    def closed(
        self, *, id: UUID, by: UUID, at: datetime
    ) -> tuple[Conversation, StateChange | None]:
        if self.state is ConversationState.CLOSED:
            return self, None
        return self._to(
            ConversationState.CLOSED, Transition.CLOSE, id=id, actor=Actor.TEAM, actor_id=by, at=at
        )

    def handed_off(
        self,
        *,
        id: UUID,
        actor: Actor,
        actor_id: UUID | None,
        reason: str | None,
        at: datetime,
    ) -> tuple[Conversation, StateChange | None]:
        """The member asked for a person, or the assistant could not help: it waits for the
        team. Already with the team, nothing changes (and the member is not told again)."""
        if actor is Actor.TEAM:
            raise ValueError("The team takes a conversation; it does not hand it off.")
        if self.state.with_team:
            return self, None
        return self._to(
            ConversationState.WAITING,
            Transition.HANDOFF,
            id=id,
            actor=actor,
            actor_id=actor_id,
            reason=check_reason(reason),
            at=at,
        )

    def released(self, *, id: UUID, at: datetime) -> tuple[Conversation, StateChange | None]:
        """The person who had it is no longer in the team: it waits for someone else."""
        if self.state is not ConversationState.HUMAN:
            return self, None
        return self._to(
            ConversationState.WAITING,
            Transition.RELEASE,
            id=id,
            actor=Actor.TEAM,
            actor_id=self.assignee_id,
            at=at,
        )

    def reopened(self, *, id: UUID, at: datetime) -> tuple[Conversation, StateChange | None]:
        """The member wrote in a closed conversation: it is open again, with the assistant."""
        if self.state is not ConversationState.CLOSED:
            return self, None
        return self._to(
            ConversationState.ASSISTANT,
            Transition.REOPEN,
            id=id,
            actor=Actor.MEMBER,
            actor_id=self.user_id,
            at=at,
        )

    def _to(
        self,
        state: ConversationState,
        transition: Transition,
        *,
        id: UUID,
        actor: Actor,
        actor_id: UUID | None,
        at: datetime,
        assignee: UUID | None = None,
        reason: str | None = None,
    ) -> tuple[Conversation, StateChange]:
        change = StateChange(
            id=id,
            workspace_id=self.workspace_id,
            conversation_id=self.id,
            transition=transition,
            from_state=self.state,
            to_state=state,
            actor=actor,
            actor_id=actor_id,
            assignee_id=assignee,
            reason=reason,
            created_at=at,
        )
        after = msgspec.structs.replace(self, state=state, assignee_id=assignee, state_since=at)
        return after, change

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
            self.member_wrote(at), title=self.title or title_from_first_message(text)
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
    # Written by hand by a person of the team (author `staff`): who.
    sent_by: UUID | None = None
    # Sent as an approved template (outside WhatsApp's 24-hour window): which, with its values.
    template: TemplateUse | None = None
    # Edited by the member on WhatsApp (`edited`): `content` is what it says now, `original_text`
    # what they first wrote, `edited_at` when they last edited it (the provider's time).
    original_text: str | None = None
    edited_at: datetime | None = None
    revision: int = 0
    """A member's message: how many of its edits asked something new, each answered on its own
    (0: as first sent). An answer: the revision of the message it answers; one answer per
    revision of a message is what keeps answering an edit idempotent."""
    revoked_at: datetime | None = None
    """When the member deleted it on WhatsApp (for everyone): it is kept, for the platform's
    audit, but shown to nobody and read by no assistant."""
    answered_by_id: UUID | None = None
    """A member's message answered together with the later messages of its burst: the answer
    (which replies to the burst's last message) that read it too (`domain.bursts`). It speaks
    of the message as first sent: an edit asking anew (revision 1 on) is answered on its own."""

    @property
    def is_from_user(self) -> bool:
        return self.author is Author.MEMBER

    @property
    def is_edited(self) -> bool:
        return self.edited_at is not None

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

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
            revision=to.revision,
            created_at=max(at, to.created_at + _AFTER),
        )

    @classmethod
    def from_team(
        cls, conversation: Conversation, *, id: UUID, by: UUID, content: str, at: datetime
    ) -> Message:
        """A reply a person of the team (`by`) writes by hand in the member's conversation."""
        return cls._outgoing(
            conversation, Author.STAFF, id=id, content=check_message_text(content), at=at, by=by
        )

    @classmethod
    def file_from_team(
        cls,
        conversation: Conversation,
        *,
        id: UUID,
        by: UUID,
        file_name: str,
        file_path: str,
        media_type: str,
        caption: str | None,
        at: datetime,
    ) -> Message:
        """A file a person of the team sends the member, with an optional caption. The file is
        kept in the member's library under the message's id; `content` is the caption, or the
        file's name when there is none (what the thread, the inbox and the assistant read)."""
        caption = check_caption(caption)
        message = cls._outgoing(
            conversation, Author.STAFF, id=id, content=caption or file_name, at=at, by=by
        )
        return msgspec.structs.replace(
            message,
            message_type=attachment_type(media_type),
            file_path=file_path,
        )

    @property
    def carries_file(self) -> bool:
        """It has a stored file (which shares its id)."""
        return self.file_path is not None and self.message_type in FILE_MESSAGE_TYPES

    def caption_for(self, file_name: str) -> str | None:
        """The caption to send with this message's file: none when its text is only the file's
        name (a WhatsApp document shows its name by itself)."""
        return None if self.content == file_name else self.content

    @classmethod
    def template_from_team(
        cls, conversation: Conversation, *, id: UUID, by: UUID, template: TemplateUse, at: datetime
    ) -> Message:
        """An approved template a person of the team sends the member on WhatsApp: allowed
        outside the 24-hour window, which it does not reopen."""
        if conversation.channel is not Channel.WHATSAPP:
            raise InvalidInput(
                "Templates are for WhatsApp conversations; on the web, write the reply itself."
            )
        message = cls._outgoing(
            conversation, Author.STAFF, id=id, content=template.preview(), at=at, by=by
        )
        return msgspec.structs.replace(message, template=template)

    @classmethod
    def notice(cls, conversation: Conversation, *, id: UUID, content: str, at: datetime) -> Message:
        """Something the assistant tells the member unasked (that the team takes over)."""
        return cls._outgoing(conversation, Author.ASSISTANT, id=id, content=content, at=at)

    @classmethod
    def _outgoing(
        cls,
        conversation: Conversation,
        author: Author,
        *,
        id: UUID,
        content: str,
        at: datetime,
        by: UUID | None = None,
    ) -> Message:
        """A message to the member that answers none of theirs. On WhatsApp it waits for the
        pipeline, which sends it as it sends answers (claimed parts, retries, the provider's
        statuses); on the web the member reads it once stored."""
        whatsapp = conversation.channel is Channel.WHATSAPP
        return cls(
            id=id,
            workspace_id=conversation.workspace_id,
            conversation_id=conversation.id,
            user_id=conversation.user_id,
            author=author,
            content=content,
            message_type=MessageType.TEXT,
            channel=conversation.channel,
            delivery_status=DeliveryStatus.PENDING if whatsapp else DeliveryStatus.DELIVERED,
            processing=ProcessingState.PENDING if whatsapp else None,
            sent_by=by,
            created_at=at,
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

    def waited(self) -> Message:
        """The last run only waited for a turn to send (pacing): it is not counted."""
        return msgspec.structs.replace(
            self, processing_attempts=max(0, self.processing_attempts - 1)
        )

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

    def answered_with(self, answer_id: UUID) -> Message:
        """Answered, and done, by `answer`: the one answer to the burst it was sent in, which
        replies to the burst's last message."""
        return msgspec.structs.replace(
            self, answered_by_id=answer_id, processing=ProcessingState.DONE
        )

    def edited(
        self, text: str, *, at: datetime, answered: bool, may_answer: bool = True
    ) -> tuple[Message, EditEffect]:
        """The member's message after they edited it at `at` to say `text`, and what the edit
        does. `answered`: the assistant has answered its current revision; `may_answer`: a new
        question may be answered now (the member is active, and within their limits).

        - A deleted message takes no edit; an edit older than the one kept is stale (an older
          edit delivered late does not undo a newer one); the same words change nothing, which
          makes a redelivered edit harmless.
        - Otherwise it says `text` from now on, and keeps what the member first wrote.
        - Not answered yet, the pending answer answers the new words (or, for a message that
          is not to be answered, nothing does). Answered already, the edit is a new question,
          to be answered on its own, only when it asks something else (`same_question`) and
          `may_answer`; a typo fixed is not answered again.
        """
        if self.author is not Author.MEMBER:
            raise ValueError("Only a member's own message can be edited.")
        if self.is_revoked:
            return self, EditEffect.DELETED
        if self.edited_at is not None and at < self.edited_at:
            return self, EditEffect.STALE
        if text == self.content:
            return self, EditEffect.UNCHANGED
        after = msgspec.structs.replace(
            self,
            content=text,
            original_text=self.content if self.original_text is None else self.original_text,
            edited_at=at,
        )
        if not answered or not may_answer or same_question(self.content, text):
            return after, EditEffect.REWORDED
        asked = msgspec.structs.replace(
            after, revision=self.revision + 1, processing=ProcessingState.PENDING
        )
        return asked, EditEffect.NEW_QUESTION

    def revoked(self, at: datetime) -> Message:
        """The member deleted it at `at`; deleted already, it stays as it is (the same object)."""
        if self.author is not Author.MEMBER:
            raise ValueError("Only a member's own message can be deleted by them.")
        if self.is_revoked:
            return self
        return msgspec.structs.replace(self, revoked_at=at)


MAX_CAPTION_LENGTH = 1_024  # WhatsApp's longest media caption

FILE_MESSAGE_TYPES = frozenset(
    {MessageType.IMAGE, MessageType.AUDIO, MessageType.VIDEO, MessageType.DOCUMENT}
)


def check_caption(caption: str | None) -> str | None:
    """A file's caption: trimmed, None when blank, at most WhatsApp's 1,024 characters."""
    caption = caption.strip() if caption else None
    if caption and len(caption) > MAX_CAPTION_LENGTH:
        raise InvalidInput(
            f"A file's caption can have at most {MAX_CAPTION_LENGTH} characters (WhatsApp's "
            "limit); send the rest as a reply of its own."
        )
    return caption or None


def attachment_type(media_type: str) -> MessageType:
    """The kind of message a file of this media type makes: images, audio and video as
    themselves, anything else as a document."""
    family = media_type.split("/", 1)[0].lower()
    return {
        "image": MessageType.IMAGE,
        "audio": MessageType.AUDIO,
        "video": MessageType.VIDEO,
    }.get(family, MessageType.DOCUMENT)


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
