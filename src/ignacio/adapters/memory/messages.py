"""MessageRepository in memory: the unique and foreign keys of the SQL table, checked in its order."""

from __future__ import annotations

import builtins
from uuid import UUID

import msgspec

from ignacio.adapters.memory.queries import paginate
from ignacio.adapters.memory.store import InMemoryStore
from ignacio.domain import Conflict, Message, NotFound, Page, PageRequest, ProcessingState


class InMemoryMessageRepository:
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def add(self, message: Message) -> None:
        if message.id in self._store.messages:
            raise Conflict("A message with this id already exists.")
        self._check(message)
        self._store.messages[message.id] = message

    async def get(self, message_id: UUID, *, for_update: bool = False) -> Message | None:
        # Transactions here run one at a time: every read is as good as locked.
        return self._store.messages.get(message_id)

    async def by_external_id(self, external_id: str) -> Message | None:
        return next(
            (m for m in self._store.messages.values() if m.external_message_id == external_id),
            None,
        )

    async def update(self, message: Message) -> None:
        stored = self._stored(message)
        # As the SQL update, which never writes these columns: it stays in its workspace, and
        # keeps what only `revise` changes.
        message = msgspec.structs.replace(
            message,
            workspace_id=stored.workspace_id,
            user_id=stored.user_id,
            content=stored.content,
            original_text=stored.original_text,
            edited_at=stored.edited_at,
            revoked_at=stored.revoked_at,
            revision=stored.revision,
        )
        self._check(message)
        self._store.messages[message.id] = message

    async def revise(self, message: Message) -> None:
        stored = self._stored(message)
        self._store.messages[message.id] = msgspec.structs.replace(
            stored,
            content=message.content,
            original_text=message.original_text,
            edited_at=message.edited_at,
            revoked_at=message.revoked_at,
            revision=message.revision,
            processing=message.processing,
        )

    async def reply_to(self, message_id: UUID) -> Message | None:
        answers = [m for m in self._store.messages.values() if m.reply_to_id == message_id]
        return max(answers, key=lambda m: m.revision, default=None)

    async def pending_processing(self, limit: int) -> builtins.list[UUID]:
        if limit <= 0:
            return []
        pending = [
            m for m in self._store.messages.values() if m.processing is ProcessingState.PENDING
        ]
        pending.sort(key=lambda m: (m.created_at, m.id))
        return [m.id for m in pending[:limit]]

    async def list(
        self, workspace_id: UUID, conversation_id: UUID, page: PageRequest
    ) -> Page[Message]:
        theirs = [m for m in self._of(conversation_id) if m.workspace_id == workspace_id]
        return paginate(theirs, lambda message: message.created_at, page)

    async def list_owned(
        self, workspace_id: UUID, conversation_id: UUID, owner_id: UUID, page: PageRequest
    ) -> Page[Message] | None:
        conversation = self._store.conversations.get(conversation_id)
        if (
            conversation is None
            or conversation.workspace_id != workspace_id
            or conversation.user_id != owner_id
        ):
            return None
        return await self.list(workspace_id, conversation_id, page)

    async def recent(self, conversation_id: UUID, limit: int) -> builtins.list[Message]:
        if limit <= 0:
            return []
        ordered = sorted(self._of(conversation_id), key=lambda m: (m.created_at, m.id))
        return ordered[-limit:]

    def _of(self, conversation_id: UUID) -> builtins.list[Message]:
        return [m for m in self._store.messages.values() if m.conversation_id == conversation_id]

    def _stored(self, message: Message) -> Message:
        stored = self._store.messages.get(message.id)
        if stored is None:
            raise NotFound("There is no such message.")
        return stored

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
            if (
                message.reply_to_id is not None
                and other.reply_to_id == message.reply_to_id
                and other.revision == message.revision
            ):
                raise Conflict("The message this answers already has an answer.")
        if message.workspace_id not in store.workspaces:
            raise NotFound("There is no such workspace.")
        if message.conversation_id not in store.conversations:
            raise NotFound("There is no such conversation.")
        if message.user_id not in store.users:
            raise NotFound("There is no such user.")
        if message.reply_to_id is not None and message.reply_to_id not in store.messages:
            raise NotFound("There is no such message to answer.")


def delete_messages(store: InMemoryStore, message_ids: set[UUID]) -> None:
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
