"""The HTTP API's shapes: separate from the domain's, camelCase on the wire."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar
from uuid import UUID

import msgspec

from ignacio.application.use_cases.list_sessions import SessionView
from ignacio.application.use_cases.member_conversation import MemberConversation
from ignacio.domain import (
    AllowedNumber,
    AuditEntry,
    Author,
    Channel,
    Conversation,
    Delivery,
    DeliveryStatus,
    HealthCheck,
    IssuedTokens,
    Message,
    MessageType,
    Page,
    Provider,
    SetAsideDelivery,
    User,
    WhatsAppIdentity,
)
from ignacio.domain.handover import ConversationState
from ignacio.domain.knowledge import ExtractionStatus, FileSource, SyncStatus, UserFile
from ignacio.domain.pagination import encode_cursor

T = TypeVar("T")

PhoneField = Annotated[
    str,
    msgspec.Meta(
        min_length=1, max_length=64, examples=["+34612345678"], description="International form"
    ),
]


class Schema(msgspec.Struct, rename="camel", kw_only=True, forbid_unknown_fields=True):
    """Base of every request and response body."""


class ErrorBody(Schema):
    error: str
    message: str
    details: Any = None


# --- auth ------------------------------------------------------------------------------------


class OtpRequestBody(Schema):
    phone_number: PhoneField


class OtpRequestedBody(Schema):
    message: str
    expires_in: int


class OtpVerifyBody(Schema):
    phone_number: PhoneField
    code: Annotated[str, msgspec.Meta(min_length=1, max_length=16, examples=["123456"])]


class RefreshBody(Schema):
    refresh_token: str | None = None


class LogoutBody(Schema):
    all_devices: bool = False


class LoggedOutBody(Schema):
    sessions_ended: int


class SessionOut(Schema):
    """One place the member is logged in."""

    id: UUID
    device: str | None
    """What a person would call the device ("Firefox on Windows", "Safari on iPhone"), from the
    User-Agent the login came with; null when that tells nothing."""
    network: str | None
    """The network the login came from, never the whole address: its first 24 bits for IPv4
    (`203.0.113.0/24`), 48 for IPv6 (`2001:db8:85a3::/48`); null when unknown."""
    created_at: datetime
    last_used_at: datetime
    """When the session last renewed its access token (every quarter of an hour in use)."""
    expires_at: datetime
    """When it ends unless renewed."""
    current: bool
    """The session this request was made in."""

    @classmethod
    def of(cls, view: SessionView) -> SessionOut:
        session = view.session
        return cls(
            id=session.id,
            device=view.device,
            network=session.network,
            created_at=session.created_at,
            last_used_at=session.last_used_at,
            expires_at=session.expires_at,
            current=view.is_current,
        )


class SessionsOut(Schema):
    items: list[SessionOut]


class UserOut(Schema):
    id: UUID
    phone_number: str | None
    """Null for someone known on WhatsApp only by their username (Meta hides their number)."""
    name: str | None
    is_admin: bool
    is_active: bool
    created_at: datetime
    updated_at: datetime
    username: str | None = None
    """Their WhatsApp username, where they have one (in lists of people)."""
    whatsapp_id: str | None = None
    """Their WhatsApp user id, masked (`US.****1918`), in lists of people, for someone with no
    number: who to show when there is no name and no username either."""

    @classmethod
    def of(cls, user: User, identity: WhatsAppIdentity | None = None) -> UserOut:
        return cls(
            id=user.id,
            phone_number=user.phone.e164 if user.phone is not None else None,
            name=user.name,
            is_admin=user.is_admin,
            is_active=user.is_active,
            created_at=user.created_at,
            updated_at=user.updated_at,
            username=identity.username if identity is not None else None,
            whatsapp_id=identity.masked() if identity is not None and user.phone is None else None,
        )


class TokensOut(Schema, kw_only=True):
    access_token: str
    expires_in: int
    expires_at: datetime
    refresh_token: str
    refresh_expires_at: datetime
    token_type: str = "bearer"  # noqa: S105 - the OAuth token type

    @classmethod
    def of(cls, tokens: IssuedTokens, now: datetime) -> TokensOut:
        return cls(**_token_fields(tokens, now))


class LoginOut(TokensOut, kw_only=True):
    user: UserOut
    is_new_user: bool

    @classmethod
    def of_login(
        cls, tokens: IssuedTokens, user: User, is_new_user: bool, now: datetime
    ) -> LoginOut:
        return cls(**_token_fields(tokens, now), user=UserOut.of(user), is_new_user=is_new_user)


def _token_fields(tokens: IssuedTokens, now: datetime) -> dict[str, Any]:
    return {
        "access_token": tokens.access_token,
        "expires_in": max(0, int((tokens.access_expires_at - now).total_seconds())),
        "expires_at": tokens.access_expires_at,
        "refresh_token": tokens.refresh_token,
        "refresh_expires_at": tokens.refresh_expires_at,
    }


# --- users -----------------------------------------------------------------------------------


class UpdateMeBody(Schema):
    name: Annotated[str, msgspec.Meta(max_length=255)] | None = None


class CreateUserBody(Schema):
    phone_number: PhoneField
    name: Annotated[str, msgspec.Meta(max_length=255)] | None = None
    is_admin: bool = False


class UpdateUserBody(Schema):
    name: Annotated[str, msgspec.Meta(max_length=255)] | msgspec.UnsetType | None = msgspec.UNSET
    is_active: bool | msgspec.UnsetType = msgspec.UNSET
    is_admin: bool | msgspec.UnsetType = msgspec.UNSET


# --- conversations ---------------------------------------------------------------------------


class CreateConversationBody(Schema):
    title: Annotated[str, msgspec.Meta(max_length=255)] | None = None


class ConversationOut(Schema):
    id: UUID
    user_id: UUID
    title: str | None
    channel: Channel
    state: ConversationState
    """Who answers: `assistant`, `waiting` (for a person of the team), `human` (a person of
    the team), or `closed`."""
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, conversation: Conversation) -> ConversationOut:
        return cls(
            id=conversation.id,
            user_id=conversation.user_id,
            title=conversation.title,
            channel=conversation.channel,
            state=conversation.state,
            created_at=conversation.created_at,
            updated_at=conversation.updated_at,
        )


class MemberConversationOut(ConversationOut, kw_only=True):
    """One of the member's conversations, with the person of the team who answers it."""

    answered_by: str | None
    """That person's name (null: the assistant answers, or the team has not taken it yet)."""

    @classmethod
    def of_member(cls, view: MemberConversation) -> MemberConversationOut:
        person = view.answered_by
        return cls(
            **msgspec.structs.asdict(ConversationOut.of(view.conversation)),
            answered_by=None if person is None else (person.name or "A person of the team"),
        )


class AskedForAPersonOut(Schema):
    conversation: MemberConversationOut
    notice: MessageOut | None
    """What the member is told (null when the team had the conversation already)."""


class SendMessageBody(Schema):
    content: Annotated[str, msgspec.Meta(min_length=1, max_length=32_000)]


class MessageOut(Schema):
    id: UUID
    conversation_id: UUID
    author: Author
    is_from_user: bool
    content: str
    """What it says; empty for a message its member deleted."""
    message_type: MessageType
    channel: Channel
    file_path: str | None
    file_id: UUID | None
    transcript: str | None
    whatsapp_message_id: str | None
    delivery_status: DeliveryStatus
    created_at: datetime
    # What an assistant's answer cost: the model, its tokens and the time it took (null for
    # members' messages, and for answers written without a model, such as a refusal notice).
    ai_model: str | None
    input_tokens: int | None
    output_tokens: int | None
    latency_ms: int | None
    edited: bool
    """The member edited it on WhatsApp: `content` is what it says now."""
    edited_at: datetime | None
    deleted: bool
    """The member deleted it on WhatsApp: shown as deleted, with none of what it said (no
    text, transcript or file)."""
    deleted_at: datetime | None
    sent_by_name: str | None = None
    """Written by hand by a person of the team: their name (null otherwise)."""

    @classmethod
    def of(cls, message: Message, sent_by_name: str | None = None) -> MessageOut:
        # A deleted message's words stay in the database, for the platform's audit; no view
        # shows them.
        deleted = message.is_revoked
        return cls(
            id=message.id,
            conversation_id=message.conversation_id,
            author=message.author,
            is_from_user=message.is_from_user,
            content="" if deleted else message.content,
            message_type=message.message_type,
            channel=message.channel,
            file_path=None if deleted else message.file_path,
            # Attachments share their message's id (see AttachFile and ProcessInbound).
            file_id=message.id if message.carries_file and not deleted else None,
            transcript=None if deleted else message.transcript,
            whatsapp_message_id=message.external_message_id,
            delivery_status=message.delivery_status,
            created_at=message.created_at,
            ai_model=message.ai_model,
            input_tokens=message.input_tokens,
            output_tokens=message.output_tokens,
            latency_ms=message.latency_ms,
            edited=message.is_edited and not deleted,
            edited_at=None if deleted else message.edited_at,
            deleted=deleted,
            deleted_at=message.revoked_at,
            sent_by_name=sent_by_name if message.sent_by is not None else None,
        )


class TurnOut(Schema):
    message: MessageOut
    reply: MessageOut | None
    """The assistant's answer; null while the team has the conversation (a person answers)."""


class PageOut(Schema, Generic[T]):
    items: list[T]
    next_cursor: str | None


def page_out(page: Page[Any], convert: Any) -> PageOut[Any]:
    return PageOut(
        items=[convert(item) for item in page.items],
        next_cursor=encode_cursor(page.next) if page.next else None,
    )


class AdminConversationOut(Schema):
    conversation: ConversationOut
    owner: UserOut
    messages: PageOut[MessageOut]


class AuditEntryOut(Schema):
    id: UUID
    actor_id: UUID | None
    action: str
    target_type: str
    target_id: str | None
    details: dict[str, Any]
    created_at: datetime

    @classmethod
    def of(cls, entry: AuditEntry) -> AuditEntryOut:
        return cls(
            id=entry.id,
            actor_id=entry.actor_id,
            action=entry.action,
            target_type=entry.target_type,
            target_id=entry.target_id,
            details=entry.details,
            created_at=entry.created_at,
        )


class HealthOut(Schema):
    status: str
    checks: dict[str, str]


class HealthCheckOut(Schema):
    name: Annotated[
        str,
        msgspec.Meta(
            description="database, storage (files), queue (WhatsApp messages waiting for an "
            "answer), whatsapp (the channel's credentials) or model",
            examples=["database"],
        ),
    ]
    ok: bool
    detail: Annotated[
        str,
        msgspec.Meta(
            description="`ok`, a note on a working dependency, or what to fix",
            examples=["2 waiting, the oldest for under a minute"],
        ),
    ]

    @classmethod
    def of(cls, check: HealthCheck) -> HealthCheckOut:
        return cls(name=check.name, ok=check.ok, detail=check.detail)


class SystemHealthOut(Schema):
    """Every dependency's state; `healthy` only when all are ok."""

    healthy: bool
    checks: list[HealthCheckOut]


class WebhookReceiptOut(Schema):
    """A delivery kept, with how many messages and status updates it carries as sent; they are
    read and stored (de-duplicated) right after the 200."""

    messages: int
    updates: int


class GatewayReceiptOut(Schema):
    """A gateway's webhook kept, with what it carries as sent (a message, a delivery report, or
    a report on a number's link); read and stored right after the 200."""

    messages: int
    updates: int
    connections: int


# --- WhatsApp access ---------------------------------------------------------------------------


class AllowNumberBody(Schema):
    phone_number: PhoneField
    note: Annotated[str, msgspec.Meta(max_length=255, examples=["Lucía, Action Lab"])] | None = None


class AllowedNumberOut(Schema):
    id: UUID
    phone_number: str
    note: str | None
    added_by: UUID | None
    created_at: datetime

    @classmethod
    def of(cls, entry: AllowedNumber) -> AllowedNumberOut:
        return cls(
            id=entry.id,
            phone_number=entry.phone.e164,
            note=entry.note,
            added_by=entry.added_by,
            created_at=entry.created_at,
        )


class DeliveryOut(Schema):
    id: UUID
    message_id: UUID
    part: int
    content: str
    status: DeliveryStatus
    external_id: str | None
    attempts: int
    error_code: int | None
    error_title: str | None
    updated_at: datetime

    @classmethod
    def of(cls, delivery: Delivery) -> DeliveryOut:
        return cls(
            id=delivery.id,
            message_id=delivery.message_id,
            part=delivery.part,
            content=delivery.content,
            status=delivery.status,
            external_id=delivery.external_id,
            attempts=delivery.attempts,
            error_code=delivery.error_code,
            error_title=delivery.error_title,
            updated_at=delivery.updated_at,
        )


class SetAsideWebhookOut(Schema):
    """A webhook delivery that failed every attempt to store it; the sender is masked."""

    id: UUID
    provider: Provider
    received_at: datetime
    set_aside_at: datetime
    attempts: int
    last_error: str
    sender: str | None

    @classmethod
    def of(cls, aside: SetAsideDelivery) -> SetAsideWebhookOut:
        return cls(
            id=aside.id,
            provider=aside.provider,
            received_at=aside.received_at,
            set_aside_at=aside.set_aside_at,
            attempts=aside.attempts,
            last_error=aside.last_error,
            sender=aside.sender,
        )


# --- files -----------------------------------------------------------------------------------


class FileOut(Schema):
    id: UUID
    user_id: UUID
    file_name: str
    file_type: str
    file_size: int
    source: FileSource
    conversation_id: UUID | None
    message_id: UUID | None
    created_at: datetime
    extraction_status: ExtractionStatus
    extraction_note: str | None
    sync_status: SyncStatus
    sync_error: str | None
    synced_at: datetime | None
    remote_file_id: str | None
    remote_store_id: str | None
    remote_uploaded_at: datetime | None

    @classmethod
    def of(cls, file: UserFile) -> FileOut:
        if file.user_id is None:
            # The use cases behind /files never return one; the knowledge base has its own shape.
            raise ValueError("A knowledge document is not a member's file.")
        return cls(
            id=file.id,
            user_id=file.user_id,
            file_name=file.file_name,
            file_type=file.file_type,
            file_size=file.file_size,
            source=file.source,
            conversation_id=file.conversation_id,
            message_id=file.message_id,
            created_at=file.created_at,
            extraction_status=file.extraction_status,
            extraction_note=file.extraction_note,
            sync_status=file.sync_status,
            sync_error=file.sync_error,
            synced_at=file.synced_at,
            remote_file_id=file.remote_file_id,
            remote_store_id=file.remote_store_id,
            remote_uploaded_at=file.remote_uploaded_at,
        )


class AttachedFileOut(Schema):
    """The member's message with its file, and the assistant's answer to it."""

    message: MessageOut
    file: FileOut
    reply: MessageOut | None
