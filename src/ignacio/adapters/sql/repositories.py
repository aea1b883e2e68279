"""The repositories over SQLAlchemy Core: explicit mapping between rows and domain entities.

Each repository works on the connection of the unit of work that owns it, so everything a use
case does commits or rolls back together. Operations that must hold under concurrency (counting
a wrong code, consuming a code, rotating a refresh token, claiming a part to send) are single
UPDATE statements; uniqueness that must hold under concurrency (a provider's message id, one
answer per message) is a unique index, never a read followed by a write.
"""

from __future__ import annotations

import builtins
import functools
from collections.abc import Callable
from datetime import datetime
from enum import Enum
from typing import Any, TypeVar
from uuid import UUID

import msgspec
from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    bindparam,
    delete,
    insert,
    not_,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from ignacio.adapters.sql.queries import (
    clash_contained,
    insert_new,
    is_foreign_key_violation,
    keyset,
    keyset_parameters,
    keyset_shape,
    page_of,
)
from ignacio.adapters.sql.tables import (
    PROCESSING_PENDING,
    allowed_numbers,
    audit_log,
    conversations,
    message_deliveries,
    messages,
    otp_codes,
    refresh_tokens,
    user_sessions,
    users,
)
from ignacio.application.ports import PhoneCipher
from ignacio.domain import (
    AllowedNumber,
    AuditEntry,
    AuditKind,
    Author,
    Channel,
    Conflict,
    Conversation,
    Delivery,
    DeliveryStatus,
    InvalidInput,
    LoginChallenge,
    MediaRef,
    Message,
    MessageType,
    NotFound,
    Order,
    Page,
    PageRequest,
    PhoneNumber,
    Position,
    ProcessingState,
    User,
    UserSession,
)
from ignacio.domain.audit import READ_VERBS

ConnectionSource = Callable[[], AsyncConnection]
AnyRow = Row[*tuple[Any, ...]]

E = TypeVar("E", bound=Enum)


def _by_value(kind: type[E]) -> dict[Any, E]:
    # A dict lookup is several times cheaper than `kind(value)`, once per column per row.
    return {member.value: member for member in kind}


_AUTHORS = _by_value(Author)
_MESSAGE_TYPES = _by_value(MessageType)
_CHANNELS = _by_value(Channel)
_DELIVERY_STATUSES = _by_value(DeliveryStatus)
_PROCESSING_STATES = _by_value(ProcessingState)


def _needle(search: str | None) -> str | None:
    if search is None or not search.strip():
        return None
    return search.strip()


def _phone_or_none(text: str) -> PhoneNumber | None:
    try:
        return PhoneNumber.parse(text)
    except InvalidInput:
        return None


class SqlUserRepository:
    def __init__(self, connection: ConnectionSource, cipher: PhoneCipher) -> None:
        self._connection = connection
        self._cipher = cipher

    async def add(self, user: User) -> None:
        await insert_new(
            self._connection(),
            users,
            {"id": user.id, **self._values(user)},
            conflict="A user with this phone number already exists.",
        )

    async def get(self, user_id: UUID) -> User | None:
        row = (await self._connection().execute(_USER_BY_ID, {"user_id": user_id})).first()
        return None if row is None else self._to_user(row)

    async def get_in_session(self, user_id: UUID, session_id: UUID) -> User | None:
        parameters = {"user_id": user_id, "session_id": session_id}
        row = (await self._connection().execute(_USER_IN_SESSION, parameters)).first()
        return None if row is None else self._to_user(row)

    async def get_by_phone(self, phone: PhoneNumber) -> User | None:
        return await self._one(users.c.phone_lookup == self._cipher.lookup_key(phone))

    async def update(self, user: User) -> None:
        connection = self._connection()
        statement = update(users).where(users.c.id == user.id).values(**self._values(user))
        try:
            async with clash_contained(connection):
                result = await connection.execute(statement)
        except IntegrityError as error:
            raise Conflict("A user with this phone number already exists.") from error
        if result.rowcount == 0:
            raise NotFound("There is no such user.")

    async def delete(self, user_id: UUID) -> None:
        # Conversations, messages and sessions go with the user (ON DELETE CASCADE).
        await self._connection().execute(delete(users).where(users.c.id == user_id))

    async def list(self, page: PageRequest, *, search: str | None = None) -> Page[User]:
        statement = select(*_USER_COLUMNS)
        needle = _needle(search)
        if needle is not None:
            matches: ColumnElement[bool] = users.c.name.icontains(needle, autoescape=True)
            phone = _phone_or_none(needle)
            if phone is not None:
                matches = or_(matches, users.c.phone_lookup == self._cipher.lookup_key(phone))
            statement = statement.where(matches)
        statement = keyset(statement, users.c.created_at, users.c.id, page)
        rows = (await self._connection().execute(statement)).all()
        return page_of(rows, page, self._to_user, lambda u: Position(at=u.created_at, id=u.id))

    async def lock_active_admins(self) -> frozenset[UUID]:
        # PostgreSQL: the rows stay locked until the transaction ends, and a transaction that
        # waited for them reads them again when they are released (READ COMMITTED), leaving out
        # an admin who was demoted meanwhile; by id, so two lockers never wait for each other.
        # SQLite has no row locks (FOR UPDATE is not rendered): its unit of work begins
        # IMMEDIATE, which already makes every writer wait for the one before.
        statement = (
            select(users.c.id)
            .where(users.c.is_admin.is_(True), users.c.is_active.is_(True))
            .order_by(users.c.id)
            .with_for_update()
        )
        return frozenset((await self._connection().execute(statement)).scalars())

    async def _one(self, condition: ColumnElement[bool]) -> User | None:
        statement = select(*_USER_COLUMNS).where(condition)
        row = (await self._connection().execute(statement)).first()
        return None if row is None else self._to_user(row)

    def _values(self, user: User) -> dict[str, Any]:
        return {
            "phone_number_encrypted": self._cipher.encrypt(user.phone),
            "phone_lookup": self._cipher.lookup_key(user.phone),
            "name": user.name,
            "is_admin": user.is_admin,
            "is_active": user.is_active,
            "whatsapp_user_id": user.whatsapp_user_id,
            "created_at": user.created_at,
            "updated_at": user.updated_at,
        }

    def _to_user(self, row: AnyRow) -> User:
        (
            user_id,
            phone_number_encrypted,
            name,
            is_admin,
            is_active,
            whatsapp_user_id,
            created_at,
            updated_at,
        ) = row
        return User(
            id=user_id,
            phone=self._cipher.decrypt(bytes(phone_number_encrypted)),
            name=name,
            is_admin=is_admin,
            is_active=is_active,
            whatsapp_user_id=whatsapp_user_id,
            created_at=created_at,
            updated_at=updated_at,
        )


# Rows are read by position (a named attribute of a Row costs about as much as building the
# entity), so every statement that feeds `_to_user` selects exactly these, in this order.
_USER_COLUMNS = (
    users.c.id,
    users.c.phone_number_encrypted,
    users.c.name,
    users.c.is_admin,
    users.c.is_active,
    users.c.whatsapp_user_id,
    users.c.created_at,
    users.c.updated_at,
)

# The statements of the hottest reads, built once: building one (and its cache key) costs
# SQLAlchemy more CPU than running it. Values come as parameters at execution.
_USER_BY_ID = select(*_USER_COLUMNS).where(users.c.id == bindparam("user_id"))
_USER_IN_SESSION = (
    select(*_USER_COLUMNS)
    .join(user_sessions, user_sessions.c.user_id == users.c.id)
    .where(
        user_sessions.c.id == bindparam("session_id"),
        user_sessions.c.user_id == bindparam("user_id"),
        user_sessions.c.revoked_at.is_(None),
    )
)


class SqlConversationRepository:
    def __init__(self, connection: ConnectionSource) -> None:
        self._connection = connection

    async def add(self, conversation: Conversation) -> None:
        await insert_new(
            self._connection(),
            conversations,
            {"id": conversation.id, "user_id": conversation.user_id, **_conversation(conversation)},
            conflict="A conversation with this id already exists.",
            missing="There is no such user.",
        )

    async def get(self, conversation_id: UUID) -> Conversation | None:
        statement = select(*_CONVERSATION_COLUMNS).where(conversations.c.id == conversation_id)
        row = (await self._connection().execute(statement)).first()
        return None if row is None else _to_conversation(row)

    async def latest_for(self, user_id: UUID, channel: Channel) -> Conversation | None:
        c = conversations.c
        statement = (
            select(*_CONVERSATION_COLUMNS)
            .where(c.user_id == user_id, c.channel == channel.value)
            .order_by(c.updated_at.desc(), c.id.desc())
            .limit(1)
        )
        row = (await self._connection().execute(statement)).first()
        return None if row is None else _to_conversation(row)

    async def update(self, conversation: Conversation) -> None:
        statement = (
            update(conversations)
            .where(conversations.c.id == conversation.id)
            .values(user_id=conversation.user_id, **_conversation(conversation))
        )
        if (await self._connection().execute(statement)).rowcount == 0:
            raise NotFound("There is no such conversation.")

    async def list(
        self,
        page: PageRequest,
        *,
        user_id: UUID | None = None,
        channel: Channel | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        search: str | None = None,
    ) -> Page[Conversation]:
        c = conversations.c
        needle = _needle(search)
        filters = {
            name: value
            for name, value in (
                ("user_id", user_id),
                ("channel", None if channel is None else channel.value),
                ("since", since),
                ("until", until),
            )
            if value is not None
        }
        statement = _conversations_page(
            frozenset(filters), page.order is Order.OLDEST_FIRST, page.after is not None
        )
        if needle is not None:
            # Rare, and the escaping `autoescape` does needs the text: this one is built anew.
            statement = statement.where(c.title.icontains(needle, autoescape=True))
        parameters = filters | keyset_parameters(page)
        rows = (await self._connection().execute(statement, parameters)).all()
        return page_of(
            rows, page, _to_conversation, lambda item: Position(at=item.updated_at, id=item.id)
        )


def _conversation(conversation: Conversation) -> dict[str, Any]:
    return {
        "title": conversation.title,
        "channel": conversation.channel.value,
        "created_at": conversation.created_at,
        "updated_at": conversation.updated_at,
    }


_CONVERSATION_COLUMNS = (
    conversations.c.id,
    conversations.c.user_id,
    conversations.c.title,
    conversations.c.channel,
    conversations.c.created_at,
    conversations.c.updated_at,
)


def _to_conversation(row: AnyRow) -> Conversation:
    conversation_id, user_id, title, channel, created_at, updated_at = row
    return Conversation(
        id=conversation_id,
        user_id=user_id,
        title=title,
        channel=_CHANNELS[channel],
        created_at=created_at,
        updated_at=updated_at,
    )


_CONVERSATION_FILTERS: dict[str, Callable[[], ColumnElement[bool]]] = {
    "user_id": lambda: conversations.c.user_id == bindparam("user_id"),
    "channel": lambda: conversations.c.channel == bindparam("channel"),
    "since": lambda: conversations.c.updated_at >= bindparam("since"),
    "until": lambda: conversations.c.updated_at < bindparam("until"),
}


@functools.cache
def _conversations_page(filters: frozenset[str], ascending: bool, after: bool) -> Select[Any]:
    conditions = [_CONVERSATION_FILTERS[name]() for name in sorted(filters)]
    statement = select(*_CONVERSATION_COLUMNS).where(*conditions)
    c = conversations.c
    return keyset_shape(statement, c.updated_at, c.id, ascending=ascending, after=after)


class SqlMessageRepository:
    def __init__(self, connection: ConnectionSource) -> None:
        self._connection = connection

    async def add(self, message: Message) -> None:
        await insert_new(
            self._connection(),
            messages,
            {"id": message.id, **_message(message)},
            conflict="This message is already stored, or the message it answers already has an answer.",
            missing="There is no such conversation, user or message to answer.",
        )

    async def get(self, message_id: UUID) -> Message | None:
        return await self._one(messages.c.id == message_id)

    async def update(self, message: Message) -> None:
        connection = self._connection()
        statement = update(messages).where(messages.c.id == message.id).values(**_message(message))
        try:
            async with clash_contained(connection):
                result = await connection.execute(statement)
        except IntegrityError as error:
            if is_foreign_key_violation(error):
                raise NotFound(
                    "There is no such conversation, user or message to answer."
                ) from error
            raise Conflict(
                "Another message has this provider id, or already answers that message."
            ) from error
        if result.rowcount == 0:
            raise NotFound("There is no such message.")

    async def reply_to(self, message_id: UUID) -> Message | None:
        return await self._one(messages.c.reply_to_id == message_id)

    async def pending_processing(self, limit: int) -> builtins.list[UUID]:
        if limit <= 0:
            return []
        statement = (
            select(messages.c.id)
            .where(PROCESSING_PENDING)
            .order_by(messages.c.created_at.asc(), messages.c.id.asc())
            .limit(limit)
        )
        return builtins.list((await self._connection().execute(statement)).scalars())

    async def list(self, conversation_id: UUID, page: PageRequest) -> Page[Message]:
        statement = _messages_page(page.order is Order.OLDEST_FIRST, page.after is not None)
        parameters = {"conversation_id": conversation_id} | keyset_parameters(page)
        rows = (await self._connection().execute(statement, parameters)).all()
        return page_of(rows, page, _to_message, _message_position)

    async def list_owned(
        self, conversation_id: UUID, owner_id: UUID, page: PageRequest
    ) -> Page[Message] | None:
        connection = self._connection()
        statement = _owned_messages_page(page.order is Order.OLDEST_FIRST, page.after is not None)
        owner = {"conversation_id": conversation_id, "owner_id": owner_id}
        rows = (await connection.execute(statement, owner | keyset_parameters(page))).all()
        # Only an empty page needs a second look, to tell an empty conversation from another's.
        if not rows and not (await connection.execute(_IS_OWNED, owner)).scalar_one():
            return None
        return page_of(rows, page, _to_message, _message_position)

    async def recent(self, conversation_id: UUID, limit: int) -> builtins.list[Message]:
        if limit <= 0:
            return []
        statement = (
            select(*_MESSAGE_COLUMNS)
            .where(messages.c.conversation_id == conversation_id)
            .order_by(messages.c.created_at.desc(), messages.c.id.desc())
            .limit(limit)
        )
        rows = (await self._connection().execute(statement)).all()
        return [_to_message(row) for row in reversed(rows)]

    async def _one(self, condition: ColumnElement[bool]) -> Message | None:
        statement = select(*_MESSAGE_COLUMNS).where(condition)
        row = (await self._connection().execute(statement)).first()
        return None if row is None else _to_message(row)


def _message(message: Message) -> dict[str, Any]:
    return {
        "conversation_id": message.conversation_id,
        "user_id": message.user_id,
        "author": message.author.value,
        "content": message.content,
        "message_type": message.message_type.value,
        "channel": message.channel.value,
        "file_path": message.file_path,
        "whatsapp_message_id": message.external_message_id,
        "delivery_status": message.delivery_status.value,
        "created_at": message.created_at,
        "media": None if message.media is None else msgspec.to_builtins(message.media),
        "processing": None if message.processing is None else message.processing.value,
        "processing_attempts": message.processing_attempts,
        "reply_to_id": message.reply_to_id,
        "transcript": message.transcript,
        "ai_model_used": message.ai_model,
        "input_tokens": message.input_tokens,
        "output_tokens": message.output_tokens,
        "latency_ms": message.latency_ms,
    }


_MESSAGE_COLUMNS = (
    messages.c.id,
    messages.c.conversation_id,
    messages.c.user_id,
    messages.c.author,
    messages.c.content,
    messages.c.message_type,
    messages.c.channel,
    messages.c.file_path,
    messages.c.whatsapp_message_id,
    messages.c.delivery_status,
    messages.c.created_at,
    messages.c.media,
    messages.c.processing,
    messages.c.processing_attempts,
    messages.c.reply_to_id,
    messages.c.transcript,
    messages.c.ai_model_used,
    messages.c.input_tokens,
    messages.c.output_tokens,
    messages.c.latency_ms,
)


def _to_message(row: AnyRow) -> Message:
    (
        message_id,
        conversation_id,
        user_id,
        author,
        content,
        message_type,
        channel,
        file_path,
        external_message_id,
        delivery_status,
        created_at,
        media,
        processing,
        processing_attempts,
        reply_to_id,
        transcript,
        ai_model,
        input_tokens,
        output_tokens,
        latency_ms,
    ) = row
    return Message(
        id=message_id,
        conversation_id=conversation_id,
        user_id=user_id,
        author=_AUTHORS[author],
        content=content,
        message_type=_MESSAGE_TYPES[message_type],
        channel=_CHANNELS[channel],
        file_path=file_path,
        external_message_id=external_message_id,
        delivery_status=_DELIVERY_STATUSES[delivery_status],
        created_at=created_at,
        media=None if media is None else msgspec.convert(media, MediaRef),
        processing=None if processing is None else _PROCESSING_STATES[processing],
        processing_attempts=processing_attempts,
        reply_to_id=reply_to_id,
        transcript=transcript,
        ai_model=ai_model,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        latency_ms=latency_ms,
    )


def _message_position(message: Message) -> Position:
    return Position(at=message.created_at, id=message.id)


@functools.cache
def _messages_page(ascending: bool, after: bool) -> Select[Any]:
    statement = select(*_MESSAGE_COLUMNS).where(
        messages.c.conversation_id == bindparam("conversation_id")
    )
    m = messages.c
    return keyset_shape(statement, m.created_at, m.id, ascending=ascending, after=after)


# The ownership test as an uncorrelated EXISTS, which both planners evaluate once, before the
# scan: checking ownership adds no statement (and no round trip) to reading the page.
_OWNED = (
    select(conversations.c.id)
    .where(
        conversations.c.id == bindparam("conversation_id"),
        conversations.c.user_id == bindparam("owner_id"),
    )
    .exists()
)
_IS_OWNED = select(_OWNED)


@functools.cache
def _owned_messages_page(ascending: bool, after: bool) -> Select[Any]:
    return _messages_page(ascending, after).where(_OWNED)


class SqlDeliveryRepository:
    def __init__(self, connection: ConnectionSource) -> None:
        self._connection = connection

    async def add(self, delivery: Delivery) -> None:
        await insert_new(
            self._connection(),
            message_deliveries,
            {"id": delivery.id, **_delivery(delivery)},
            conflict="This part of the message, or its provider id, is already stored.",
            missing="There is no such message.",
        )

    async def for_message(self, message_id: UUID) -> builtins.list[Delivery]:
        d = message_deliveries.c
        statement = select(message_deliveries).where(d.message_id == message_id).order_by(d.part)
        rows = (await self._connection().execute(statement)).all()
        return [_to_delivery(row) for row in rows]

    async def get_by_external_id(self, external_id: str) -> Delivery | None:
        statement = select(message_deliveries).where(
            message_deliveries.c.external_id == external_id
        )
        row = (await self._connection().execute(statement)).first()
        return None if row is None else _to_delivery(row)

    async def claim(self, delivery_id: UUID) -> bool:
        d = message_deliveries.c
        statement = (
            update(message_deliveries)
            .where(
                d.id == delivery_id,
                d.status == DeliveryStatus.PENDING.value,
                d.sending.is_(False),
            )
            .values(sending=True, attempts=d.attempts + 1)
        )
        return (await self._connection().execute(statement)).rowcount == 1

    async def update(self, delivery: Delivery) -> None:
        connection = self._connection()
        statement = (
            update(message_deliveries)
            .where(message_deliveries.c.id == delivery.id)
            .values(**_delivery(delivery))
        )
        try:
            async with clash_contained(connection):
                result = await connection.execute(statement)
        except IntegrityError as error:
            if is_foreign_key_violation(error):
                raise NotFound("There is no such message.") from error
            raise Conflict("Another part has this part number or this provider id.") from error
        if result.rowcount == 0:
            raise NotFound("There is no such part of a message.")

    async def list_failed(self, page: PageRequest) -> Page[Delivery]:
        d = message_deliveries.c
        statement = select(message_deliveries).where(d.status == DeliveryStatus.FAILED.value)
        statement = keyset(statement, d.updated_at, d.id, page)
        rows = (await self._connection().execute(statement)).all()
        return page_of(
            rows, page, _to_delivery, lambda item: Position(at=item.updated_at, id=item.id)
        )


def _delivery(delivery: Delivery) -> dict[str, Any]:
    return {
        "message_id": delivery.message_id,
        "part": delivery.part,
        "content": delivery.content,
        "status": delivery.status.value,
        "sending": delivery.sending,
        "external_id": delivery.external_id,
        "attempts": delivery.attempts,
        "error_code": delivery.error_code,
        "error_title": delivery.error_title,
        "created_at": delivery.created_at,
        "updated_at": delivery.updated_at,
    }


def _to_delivery(row: Row[Any]) -> Delivery:
    return Delivery(
        id=row.id,
        message_id=row.message_id,
        part=row.part,
        content=row.content,
        status=DeliveryStatus(row.status),
        sending=row.sending,
        external_id=row.external_id,
        attempts=row.attempts,
        error_code=row.error_code,
        error_title=row.error_title,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class SqlLoginChallengeRepository:
    def __init__(self, connection: ConnectionSource, cipher: PhoneCipher) -> None:
        self._connection = connection
        self._cipher = cipher

    async def add(self, challenge: LoginChallenge) -> None:
        await insert_new(
            self._connection(),
            otp_codes,
            {
                "id": challenge.id,
                "phone_lookup": self._cipher.lookup_key(challenge.phone),
                "phone_number_encrypted": self._cipher.encrypt(challenge.phone),
                "code_hash": challenge.code_hash,
                "attempts": challenge.attempts,
                "expires_at": challenge.expires_at,
                "consumed_at": challenge.consumed_at,
                "created_at": challenge.created_at,
            },
            conflict="A login challenge with this id already exists.",
        )

    async def latest_for(self, phone: PhoneNumber) -> LoginChallenge | None:
        statement = (
            select(otp_codes)
            .where(
                otp_codes.c.phone_lookup == self._cipher.lookup_key(phone),
                otp_codes.c.consumed_at.is_(None),
            )
            .order_by(otp_codes.c.created_at.desc(), otp_codes.c.id.desc())
            .limit(1)
        )
        row = (await self._connection().execute(statement)).first()
        return None if row is None else self._to_challenge(row)

    async def get(self, challenge_id: UUID) -> LoginChallenge | None:
        row = (
            await self._connection().execute(
                select(otp_codes).where(otp_codes.c.id == challenge_id)
            )
        ).first()
        return None if row is None else self._to_challenge(row)

    async def set_code(self, challenge_id: UUID, code_hash: str) -> bool:
        c = otp_codes.c
        statement = (
            update(otp_codes)
            .where(c.id == challenge_id, c.code_hash.is_(None), c.consumed_at.is_(None))
            .values(code_hash=code_hash)
        )
        return (await self._connection().execute(statement)).rowcount == 1

    async def count_attempt(self, challenge_id: UUID, limit: int) -> int | None:
        # One statement: PostgreSQL re-checks the condition on the row a concurrent attempt has
        # just updated, so no two attempts ever get the same count, and none gets past `limit`.
        c = otp_codes.c
        statement = (
            update(otp_codes)
            .where(c.id == challenge_id, c.consumed_at.is_(None), c.attempts < limit)
            .values(attempts=c.attempts + 1)
            .returning(c.attempts)
        )
        attempts = (await self._connection().execute(statement)).scalar_one_or_none()
        return None if attempts is None else int(attempts)

    async def consume(self, challenge_id: UUID, now: datetime, limit: int) -> bool:
        c = otp_codes.c
        statement = (
            update(otp_codes)
            .where(c.id == challenge_id, c.consumed_at.is_(None), c.attempts <= limit)
            .values(consumed_at=now)
        )
        return (await self._connection().execute(statement)).rowcount == 1

    async def retire_for(self, phone: PhoneNumber, now: datetime) -> None:
        statement = (
            update(otp_codes)
            .where(
                otp_codes.c.phone_lookup == self._cipher.lookup_key(phone),
                otp_codes.c.consumed_at.is_(None),
            )
            .values(consumed_at=now)
        )
        await self._connection().execute(statement)

    def _to_challenge(self, row: Row[Any]) -> LoginChallenge:
        return LoginChallenge(
            id=row.id,
            phone=self._cipher.decrypt(bytes(row.phone_number_encrypted)),
            code_hash=row.code_hash,
            attempts=row.attempts,
            expires_at=row.expires_at,
            consumed_at=row.consumed_at,
            created_at=row.created_at,
        )


class SqlSessionRepository:
    def __init__(self, connection: ConnectionSource) -> None:
        self._connection = connection

    async def add(self, session: UserSession) -> None:
        await insert_new(
            self._connection(),
            user_sessions,
            {
                "id": session.id,
                "user_id": session.user_id,
                "token_hash": session.token_hash,
                "expires_at": session.expires_at,
                "created_at": session.created_at,
                "last_used_at": session.last_used_at,
                "revoked_at": session.revoked_at,
                "user_agent": session.user_agent,
                "client_address": session.client_address,
            },
            conflict="This session already exists.",
            missing="There is no such user.",
        )

    async def get(self, session_id: UUID) -> UserSession | None:
        return await self._one(user_sessions.c.id == session_id)

    async def get_by_token_hash(self, token_hash: str) -> UserSession | None:
        return await self._one(user_sessions.c.token_hash == token_hash)

    async def rotate(
        self, session_id: UUID, old_hash: str, new_hash: str, expires_at: datetime, now: datetime
    ) -> bool:
        s = user_sessions.c
        statement = (
            update(user_sessions)
            .where(s.id == session_id, s.token_hash == old_hash, s.revoked_at.is_(None))
            .values(token_hash=new_hash, expires_at=expires_at, last_used_at=now)
        )
        connection = self._connection()
        try:
            if (await connection.execute(statement)).rowcount != 1:
                return False
            await connection.execute(
                insert(refresh_tokens).values(
                    token_hash=old_hash, session_id=session_id, rotated_at=now
                )
            )
        except IntegrityError as error:
            raise Conflict("This refresh token is already in use.") from error
        return True

    async def revoke_for_retired_token(self, token_hash: str, now: datetime) -> UUID | None:
        s = user_sessions.c
        owner = (
            select(refresh_tokens.c.session_id)
            .where(refresh_tokens.c.token_hash == token_hash)
            .scalar_subquery()
        )
        statement = (
            update(user_sessions)
            .where(s.id == owner, s.revoked_at.is_(None))
            .values(revoked_at=now)
            .returning(s.id)
        )
        session_id = (await self._connection().execute(statement)).scalar_one_or_none()
        return None if session_id is None else UUID(str(session_id))

    async def revoke(self, session_id: UUID, now: datetime) -> None:
        statement = (
            update(user_sessions)
            .where(user_sessions.c.id == session_id, user_sessions.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        await self._connection().execute(statement)

    async def revoke_all_for_user(self, user_id: UUID, now: datetime) -> int:
        s = user_sessions.c
        statement = (
            update(user_sessions)
            .where(s.user_id == user_id, s.revoked_at.is_(None), s.expires_at > now)
            .values(revoked_at=now)
        )
        return int((await self._connection().execute(statement)).rowcount)

    async def _one(self, condition: ColumnElement[bool]) -> UserSession | None:
        row = (await self._connection().execute(select(user_sessions).where(condition))).first()
        if row is None:
            return None
        return UserSession(
            id=row.id,
            user_id=row.user_id,
            token_hash=row.token_hash,
            expires_at=row.expires_at,
            created_at=row.created_at,
            last_used_at=row.last_used_at,
            revoked_at=row.revoked_at,
            user_agent=row.user_agent,
            client_address=row.client_address,
        )


class SqlAuditLog:
    def __init__(self, connection: ConnectionSource) -> None:
        self._connection = connection

    async def record(self, entry: AuditEntry) -> None:
        await insert_new(
            self._connection(),
            audit_log,
            {
                "id": entry.id,
                "actor_id": entry.actor_id,
                "action": entry.action,
                "target_type": entry.target_type,
                "target_id": entry.target_id,
                "details": entry.details,
                "created_at": entry.created_at,
            },
            conflict="An audit entry with this id already exists.",
        )

    async def list(
        self,
        page: PageRequest,
        *,
        actor_id: UUID | None = None,
        target_id: str | None = None,
        action: str | None = None,
        kind: AuditKind | None = None,
    ) -> Page[AuditEntry]:
        a = audit_log.c
        conditions: builtins.list[ColumnElement[bool]] = []
        if actor_id is not None:
            conditions.append(a.actor_id == actor_id)
        if target_id is not None:
            conditions.append(a.target_id == target_id)
        if action is not None:
            conditions.append(a.action == action)
        if kind is not None:
            reads = or_(*(a.action.endswith(f".{verb}", autoescape=True) for verb in READ_VERBS))
            conditions.append(reads if kind is AuditKind.READS else not_(reads))
        statement = keyset(select(audit_log).where(*conditions), a.created_at, a.id, page)
        rows = (await self._connection().execute(statement)).all()
        return page_of(rows, page, _to_entry, lambda e: Position(at=e.created_at, id=e.id))


def _to_entry(row: Row[Any]) -> AuditEntry:
    return AuditEntry(
        id=row.id,
        actor_id=row.actor_id,
        action=row.action,
        target_type=row.target_type,
        target_id=row.target_id,
        details=dict(row.details),
        created_at=row.created_at,
    )


class SqlAllowList:
    def __init__(self, connection: ConnectionSource, cipher: PhoneCipher) -> None:
        self._connection = connection
        self._cipher = cipher

    async def add(self, entry: AllowedNumber) -> None:
        await insert_new(
            self._connection(),
            allowed_numbers,
            {
                "id": entry.id,
                "phone_number_encrypted": self._cipher.encrypt(entry.phone),
                "phone_lookup": self._cipher.lookup_key(entry.phone),
                "note": entry.note,
                "added_by": entry.added_by,
                "created_at": entry.created_at,
            },
            conflict="This number is already on the allow-list.",
        )

    async def get(self, entry_id: UUID) -> AllowedNumber | None:
        statement = select(allowed_numbers).where(allowed_numbers.c.id == entry_id)
        row = (await self._connection().execute(statement)).first()
        return None if row is None else self._to_entry(row)

    async def contains(self, phone: PhoneNumber) -> bool:
        statement = select(allowed_numbers.c.id).where(
            allowed_numbers.c.phone_lookup == self._cipher.lookup_key(phone)
        )
        return (await self._connection().execute(statement)).first() is not None

    async def remove(self, entry_id: UUID) -> bool:
        statement = delete(allowed_numbers).where(allowed_numbers.c.id == entry_id)
        return (await self._connection().execute(statement)).rowcount == 1

    async def list(self, page: PageRequest) -> Page[AllowedNumber]:
        a = allowed_numbers.c
        statement = keyset(select(allowed_numbers), a.created_at, a.id, page)
        rows = (await self._connection().execute(statement)).all()
        return page_of(rows, page, self._to_entry, lambda e: Position(at=e.created_at, id=e.id))

    def _to_entry(self, row: Row[Any]) -> AllowedNumber:
        return AllowedNumber(
            id=row.id,
            phone=self._cipher.decrypt(bytes(row.phone_number_encrypted)),
            note=row.note,
            added_by=row.added_by,
            created_at=row.created_at,
        )
