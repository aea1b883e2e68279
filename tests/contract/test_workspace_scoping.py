"""Every read and write a caller's request leads to is within one workspace: through workspace
A's id, a row of workspace B is not there (reads find nothing, deletes delete nothing), and an
update never moves a row to another workspace, on every adapter."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

import msgspec
import pytest

from ignacio.application.ports import UnitOfWorkFactory
from ignacio.domain import (
    AllowedNumber,
    Author,
    Channel,
    Conversation,
    Delivery,
    DeliveryStatus,
    Message,
    PageRequest,
    User,
)
from ignacio.domain.knowledge import UserFile
from ignacio.domain.workspaces import Workspace
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

PAGE = PageRequest(limit=50)


@dataclass
class Elsewhere:
    """One of everything, in workspace B (`lab`), by someone who is also in A's data."""

    lab: Workspace
    owner: User
    chat: Conversation
    asked: Message
    answer: Message
    failed: Delivery
    file: UserFile
    listed: AllowedNumber


@pytest.fixture
async def elsewhere(uow_factory: UnitOfWorkFactory) -> Elsewhere:
    lab = workspace(1)
    owner = user(1)
    chat = conversation(owner, lab.id, channel=Channel.WHATSAPP, title="In the lab", updated=3)
    asked = message(chat)
    answer = message(chat, created=1, author=Author.ASSISTANT, reply_to_id=asked.id)
    failed = delivery(answer, status=DeliveryStatus.FAILED, updated=2)
    file = user_file(owner, lab.id, conversation_id=chat.id, message_id=asked.id)
    listed = allowed(1, lab.id)
    await store(uow_factory, lab, owner, chat, asked, answer, failed, file, listed)
    await store(uow_factory, entry(workspace_id=lab.id, actor_id=owner.id))
    return Elsewhere(
        lab=lab,
        owner=owner,
        chat=chat,
        asked=asked,
        answer=answer,
        failed=failed,
        file=file,
        listed=listed,
    )


async def test_conversations_of_another_workspace_are_not_there(
    uow_factory: UnitOfWorkFactory, home: UUID, elsewhere: Elsewhere
) -> None:
    b, chat, owner = elsewhere.lab.id, elsewhere.chat, elsewhere.owner
    async with uow_factory() as uow:
        assert await uow.conversations.get(home, chat.id) is None
        assert await uow.conversations.latest_for(home, owner.id, Channel.WHATSAPP) is None
        assert (await uow.conversations.list(home, PAGE)).items == []
        assert (await uow.conversations.list(home, PAGE, user_id=owner.id)).items == []
        assert (await uow.conversations.list(home, PAGE, search="lab")).items == []
        # In its own workspace, all of them find it.
        assert await uow.conversations.get(b, chat.id) == chat
        assert await uow.conversations.latest_for(b, owner.id, Channel.WHATSAPP) == chat
        assert (await uow.conversations.list(b, PAGE, user_id=owner.id)).items == [chat]


async def test_messages_of_another_workspace_are_not_there(
    uow_factory: UnitOfWorkFactory, home: UUID, elsewhere: Elsewhere
) -> None:
    b, chat, owner = elsewhere.lab.id, elsewhere.chat, elsewhere.owner
    async with uow_factory() as uow:
        assert (await uow.messages.list(home, chat.id, PAGE)).items == []
        assert await uow.messages.list_owned(home, chat.id, owner.id, PAGE) is None
        owned = await uow.messages.list_owned(b, chat.id, owner.id, PAGE)
        assert owned is not None
        assert {m.id for m in owned.items} == {elsewhere.asked.id, elsewhere.answer.id}
        assert len((await uow.messages.list(b, chat.id, PAGE)).items) == 2


async def test_files_of_another_workspace_are_not_there_nor_deleted(
    uow_factory: UnitOfWorkFactory, home: UUID, elsewhere: Elsewhere
) -> None:
    b, file, owner = elsewhere.lab.id, elsewhere.file, elsewhere.owner
    async with uow_factory() as uow:
        assert await uow.files.get(home, file.id) is None
        assert (await uow.files.list(home, PAGE)).items == []
        assert (await uow.files.list(home, PAGE, user_id=owner.id)).items == []
        await uow.files.delete(home, file.id)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.files.get(b, file.id) == file
        assert (await uow.files.list(b, PAGE, user_id=owner.id)).items == [file]
        await uow.files.delete(b, file.id)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.files.find(file.id) is None


async def test_failed_deliveries_and_the_audit_log_of_another_workspace_are_not_listed(
    uow_factory: UnitOfWorkFactory, home: UUID, elsewhere: Elsewhere
) -> None:
    b = elsewhere.lab.id
    async with uow_factory() as uow:
        assert (await uow.deliveries.list_failed(home, PAGE)).items == []
        assert (await uow.audit_log.list(home, PAGE)).items == []
        assert (await uow.audit_log.list(home, PAGE, actor_id=elsewhere.owner.id)).items == []
        assert (await uow.deliveries.list_failed(b, PAGE)).items == [elsewhere.failed]
        assert len((await uow.audit_log.list(b, PAGE)).items) == 1


async def test_the_allow_list_of_another_workspace_is_not_there_nor_changed(
    uow_factory: UnitOfWorkFactory, home: UUID, elsewhere: Elsewhere
) -> None:
    b, listed = elsewhere.lab.id, elsewhere.listed
    async with uow_factory() as uow:
        assert await uow.allow_list.get(home, listed.id) is None
        assert not await uow.allow_list.contains(home, listed.phone)
        assert (await uow.allow_list.list(home, PAGE)).items == []
        assert not await uow.allow_list.remove(home, listed.id)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.allow_list.get(b, listed.id) == listed
        assert await uow.allow_list.contains(b, listed.phone)
        assert (await uow.allow_list.list(b, PAGE)).items == [listed]
        assert await uow.allow_list.remove(b, listed.id)


async def test_an_update_never_moves_a_row_to_another_workspace(
    uow_factory: UnitOfWorkFactory, home: UUID, elsewhere: Elsewhere
) -> None:
    b = elsewhere.lab.id
    moved_chat = msgspec.structs.replace(elsewhere.chat, workspace_id=home, title="Moved?")
    # An update writes what the pipeline changes (its words change only by a revision).
    moved_message = msgspec.structs.replace(elsewhere.asked, workspace_id=home, transcript="Moved?")
    moved_part = msgspec.structs.replace(elsewhere.failed, workspace_id=home, attempts=9)
    moved_file = msgspec.structs.replace(elsewhere.file, workspace_id=home, sync_attempts=9)
    async with uow_factory() as uow:
        await uow.conversations.update(moved_chat)
        await uow.messages.update(moved_message)
        await uow.deliveries.update(moved_part)
        await uow.files.update(moved_file)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.conversations.get(home, elsewhere.chat.id) is None
        chat = await uow.conversations.get(b, elsewhere.chat.id)
        assert chat is not None and (chat.title, chat.workspace_id) == ("Moved?", b)
        stored = await uow.messages.get(elsewhere.asked.id)
        assert stored is not None and (stored.transcript, stored.workspace_id) == ("Moved?", b)
        (part,) = await uow.deliveries.for_message(elsewhere.answer.id)
        assert (part.attempts, part.workspace_id) == (9, b)
        assert await uow.files.get(home, elsewhere.file.id) is None
        file = await uow.files.get(b, elsewhere.file.id)
        assert file is not None and (file.sync_attempts, file.workspace_id) == (9, b)
        assert (await uow.messages.list(home, elsewhere.chat.id, PAGE)).items == []
