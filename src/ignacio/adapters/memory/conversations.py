"""ConversationRepository in memory, ordered and filtered as the SQL one is."""

from __future__ import annotations

import builtins
from builtins import filter as filter_
from datetime import datetime
from uuid import UUID

import msgspec

from ignacio.adapters.memory.queries import needle, paginate
from ignacio.adapters.memory.store import InMemoryStore
from ignacio.adapters.memory.workflows import progress_in
from ignacio.application.ports.conversations import InboxFilter, InboxItem, Qualification
from ignacio.domain import (
    Author,
    Channel,
    Conflict,
    Conversation,
    Message,
    NotFound,
    Page,
    PageRequest,
)
from ignacio.domain.handover import ReadMarker, StateChange

UNREAD_COUNT_CAP = 100


class InMemoryConversationRepository:
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def add(self, conversation: Conversation) -> None:
        if conversation.id in self._store.conversations:
            raise Conflict("A conversation with this id already exists.")
        if conversation.user_id not in self._store.users:
            raise NotFound("There is no such user.")
        if conversation.workspace_id not in self._store.workspaces:
            raise NotFound("There is no such workspace.")
        self._store.conversations[conversation.id] = conversation

    async def get(
        self, workspace_id: UUID, conversation_id: UUID, *, for_update: bool = False
    ) -> Conversation | None:
        conversation = self._store.conversations.get(conversation_id)
        if conversation is None or conversation.workspace_id != workspace_id:
            return None
        return conversation

    async def latest_for(
        self, workspace_id: UUID, user_id: UUID, channel: Channel
    ) -> Conversation | None:
        theirs = [
            conversation
            for conversation in self._store.conversations.values()
            if conversation.workspace_id == workspace_id
            and conversation.user_id == user_id
            and conversation.channel is channel
        ]
        return max(theirs, key=lambda c: (c.updated_at, c.id), default=None)

    async def update(self, conversation: Conversation) -> None:
        stored = self._store.conversations.get(conversation.id)
        if stored is None:
            raise NotFound("There is no such conversation.")
        # As the SQL update: never the workspace, nor the state (`change_state` writes it),
        # and the member's last message never moves back.
        last = stored.last_member_message_at
        if conversation.last_member_message_at is not None and (
            last is None or conversation.last_member_message_at > last
        ):
            last = conversation.last_member_message_at
        self._store.conversations[conversation.id] = msgspec.structs.replace(
            conversation,
            workspace_id=stored.workspace_id,
            user_id=stored.user_id,
            state=stored.state,
            assignee_id=stored.assignee_id,
            state_since=stored.state_since,
            last_member_message_at=last,
        )

    async def change_state(self, before: Conversation, after: Conversation) -> bool:
        stored = self._store.conversations.get(before.id)
        if (
            stored is None
            or stored.state is not before.state
            or stored.assignee_id != before.assignee_id
        ):
            return False
        self._store.conversations[before.id] = msgspec.structs.replace(
            stored, state=after.state, assignee_id=after.assignee_id, state_since=after.state_since
        )
        return True

    async def record_change(self, change: StateChange) -> None:
        if change.id in self._store.state_changes:
            raise Conflict("This change is already recorded.")
        if change.conversation_id not in self._store.conversations:
            raise NotFound("There is no such conversation.")
        self._store.state_changes[change.id] = change

    async def changes(
        self, workspace_id: UUID, conversation_id: UUID, limit: int
    ) -> builtins.list[StateChange]:
        if await self.get(workspace_id, conversation_id) is None:
            return []
        theirs = sorted(
            (
                change
                for change in self._store.state_changes.values()
                if change.conversation_id == conversation_id
            ),
            key=lambda change: (change.created_at, change.id),
        )
        return theirs[-limit:] if limit else []

    async def assigned_to(
        self, workspace_id: UUID | None, assignee_id: UUID
    ) -> builtins.list[Conversation]:
        return [
            conversation
            for conversation in self._store.conversations.values()
            if conversation.assignee_id == assignee_id
            and (workspace_id is None or conversation.workspace_id == workspace_id)
        ]

    async def mark_read(self, marker: ReadMarker) -> None:
        if marker.conversation_id not in self._store.conversations:
            raise NotFound("There is no such conversation.")
        self._store.reads[(marker.conversation_id, marker.user_id)] = marker

    async def inbox(
        self, workspace_id: UUID, reader_id: UUID, page: PageRequest, filter: InboxFilter
    ) -> Page[InboxItem]:
        text = needle(filter.search)
        store = self._store

        def read_until(conversation: Conversation) -> datetime | None:
            marker = store.reads.get((conversation.id, reader_id))
            return None if marker is None else marker.read_until

        def has_unread(conversation: Conversation) -> bool:
            last, until = conversation.last_member_message_at, read_until(conversation)
            return last is not None and (until is None or last > until)

        qualification = filter.qualification

        def qualifies(conversation: Conversation, wanted: Qualification) -> bool:
            progress = progress_in(store, workspace_id, conversation.user_id)
            return progress.qualified(wanted.workflow) == wanted.qualified

        def wanted(conversation: Conversation) -> bool:
            return (
                conversation.workspace_id == workspace_id
                and (filter.states is None or conversation.state in filter.states)
                and (filter.assignee_id is None or conversation.assignee_id == filter.assignee_id)
                and (filter.channel is None or conversation.channel is filter.channel)
                and (filter.unread is None or has_unread(conversation) == filter.unread)
                and (
                    text is None
                    or (conversation.title is not None and text in conversation.title.lower())
                )
                and (qualification is None or qualifies(conversation, qualification))
            )

        chosen = paginate(
            filter_(wanted, store.conversations.values()),
            lambda conversation: conversation.updated_at,
            page,
        )
        by_conversation: dict[UUID, builtins.list[Message]] = {}
        ids = {conversation.id for conversation in chosen.items}
        for message in store.messages.values():
            if message.conversation_id in ids:
                by_conversation.setdefault(message.conversation_id, []).append(message)

        def item(conversation: Conversation) -> InboxItem:
            thread = by_conversation.get(conversation.id, [])
            until = read_until(conversation)
            unread = sum(
                1
                for message in thread
                if message.author is Author.MEMBER
                and not message.is_revoked
                and (until is None or message.created_at > until)
            )
            return InboxItem(
                conversation=conversation,
                last_message=max(thread, key=lambda m: (m.created_at, m.id), default=None),
                unread=min(unread, UNREAD_COUNT_CAP),
            )

        return Page(items=[item(c) for c in chosen.items], next=chosen.next)

    async def list(
        self,
        workspace_id: UUID,
        page: PageRequest,
        *,
        user_id: UUID | None = None,
        channel: Channel | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        search: str | None = None,
    ) -> Page[Conversation]:
        text = needle(search)

        def wanted(conversation: Conversation) -> bool:
            return (
                conversation.workspace_id == workspace_id
                and (user_id is None or conversation.user_id == user_id)
                and (channel is None or conversation.channel is channel)
                and (since is None or conversation.updated_at >= since)
                and (until is None or conversation.updated_at < until)
                and (
                    text is None
                    or (conversation.title is not None and text in conversation.title.lower())
                )
            )

        chosen = filter(wanted, self._store.conversations.values())
        return paginate(chosen, lambda conversation: conversation.updated_at, page)
