"""UserRepository in memory: phone numbers unique, deleting a user cascades as SQL does."""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable
from typing import Any
from uuid import UUID

import msgspec

from ignacio.adapters.memory.messages import delete_messages
from ignacio.adapters.memory.queries import needle, paginate, phone_or_none
from ignacio.adapters.memory.store import InMemoryStore
from ignacio.adapters.memory.workspaces import InMemoryWorkspaceRepository
from ignacio.domain import Conflict, NotFound, Page, PageRequest, PhoneNumber, User
from ignacio.domain.workspaces import Joined

# The fields that name a person, and so follow them when they are joined to another, as the SQL
# adapter's PERSON_COLUMNS; the audit log keeps who did what as it was then.
_PERSON_FIELDS = (
    "user_id",
    "assignee_id",
    "actor_id",
    "requested_by",
    "sent_by",
    "account_id",
    "member_id",
    "added_by",
    "uploaded_by",
    "set_by",
    "author_id",
)


def _moved(item: Any, source_id: UUID, target_id: UUID) -> Any:
    """`item` with every field naming `source_id` naming `target_id`; the same item if none."""
    changes = {name: target_id for name in _PERSON_FIELDS if getattr(item, name, None) == source_id}
    return msgspec.structs.replace(item, **changes) if changes else item


class InMemoryUserRepository:
    def __init__(
        self, store: InMemoryStore, *, on_merge: Callable[[UUID, UUID], None] | None = None
    ) -> None:
        self._store = store
        self._on_merge = on_merge

    async def add(self, user: User) -> None:
        if user.id in self._store.users:
            raise Conflict("A user with this id already exists.")
        self._ensure_phone_is_free(user)
        self._store.users[user.id] = user

    async def get(self, user_id: UUID) -> User | None:
        return self._store.users.get(user_id)

    async def get_many(self, user_ids: Iterable[UUID]) -> dict[UUID, User]:
        users = self._store.users
        return {user_id: users[user_id] for user_id in user_ids if user_id in users}

    async def in_session_with_workspaces(
        self, user_id: UUID, session_id: UUID
    ) -> tuple[User, list[Joined]] | None:
        user = await self.get_in_session(user_id, session_id)
        if user is None:
            return None
        return user, await InMemoryWorkspaceRepository(self._store).of_user(user_id)

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

    async def merge_into(self, source_id: UUID, target_id: UUID) -> None:
        store = self._store
        if source_id == target_id or not {source_id, target_id} <= store.users.keys():
            raise NotFound("There is no such pair of users to join.")
        theirs = {m.workspace_id for m in store.memberships.values() if m.user_id == target_id}
        for membership in builtins.list(store.memberships.values()):
            if membership.user_id == source_id and membership.workspace_id in theirs:
                del store.memberships[membership.id]
        # Answers to workflow steps: one per (workspace, member, key), the survivor's kept.
        for (workspace_id, user_id, key), answer in builtins.list(store.step_answers.items()):
            if user_id != source_id:
                continue
            del store.step_answers[(workspace_id, user_id, key)]
            store.step_answers.setdefault((workspace_id, target_id, key), answer)
        for where, answer in builtins.list(store.step_answers.items()):
            store.step_answers[where] = _moved(answer, source_id, target_id)
        for (conversation_id, user_id), marker in builtins.list(store.reads.items()):
            if user_id != source_id:
                continue
            del store.reads[(conversation_id, user_id)]
            store.reads.setdefault(
                (conversation_id, target_id), _moved(marker, source_id, target_id)
            )
        tables: tuple[dict[Any, Any], ...] = (
            store.identities,
            store.conversations,
            store.messages,
            store.message_logins,
            store.sessions,
            store.allow_list,
            store.files,
            store.memberships,
            store.state_changes,
            store.summaries,
            store.events,
            store.records,
            store.record_comments,
        )
        for table in tables:
            for key, item in builtins.list(table.items()):
                table[key] = _moved(item, source_id, target_id)
        if self._on_merge is not None:
            self._on_merge(source_id, target_id)
        del store.users[source_id]

    async def delete(self, user_id: UUID) -> None:
        store = self._store
        if store.users.pop(user_id, None) is None:
            return
        gone = {c.id for c in store.conversations.values() if c.user_id == user_id}
        for conversation_id in gone:
            del store.conversations[conversation_id]
        delete_messages(
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
            elif file.uploaded_by == user_id:
                # user_files.uploaded_by is ON DELETE SET NULL: a knowledge document stays.
                store.files[file.id] = msgspec.structs.replace(file, uploaded_by=None)
        for membership in builtins.list(store.memberships.values()):
            if membership.user_id == user_id:
                del store.memberships[membership.id]
        for identity in builtins.list(store.identities.values()):
            if identity.user_id == user_id:
                del store.identities[identity.id]

    async def list(self, page: PageRequest, *, search: str | None = None) -> Page[User]:
        users: Iterable[User] = self._store.users.values()
        text = needle(search)
        if text is not None:
            phone = phone_or_none(text)
            handle = text.lstrip("@")
            by_username = {
                identity.user_id
                for identity in self._store.identities.values()
                if handle and identity.username is not None and handle in identity.username.lower()
            }
            users = [
                user
                for user in users
                if (user.name is not None and text in user.name.lower())
                or (phone is not None and user.phone == phone)
                or user.id in by_username
            ]
        return paginate(users, lambda user: user.created_at, page)

    async def lock_active_admins(self) -> frozenset[UUID]:
        # A unit of work holds the whole store: nobody else runs until it ends.
        return frozenset(
            user.id for user in self._store.users.values() if user.is_admin and user.is_active
        )

    def _ensure_phone_is_free(self, user: User) -> None:
        if user.phone is None:
            return
        for other in self._store.users.values():
            if other.phone == user.phone and other.id != user.id:
                raise Conflict("A user with this phone number already exists.")
