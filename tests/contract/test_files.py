"""FileRepository contract: members' file metadata, on memory, SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid4

import msgspec
import pytest

from ignacio.application.ports import UnitOfWorkFactory
from ignacio.domain import Conflict, NotFound, Order, PageRequest, User
from ignacio.domain.knowledge import ExtractionStatus, FileSource, Shelf, SyncStatus, UserFile
from tests.contract.builders import (
    at,
    conversation,
    expected_order,
    message,
    store,
    user,
    user_file,
    walk,
)


def _key(file: UserFile) -> tuple[datetime, UUID]:
    return (file.created_at, file.id)


async def test_a_file_reads_back_unchanged(uow_factory: UnitOfWorkFactory, home: UUID) -> None:
    owner = user()
    chat = conversation(owner, home)
    note = message(chat)
    plain = user_file(owner, home)
    full = user_file(
        owner,
        home,
        created=5,
        file_name="Presupuesto 2026.xlsx",
        file_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        file_size=25 * 1024 * 1024,
        source=FileSource.WHATSAPP,
        conversation_id=chat.id,
        message_id=note.id,
        extraction_status=ExtractionStatus.NO_TEXT,
        extraction_note="scanned or image-only PDF: no text layer",
        remote_file_id="file-abc",
        remote_store_id="vs_123",
        remote_uploaded_at=at(7),
        sync_status=SyncStatus.SYNCED,
        sync_attempts=2,
        sync_error="timed out",
        synced_at=at(8),
    )
    await store(uow_factory, owner, chat, note, plain, full)
    async with uow_factory() as uow:
        assert await uow.files.get(home, plain.id) == plain
        assert await uow.files.get(home, full.id) == full
        assert await uow.files.get(home, uuid4()) is None


async def test_an_id_is_stored_once_and_the_owner_must_exist(
    uow_factory: UnitOfWorkFactory,
    home: UUID,
) -> None:
    owner = user()
    first = user_file(owner, home)
    await store(uow_factory, owner, first)
    async with uow_factory() as uow:
        with pytest.raises(Conflict):
            await uow.files.add(msgspec.structs.replace(first, file_name="other.pdf"))
        await uow.files.add(user_file(owner, home, created=1))  # still usable after the clash
        await uow.commit()
    async with uow_factory() as uow:
        with pytest.raises(NotFound):
            await uow.files.add(user_file(user(2), home))
    async with uow_factory() as uow:
        assert len((await uow.files.list(home, PageRequest(limit=10))).items) == 2


async def test_update_replaces_and_a_missing_file_is_not_found(
    uow_factory: UnitOfWorkFactory,
    home: UUID,
) -> None:
    owner = user()
    file = user_file(owner, home)
    await store(uow_factory, owner, file)
    synced = msgspec.structs.replace(
        file,
        extraction_status=ExtractionStatus.EXTRACTED,
        sync_status=SyncStatus.SYNCED,
        synced_at=at(3),
    )
    async with uow_factory() as uow:
        await uow.files.update(synced)
        with pytest.raises(NotFound):
            await uow.files.update(user_file(owner, home))
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.files.get(home, file.id) == synced


async def test_delete_forgets_the_file_and_is_idempotent(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    owner = user()
    kept, gone = user_file(owner, home), user_file(owner, home, created=1)
    await store(uow_factory, owner, kept, gone)
    async with uow_factory() as uow:
        await uow.files.delete(home, gone.id)
        await uow.files.delete(home, gone.id)
        await uow.files.delete(home, uuid4())
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.files.get(home, gone.id) is None
        assert await uow.files.get(home, kept.id) == kept


@pytest.mark.parametrize("order", list(Order))
async def test_listing_pages_through_a_members_files_in_order(
    uow_factory: UnitOfWorkFactory, home: UUID, order: Order
) -> None:
    ana, luis = user(1), user(2)
    anas = [user_file(ana, home, created=index // 2) for index in range(7)]  # ties on created_at
    luiss = [user_file(luis, home, created=index) for index in range(3)]
    await store(uow_factory, ana, luis, *anas, *luiss)
    async with uow_factory() as uow:
        mine = await walk(lambda page: uow.files.list(home, page, user_id=ana.id), 3, order)
        everyone = await walk(lambda page: uow.files.list(home, page), 4, order)
    assert [file for page in mine for file in page] == expected_order(anas, _key, order)
    assert [file for page in everyone for file in page] == expected_order(anas + luiss, _key, order)


async def test_deleting_the_member_deletes_their_files(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    ana, luis = user(1), user(2)
    anas, luiss = user_file(ana, home), user_file(luis, home)
    await store(uow_factory, ana, luis, anas, luiss)
    async with uow_factory() as uow:
        await uow.users.delete(ana.id)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.files.get(home, anas.id) is None
        assert await uow.files.get(home, luiss.id) == luiss


def _knowledge(admin: User, workspace_id: UUID, *, created: float = 0) -> UserFile:
    """A document of the workspace's knowledge base, which `admin` uploaded."""
    return msgspec.structs.replace(
        user_file(admin, workspace_id, created=created, file_name="handbook.pdf"),
        user_id=None,
        uploaded_by=admin.id,
    )


async def test_the_knowledge_base_and_members_files_are_listed_apart(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    admin, ana = user(1), user(2)
    documents = [_knowledge(admin, home, created=index) for index in range(3)]
    anas = [user_file(ana, home, created=index) for index in range(2)]
    await store(uow_factory, admin, ana, *documents, *anas)
    async with uow_factory() as uow:
        knowledge = await walk(
            lambda page: uow.files.list(home, page, shelf=Shelf.KNOWLEDGE), 2, Order.OLDEST_FIRST
        )
        members = await walk(
            lambda page: uow.files.list(home, page, shelf=Shelf.MEMBERS), 2, Order.OLDEST_FIRST
        )
        both = await walk(lambda page: uow.files.list(home, page), 2, Order.OLDEST_FIRST)
        assert await uow.files.get(home, documents[0].id) == documents[0]
    assert [file for page in knowledge for file in page] == documents
    assert [file for page in members for file in page] == anas
    assert len([file for page in both for file in page]) == 5


async def test_a_knowledge_document_outlives_the_admin_who_uploaded_it(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    admin = user(1)
    document = _knowledge(admin, home)
    await store(uow_factory, admin, document)
    async with uow_factory() as uow:
        await uow.users.delete(admin.id)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.files.get(home, document.id) == msgspec.structs.replace(
            document, uploaded_by=None
        )


async def test_needing_sync_lists_unfinished_and_ageing_files_oldest_first(
    uow_factory: UnitOfWorkFactory,
    home: UUID,
) -> None:
    owner = user()
    pending = user_file(owner, home, created=3)
    expired = user_file(owner, home, created=1, sync_status=SyncStatus.EXPIRED)
    ageing = user_file(
        owner, home, created=2, sync_status=SyncStatus.SYNCED, remote_uploaded_at=at(10)
    )
    fresh = user_file(
        owner, home, created=0, sync_status=SyncStatus.SYNCED, remote_uploaded_at=at(100)
    )
    local_only = user_file(owner, home, created=0, sync_status=SyncStatus.SYNCED)
    failed = user_file(owner, home, created=0, sync_status=SyncStatus.FAILED)
    await store(uow_factory, owner, pending, expired, ageing, fresh, local_only, failed)
    async with uow_factory() as uow:
        due = await uow.files.needing_sync(10, uploaded_before=at(50))
        assert due == [expired.id, ageing.id, pending.id]
        assert await uow.files.needing_sync(2, uploaded_before=at(50)) == due[:2]
        assert await uow.files.needing_sync(0, uploaded_before=at(50)) == []
        # No remote index, no copy that lapses: only what is unfinished.
        assert await uow.files.needing_sync(10, uploaded_before=None) == [expired.id, pending.id]
