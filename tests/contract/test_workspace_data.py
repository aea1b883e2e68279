"""What belongs to a workspace says which (migration 0012): every repository keeps the entity's
`workspace_id`, and refuses one naming no workspace, as the SQL foreign keys do."""

from __future__ import annotations

from uuid import UUID, uuid4

import pytest

from ignacio.application.ports import UnitOfWorkFactory
from ignacio.domain import Author, NotFound, PageRequest
from tests.contract.builders import (
    allowed,
    conversation,
    delivery,
    entry,
    message,
    store,
    user,
    user_file,
    workspace,
)


async def test_each_entity_reads_back_in_its_workspace(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    lab = workspace(1)
    owner = user(1)
    theirs, ours = conversation(owner, lab.id), conversation(owner, home)
    asked = message(theirs)
    answer = message(theirs, created=1, author=Author.ASSISTANT, reply_to_id=asked.id)
    part = delivery(answer)
    file = user_file(owner, lab.id, conversation_id=theirs.id, message_id=asked.id)
    listed = allowed(1, lab.id)
    in_lab, on_platform = entry(workspace_id=lab.id), entry(created=1)
    await store(uow_factory, lab, owner, theirs, ours, asked, answer, part, file, listed)
    await store(uow_factory, in_lab, on_platform)
    async with uow_factory() as uow:
        assert await uow.conversations.get(lab.id, theirs.id) == theirs
        assert await uow.conversations.get(home, ours.id) == ours
        assert await uow.messages.get(asked.id) == asked
        assert await uow.messages.get(answer.id) == answer
        assert await uow.deliveries.for_message(answer.id) == [part]
        assert await uow.files.get(lab.id, file.id) == file
        assert await uow.files.find(file.id) == file
        assert await uow.allow_list.get(lab.id, listed.id) == listed
        entries = (await uow.audit_log.list(lab.id, PageRequest(limit=10))).items
        # A platform-level entry is in no workspace's log.
        assert (await uow.audit_log.list(home, PageRequest(limit=10))).items == []
    assert entries == [in_lab]
    assert {theirs.workspace_id, asked.workspace_id, part.workspace_id} == {lab.id}
    assert (ours.workspace_id, in_lab.workspace_id, on_platform.workspace_id) == (
        home,
        lab.id,
        None,
    )


async def test_what_belongs_to_a_workspace_needs_an_existing_one(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    owner = user(1)
    chat = conversation(owner, home)
    asked = message(chat)
    await store(uow_factory, owner, chat, asked)
    nowhere = uuid4()
    stray_chat = conversation(owner, nowhere)
    stray_message = message(chat, workspace_id=nowhere)
    stray_part = delivery(asked, workspace_id=nowhere)
    stray_file = user_file(owner, nowhere)
    stray_number = allowed(1, nowhere)
    for stray in (stray_chat, stray_message, stray_part, stray_file, stray_number):
        with pytest.raises(NotFound):
            await store(uow_factory, stray)
    async with uow_factory() as uow:
        assert await uow.conversations.get(nowhere, stray_chat.id) is None
        assert await uow.messages.get(stray_message.id) is None
        assert await uow.deliveries.for_message(asked.id) == []
        assert await uow.files.find(stray_file.id) is None
        assert await uow.allow_list.get(nowhere, stray_number.id) is None
    # The audit log names workspaces without requiring them: it outlives what it mentions.
    await store(uow_factory, entry(workspace_id=nowhere))
