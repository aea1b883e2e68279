"""The repositories of the memory adapter: plain dict operations that honour each port's contract.

They behave like the SQL adapter (same ordering, same errors), so the contract suite runs on both
and use-case tests on this set say something about production.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, Protocol, TypeVar
from uuid import UUID

import msgspec

from ignacio.adapters.memory.store import InMemoryStore
from ignacio.domain import (
    AllowedNumber,
    AuditEntry,
    AuditKind,
    Channel,
    Conflict,
    Conversation,
    Delivery,
    DeliveryStatus,
    InvalidInput,
    LoginChallenge,
    Message,
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


class _Identified(Protocol):
    @property
    def id(self) -> UUID: ...


T = TypeVar("T", bound=_Identified)


def paginate(items: Iterable[T], sort_key: Callable[[T], datetime], page: PageRequest) -> Page[T]:
    """Keyset pagination on (sort_key, id), exactly as the SQL adapter orders rows."""
    newest_first = page.order is Order.NEWEST_FIRST
    ordered = sorted(items, key=lambda item: (sort_key(item), item.id), reverse=newest_first)
    if page.after is not None:
        after = (page.after.at, page.after.id)
        if newest_first:
            ordered = [item for item in ordered if (sort_key(item), item.id) < after]
        else:
            ordered = [item for item in ordered if (sort_key(item), item.id) > after]
    chosen = ordered[: page.limit]
    more = len(ordered) > page.limit
    last = chosen[-1] if chosen else None
    next_position = Position(at=sort_key(last), id=last.id) if more and last is not None else None
    return Page(items=chosen, next=next_position)


def _needle(search: str | None) -> str | None:
    if search is None or not search.strip():
        return None
    return search.strip().lower()


class InMemoryUserRepository:
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def add(self, user: User) -> None:
        if user.id in self._store.users:
            raise Conflict("A user with this id already exists.")
        self._ensure_phone_is_free(user)
        self._store.users[user.id] = user

    async def get(self, user_id: UUID) -> User | None:
        return self._store.users.get(user_id)

    async def get_in_session(self, user_id: UUID, session_id: UUID) -> User | None:
        session = self._store.sessions.get(session_id)
        if session is None or session.user_id != user_id or session.revoked_at is not None:
            return None
        return self._store.users.get(user_id)

    async def get_by_phone(self, phone: PhoneNumber) -> User | None:
        return next((user for user in self._store.users.values() if user.phone == phone), None)

    async def update(self, user: User) -> None:
        if user.id not in self._store.users:
            raise NotFound("There is no such user.")
        self._ensure_phone_is_free(user)
        self._store.users[user.id] = user

    async def delete(self, user_id: UUID) -> None:
        store = self._store
        if store.users.pop(user_id, None) is None:
            return
        gone = {c.id for c in store.conversations.values() if c.user_id == user_id}
        for conversation_id in gone:
            del store.conversations[conversation_id]
        _delete_messages(
            store,
            {
                message.id
                for message in store.messages.values()
                if message.user_id == user_id or message.conversation_id in gone
            },
        )
        for session in builtins.list(store.sessions.values()):
            if session.user_id == user_id:
                del store.sessions[session.id]
        for token_hash, session_id in builtins.list(store.retired_tokens.items()):
            if session_id not in store.sessions:
                del store.retired_tokens[token_hash]
        for file in builtins.list(store.files.values()):
            if file.user_id == user_id:
                del store.files[file.id]

    async def list(self, page: PageRequest, *, search: str | None = None) -> Page[User]:
        users: Iterable[User] = self._store.users.values()
        needle = _needle(search)
        if needle is not None:
            phone = _phone_or_none(needle)
            users = [
                user
                for user in users
                if (user.name is not None and needle in user.name.lower()) or user.phone == phone
            ]
        return paginate(users, lambda user: user.created_at, page)

    async def lock_active_admins(self) -> frozenset[UUID]:
        # A unit of work holds the whole store: nobody else runs until it ends.
        return frozenset(
            user.id for user in self._store.users.values() if user.is_admin and user.is_active
        )

    def _ensure_phone_is_free(self, user: User) -> None:
        for other in self._store.users.values():
            if other.phone == user.phone and other.id != user.id:
                raise Conflict("A user with this phone number already exists.")


def _delete_messages(store: InMemoryStore, message_ids: set[UUID]) -> None:
    """Delete messages with what depends on them, as ON DELETE CASCADE does: their answers
    (and the answers' answers), and their delivery parts."""
    removed: set[UUID] = set()
    pending = set(message_ids)
    while pending:
        for message_id in pending:
            store.messages.pop(message_id, None)
        removed |= pending
        pending = {m.id for m in store.messages.values() if m.reply_to_id in removed}
    for delivery in builtins.list(store.deliveries.values()):
        if delivery.message_id in removed:
            del store.deliveries[delivery.id]
    # user_files.message_id is ON DELETE SET NULL: the file stays in the member's library.
    for file in builtins.list(store.files.values()):
        if file.message_id in removed:
            store.files[file.id] = msgspec.structs.replace(file, message_id=None)


def _phone_or_none(text: str) -> PhoneNumber | None:
    try:
        return PhoneNumber.parse(text)
    except InvalidInput:
        return None


class InMemoryConversationRepository:
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def add(self, conversation: Conversation) -> None:
        if conversation.id in self._store.conversations:
            raise Conflict("A conversation with this id already exists.")
        if conversation.user_id not in self._store.users:
            raise NotFound("There is no such user.")
        self._store.conversations[conversation.id] = conversation

    async def get(self, conversation_id: UUID) -> Conversation | None:
        return self._store.conversations.get(conversation_id)

    async def latest_for(self, user_id: UUID, channel: Channel) -> Conversation | None:
        theirs = [
            conversation
            for conversation in self._store.conversations.values()
            if conversation.user_id == user_id and conversation.channel is channel
        ]
        return max(theirs, key=lambda c: (c.updated_at, c.id), default=None)

    async def update(self, conversation: Conversation) -> None:
        if conversation.id not in self._store.conversations:
            raise NotFound("There is no such conversation.")
        self._store.conversations[conversation.id] = conversation

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
        needle = _needle(search)

        def wanted(conversation: Conversation) -> bool:
            return (
                (user_id is None or conversation.user_id == user_id)
                and (channel is None or conversation.channel is channel)
                and (since is None or conversation.updated_at >= since)
                and (until is None or conversation.updated_at < until)
                and (
                    needle is None
                    or (conversation.title is not None and needle in conversation.title.lower())
                )
            )

        chosen = filter(wanted, self._store.conversations.values())
        return paginate(chosen, lambda conversation: conversation.updated_at, page)


class InMemoryMessageRepository:
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def add(self, message: Message) -> None:
        if message.id in self._store.messages:
            raise Conflict("A message with this id already exists.")
        self._check(message)
        self._store.messages[message.id] = message

    async def get(self, message_id: UUID) -> Message | None:
        return self._store.messages.get(message_id)

    async def update(self, message: Message) -> None:
        if message.id not in self._store.messages:
            raise NotFound("There is no such message.")
        self._check(message)
        self._store.messages[message.id] = message

    async def reply_to(self, message_id: UUID) -> Message | None:
        return next((m for m in self._store.messages.values() if m.reply_to_id == message_id), None)

    async def pending_processing(self, limit: int) -> builtins.list[UUID]:
        if limit <= 0:
            return []
        pending = [
            m for m in self._store.messages.values() if m.processing is ProcessingState.PENDING
        ]
        pending.sort(key=lambda m: (m.created_at, m.id))
        return [m.id for m in pending[:limit]]

    async def list(self, conversation_id: UUID, page: PageRequest) -> Page[Message]:
        return paginate(self._of(conversation_id), lambda message: message.created_at, page)

    async def list_owned(
        self, conversation_id: UUID, owner_id: UUID, page: PageRequest
    ) -> Page[Message] | None:
        conversation = self._store.conversations.get(conversation_id)
        if conversation is None or conversation.user_id != owner_id:
            return None
        return await self.list(conversation_id, page)

    async def recent(self, conversation_id: UUID, limit: int) -> builtins.list[Message]:
        if limit <= 0:
            return []
        ordered = sorted(self._of(conversation_id), key=lambda m: (m.created_at, m.id))
        return ordered[-limit:]

    def _of(self, conversation_id: UUID) -> builtins.list[Message]:
        return [m for m in self._store.messages.values() if m.conversation_id == conversation_id]

    def _check(self, message: Message) -> None:
        """The unique keys and foreign keys of the SQL table, in the same order of checks."""
        store = self._store
        for other in store.messages.values():
            if other.id == message.id:
                continue
            if (
                message.external_message_id is not None
                and other.external_message_id == message.external_message_id
            ):
                raise Conflict("A message with this provider id already exists.")
            if message.reply_to_id is not None and other.reply_to_id == message.reply_to_id:
                raise Conflict("The message this answers already has an answer.")
        if message.conversation_id not in store.conversations:
            raise NotFound("There is no such conversation.")
        if message.user_id not in store.users:
            raise NotFound("There is no such user.")
        if message.reply_to_id is not None and message.reply_to_id not in store.messages:
            raise NotFound("There is no such message to answer.")


class InMemoryDeliveryRepository:
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def add(self, delivery: Delivery) -> None:
        if delivery.id in self._store.deliveries:
            raise Conflict("A part with this id already exists.")
        self._check(delivery)
        self._store.deliveries[delivery.id] = delivery

    async def for_message(self, message_id: UUID) -> builtins.list[Delivery]:
        parts = [d for d in self._store.deliveries.values() if d.message_id == message_id]
        return sorted(parts, key=lambda d: d.part)

    async def get_by_external_id(self, external_id: str) -> Delivery | None:
        return next(
            (d for d in self._store.deliveries.values() if d.external_id == external_id), None
        )

    async def claim(self, delivery_id: UUID) -> bool:
        # No await between the test and the write: atomic on the event loop.
        delivery = self._store.deliveries.get(delivery_id)
        if delivery is None or delivery.status is not DeliveryStatus.PENDING or delivery.sending:
            return False
        self._store.deliveries[delivery_id] = msgspec.structs.replace(
            delivery, sending=True, attempts=delivery.attempts + 1
        )
        return True

    async def update(self, delivery: Delivery) -> None:
        if delivery.id not in self._store.deliveries:
            raise NotFound("There is no such part of a message.")
        self._check(delivery)
        self._store.deliveries[delivery.id] = delivery

    async def list_failed(self, page: PageRequest) -> Page[Delivery]:
        failed = [d for d in self._store.deliveries.values() if d.status is DeliveryStatus.FAILED]
        return paginate(failed, lambda delivery: delivery.updated_at, page)

    def _check(self, delivery: Delivery) -> None:
        for other in self._store.deliveries.values():
            if other.id == delivery.id:
                continue
            if other.message_id == delivery.message_id and other.part == delivery.part:
                raise Conflict("The message already has this part.")
            if delivery.external_id is not None and other.external_id == delivery.external_id:
                raise Conflict("A part with this provider id already exists.")
        if delivery.message_id not in self._store.messages:
            raise NotFound("There is no such message.")


class InMemoryLoginChallengeRepository:
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def add(self, challenge: LoginChallenge) -> None:
        if challenge.id in self._store.login_challenges:
            raise Conflict("A login challenge with this id already exists.")
        self._store.login_challenges[challenge.id] = challenge

    async def latest_for(self, phone: PhoneNumber) -> LoginChallenge | None:
        unused = [
            challenge
            for challenge in self._store.login_challenges.values()
            if challenge.phone == phone and challenge.consumed_at is None
        ]
        return max(unused, key=lambda c: (c.created_at, c.id), default=None)

    async def get(self, challenge_id: UUID) -> LoginChallenge | None:
        return self._store.login_challenges.get(challenge_id)

    async def set_code(self, challenge_id: UUID, code_hash: str) -> bool:
        challenge = self._store.login_challenges.get(challenge_id)
        if challenge is None or challenge.is_used or challenge.code_hash is not None:
            return False
        self._replace(challenge, code_hash=code_hash)
        return True

    async def count_attempt(self, challenge_id: UUID, limit: int) -> int | None:
        challenge = self._store.login_challenges.get(challenge_id)
        if challenge is None or challenge.is_used or challenge.attempts >= limit:
            return None
        attempts = challenge.attempts + 1
        self._replace(challenge, attempts=attempts)
        return attempts

    async def consume(self, challenge_id: UUID, now: datetime, limit: int) -> bool:
        challenge = self._store.login_challenges.get(challenge_id)
        if challenge is None or challenge.is_used or challenge.attempts > limit:
            return False
        self._replace(challenge, consumed_at=now)
        return True

    async def retire_for(self, phone: PhoneNumber, now: datetime) -> None:
        for challenge in builtins.list(self._store.login_challenges.values()):
            if challenge.phone == phone and challenge.consumed_at is None:
                self._replace(challenge, consumed_at=now)

    def _replace(self, challenge: LoginChallenge, **changes: Any) -> None:
        self._store.login_challenges[challenge.id] = msgspec.structs.replace(challenge, **changes)


class InMemorySessionRepository:
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def add(self, session: UserSession) -> None:
        store = self._store
        if session.id in store.sessions or any(
            other.token_hash == session.token_hash for other in store.sessions.values()
        ):
            raise Conflict("This session already exists.")
        if session.user_id not in store.users:
            raise NotFound("There is no such user.")
        store.sessions[session.id] = session

    async def get(self, session_id: UUID) -> UserSession | None:
        return self._store.sessions.get(session_id)

    async def get_by_token_hash(self, token_hash: str) -> UserSession | None:
        return next((s for s in self._store.sessions.values() if s.token_hash == token_hash), None)

    async def rotate(
        self, session_id: UUID, old_hash: str, new_hash: str, expires_at: datetime, now: datetime
    ) -> bool:
        session = self._store.sessions.get(session_id)
        if session is None or session.token_hash != old_hash or session.revoked_at is not None:
            return False
        if any(other.token_hash == new_hash for other in self._store.sessions.values()):
            raise Conflict("This refresh token is already in use.")
        self._store.sessions[session_id] = msgspec.structs.replace(
            session, token_hash=new_hash, expires_at=expires_at, last_used_at=now
        )
        self._store.retired_tokens[old_hash] = session_id
        return True

    async def revoke_for_retired_token(self, token_hash: str, now: datetime) -> UUID | None:
        session_id = self._store.retired_tokens.get(token_hash)
        session = None if session_id is None else self._store.sessions.get(session_id)
        if session is None or session.revoked_at is not None:
            return None
        self._store.sessions[session.id] = msgspec.structs.replace(session, revoked_at=now)
        return session.id

    async def revoke(self, session_id: UUID, now: datetime) -> None:
        session = self._store.sessions.get(session_id)
        if session is not None and session.revoked_at is None:
            self._store.sessions[session_id] = msgspec.structs.replace(session, revoked_at=now)

    async def revoke_all_for_user(self, user_id: UUID, now: datetime) -> int:
        ended = 0
        for session in builtins.list(self._store.sessions.values()):
            if session.user_id == user_id and session.is_live(now):
                self._store.sessions[session.id] = msgspec.structs.replace(session, revoked_at=now)
                ended += 1
        return ended


class InMemoryAuditLog:
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def record(self, entry: AuditEntry) -> None:
        if entry.id in self._store.audit_log:
            raise Conflict("An audit entry with this id already exists.")
        # Through JSON, as a database would store it: UUIDs and dates come back as strings.
        details = msgspec.json.decode(msgspec.json.encode(entry.details))
        self._store.audit_log[entry.id] = msgspec.structs.replace(entry, details=details)

    async def list(
        self,
        page: PageRequest,
        *,
        actor_id: UUID | None = None,
        target_id: str | None = None,
        action: str | None = None,
        kind: AuditKind | None = None,
    ) -> Page[AuditEntry]:
        entries = [
            entry
            for entry in self._store.audit_log.values()
            if (actor_id is None or entry.actor_id == actor_id)
            and (target_id is None or entry.target_id == target_id)
            and (action is None or entry.action == action)
            and (kind is None or entry.is_read == (kind is AuditKind.READS))
        ]
        return paginate(entries, lambda entry: entry.created_at, page)


class InMemoryAllowList:
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def add(self, entry: AllowedNumber) -> None:
        for other in self._store.allow_list.values():
            if other.id == entry.id or other.phone == entry.phone:
                raise Conflict("This number is already on the allow-list.")
        self._store.allow_list[entry.id] = entry

    async def get(self, entry_id: UUID) -> AllowedNumber | None:
        return self._store.allow_list.get(entry_id)

    async def contains(self, phone: PhoneNumber) -> bool:
        return any(entry.phone == phone for entry in self._store.allow_list.values())

    async def remove(self, entry_id: UUID) -> bool:
        return self._store.allow_list.pop(entry_id, None) is not None

    async def list(self, page: PageRequest) -> Page[AllowedNumber]:
        return paginate(self._store.allow_list.values(), lambda entry: entry.created_at, page)
