"""The file library's use cases on the in-memory set with the real detector, extractor and
index: uploads checked by content, private paths, owners and admins, sync with its failures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from fpdf import FPDF

from ignacio.adapters.memory import InMemoryBlobStorage, InMemoryDocumentIndex
from ignacio.adapters.offline_assistant import OfflineAssistant
from ignacio.application.ports import IndexedFile, RemoteCopy
from ignacio.application.use_cases.create_conversation import CreateConversationCommand
from ignacio.application.use_cases.create_user import CreateUserCommand
from ignacio.application.use_cases.list_audit_log import AuditLogQuery
from ignacio.application.use_cases.manage_workspaces import CreateWorkspaceCommand
from ignacio.application.use_cases.send_message import SendMessageCommand
from ignacio.application.use_cases.workspace_members import AddMemberCommand
from ignacio.domain import (
    InboundMessage,
    InboundRevoke,
    MediaRef,
    MessageType,
    NotFound,
    PageRequest,
    PermissionDenied,
    PhoneNumber,
    Provider,
    Sender,
    TooLarge,
    UnsupportedFileType,
    UpstreamUnavailable,
    User,
)
from ignacio.domain.knowledge import (
    DOCX,
    MAX_FILE_BYTES,
    ExtractionStatus,
    FileSource,
    Passage,
    SyncStatus,
)
from ignacio.domain.workspaces import DEFAULT_SLUG, WorkspaceAccess
from tests.adapters.extraction import bombs
from tests.support.fakes import FakeClock, RecordingQueue
from tests.support.samples import ELF_PROGRAM, pdf, png
from tests.support.system import System, build_system

ANA, LUIS, ADMIN = "+34612345678", "+34612345679", "+34612345670"
ANSWER = (
    "The Action Lab budget for 2027 is forty thousand euros, split between workshops and mentoring."
)


class FlakyRemoteIndex:
    """A remote index (our port) that fails `failures` times, then keeps copies in memory,
    which lapse after a week as OpenAI's do."""

    retention = timedelta(days=7)

    def __init__(self, clock: FakeClock, failures: int = 0) -> None:
        self.clock = clock
        self.failures = failures
        self.inner = InMemoryDocumentIndex()
        self.uploads = 0
        self.removed: list[UUID] = []
        self.forgotten: list[UUID] = []

    async def index(self, file: IndexedFile) -> RemoteCopy | None:
        if self.failures:
            self.failures -= 1
            raise UpstreamUnavailable("OpenAI is not answering.")
        await self.inner.index(file)
        self.uploads += 1
        return RemoteCopy(
            file_id=f"file-{self.uploads}",
            store_id=f"vs_{(file.user_id or file.workspace_id).hex[:8]}",
            uploaded_at=self.clock.now(),
        )

    async def remove(self, workspace_id: UUID, user_id: UUID | None, file_id: UUID) -> None:
        self.removed.append(file_id)
        await self.inner.remove(workspace_id, user_id, file_id)

    async def forget_member(self, user_id: UUID) -> None:
        self.forgotten.append(user_id)
        await self.inner.forget_member(user_id)

    async def search(
        self, workspace_id: UUID, user_id: UUID, query: str, limit: int = 5
    ) -> list[Passage]:
        return await self.inner.search(workspace_id, user_id, query, limit)


@pytest.fixture
def system() -> System:
    system = build_system()
    system.container.job_queue.override(RecordingQueue())
    return system


async def member(system: System, phone: str, *, admin: bool = False) -> User:
    result = await system.container.create_user()(
        None, CreateUserCommand(phone=phone, name=phone[-2:], is_admin=admin)
    )
    return result


def queue(system: System) -> RecordingQueue:
    queued = system.container.job_queue()
    assert isinstance(queued, RecordingQueue)
    return queued


def storage(system: System) -> InMemoryBlobStorage:
    kept = system.container.blob_storage()
    assert isinstance(kept, InMemoryBlobStorage)
    return kept


async def sync_all(system: System) -> None:
    for file_id, _ in queue(system).syncs:
        await system.container.sync_file()(file_id)
    queue(system).syncs.clear()


async def test_an_upload_is_kept_privately_then_extracted_and_searchable(system: System) -> None:
    ana = await member(system, ANA)
    content = pdf("Meeting notes about the garden.", ANSWER)

    file = await system.container.upload_file()(
        await system.access(ana), "../../Budget 2027.pdf", content
    )

    assert file.file_name == "Budget 2027.pdf"
    assert file.file_path == f"users/{ana.id}/files/{file.id}/Budget 2027.pdf"
    assert file.file_type == "application/pdf"
    assert file.file_size == len(content)
    assert file.source is FileSource.WEB
    assert (file.sync_status, file.extraction_status) == (
        SyncStatus.PENDING,
        ExtractionStatus.PENDING,
    )
    assert storage(system).contents[file.file_path] == content
    assert queue(system).syncs == [(file.id, 0)]

    await sync_all(system)

    synced = await system.container.get_file()(await system.access(ana), file.id)
    assert synced.sync_status is SyncStatus.SYNCED
    assert synced.extraction_status is ExtractionStatus.EXTRACTED
    assert synced.synced_at is not None and synced.remote_file_id is None
    passages = await system.container.document_index().search(
        file.workspace_id, ana.id, "budget 2027 euros"
    )
    assert passages and passages[0].file_name == "Budget 2027.pdf"
    assert "forty thousand euros" in passages[0].text


async def test_the_content_decides_the_type_not_the_name(system: System) -> None:
    ana = await member(system, ANA)

    with pytest.raises(UnsupportedFileType):
        await system.container.upload_file()(await system.access(ana), "invoice.pdf", ELF_PROGRAM)
    with pytest.raises(UnsupportedFileType):
        await system.container.upload_file()(await system.access(ana), "empty.txt", b"")
    image = await system.container.upload_file()(await system.access(ana), "notes.txt", png())

    assert image.file_type == "image/png"
    assert image.extraction_status is ExtractionStatus.NOT_APPLICABLE
    assert list(storage(system).contents) == [image.file_path]


async def test_a_file_over_25_mb_is_refused_and_nothing_is_kept(system: System) -> None:
    ana = await member(system, ANA)

    with pytest.raises(TooLarge):
        await system.container.upload_file()(
            await system.access(ana), "big.txt", b"a" * (MAX_FILE_BYTES + 1)
        )

    assert storage(system).contents == {}
    page = await system.container.list_files()(await system.access(ana), PageRequest())
    assert page.items == []


async def test_only_the_owner_and_admins_reach_a_file(system: System) -> None:
    ana, luis = await member(system, ANA), await member(system, LUIS)
    admin = await member(system, ADMIN, admin=True)
    file = await system.container.upload_file()(
        await system.access(ana), "notes.txt", b"Plain notes for the lab."
    )

    for attempt in (
        system.container.get_file()(await system.access(luis), file.id),
        system.container.download_file()(await system.access(luis), file.id),
        system.container.delete_file()(await system.access(luis), file.id),
        system.container.get_file()(await system.access(ana), uuid4()),
    ):
        with pytest.raises(NotFound):
            await attempt
    with pytest.raises(PermissionDenied):
        await system.container.list_files()(
            await system.access(luis), PageRequest(), user_id=ana.id
        )
    assert (
        await system.container.list_files()(await system.access(luis), PageRequest())
    ).items == []

    assert await system.container.get_file()(await system.access(admin), file.id) == file
    downloaded = await system.container.download_file()(await system.access(admin), file.id)
    assert downloaded.content == b"Plain notes for the lab."
    listed = await system.container.list_files()(
        await system.access(admin), PageRequest(), user_id=ana.id
    )
    assert [item.id for item in listed.items] == [file.id]
    audit = await system.container.list_audit_log()(
        await system.access(admin), AuditLogQuery(page=PageRequest())
    )
    assert {entry.action for entry in audit.items} >= {"file.view", "file.download", "file.list"}


async def test_deleting_a_file_removes_blob_index_entries_and_remote_copy(system: System) -> None:
    remote = FlakyRemoteIndex(system.clock)
    system.container.remote_document_index.override(remote)
    ana = await member(system, ANA)
    file = await system.container.upload_file()(
        await system.access(ana), "plan.txt", ANSWER.encode()
    )
    await sync_all(system)
    assert await system.container.document_index().search(file.workspace_id, ana.id, "budget")

    await system.container.delete_file()(await system.access(ana), file.id)

    assert storage(system).contents == {}
    assert await system.container.document_index().search(file.workspace_id, ana.id, "budget") == []
    assert remote.removed == [file.id]
    with pytest.raises(NotFound):
        await system.container.get_file()(await system.access(ana), file.id)


async def test_deleting_a_member_leaves_nothing_of_theirs_in_any_index(system: System) -> None:
    remote = FlakyRemoteIndex(system.clock)
    system.container.remote_document_index.override(remote)
    admin = await member(system, ADMIN, admin=True)
    ana, luis = await member(system, ANA), await member(system, LUIS)
    for owner in (ana, luis):
        uploaded = await system.container.upload_file()(
            await system.access(owner), "plan.txt", ANSWER.encode()
        )
    await sync_all(system)
    here = uploaded.workspace_id
    index = system.container.document_index()

    await system.container.delete_user()(admin, ana.id)

    assert remote.forgotten == [ana.id]
    assert await remote.search(here, ana.id, "budget") == []
    assert await index.search(here, ana.id, "budget") == []
    assert await index.search(here, luis.id, "budget")
    assert await remote.search(here, luis.id, "budget")


async def test_attaching_a_file_makes_it_a_message_of_the_conversation(system: System) -> None:
    ana, luis = await member(system, ANA), await member(system, LUIS)
    chat = await system.container.create_conversation()(
        await system.access(ana), CreateConversationCommand()
    )

    with pytest.raises(NotFound):
        await system.container.attach_file()(await system.access(luis), chat.id, "x.txt", b"hello")
    attached = await system.container.attach_file()(
        await system.access(ana), chat.id, "plan.txt", ANSWER.encode(), caption="  Our budget  "
    )

    assert attached.file.id == attached.message.id
    assert attached.file.conversation_id == chat.id
    assert attached.message.content == "Our budget"
    assert attached.message.file_path == attached.file.file_path
    messages = await system.container.list_messages()(
        await system.access(ana), chat.id, PageRequest()
    )
    assert attached.reply is not None
    assert [message.id for message in messages.items] == [attached.reply.id, attached.message.id]
    assert len(storage(system).contents) == 1  # Luis's attempt stored nothing


async def test_the_assistant_reads_an_attached_document_with_its_caption(system: System) -> None:
    ana = await member(system, ANA)
    chat = await system.container.create_conversation()(
        await system.access(ana), CreateConversationCommand()
    )

    attached = await system.container.attach_file()(
        await system.access(ana),
        chat.id,
        "plan.txt",
        ANSWER.encode(),
        caption="What is the budget?",
    )

    [turn] = system.assistant.turns
    assert turn.message.content == "What is the budget?"
    assert turn.document is not None and turn.document.name == "plan.txt"
    assert "forty thousand" in turn.document.text
    assert not turn.wants_summary
    assert turn.files[0].id == attached.file.id
    assert attached.reply is not None
    assert attached.reply.reply_to_id is None  # web answers follow their question in time
    assert attached.reply.content == "echo: What is the budget? (history 0)"
    assert attached.reply.created_at > attached.message.created_at
    assert attached.reply.ai_model == "echo"


async def test_a_document_attached_without_a_caption_is_summarised(system: System) -> None:
    ana = await member(system, ANA)
    chat = await system.container.create_conversation()(
        await system.access(ana), CreateConversationCommand()
    )

    attached = await system.container.attach_file()(
        await system.access(ana), chat.id, "plan.txt", ANSWER.encode()
    )

    [turn] = system.assistant.turns
    assert turn.wants_summary
    assert attached.message.content == "plan.txt"  # what the thread shows


async def test_an_attached_photo_reaches_the_assistant_as_an_image(system: System) -> None:
    ana = await member(system, ANA)
    chat = await system.container.create_conversation()(
        await system.access(ana), CreateConversationCommand()
    )
    image = png()

    await system.container.attach_file()(
        await system.access(ana), chat.id, "photo.png", image, caption="What is it?"
    )

    [turn] = system.assistant.turns
    assert [(part.content, part.media_type) for part in turn.images] == [(image, "image/png")]
    assert turn.document is None


async def test_when_the_assistant_is_down_the_attachment_is_kept(system: System) -> None:
    ana = await member(system, ANA)
    chat = await system.container.create_conversation()(
        await system.access(ana), CreateConversationCommand()
    )
    system.assistant.failing = True

    with pytest.raises(UpstreamUnavailable):
        await system.container.attach_file()(
            await system.access(ana), chat.id, "plan.txt", ANSWER.encode()
        )

    messages = await system.container.list_messages()(
        await system.access(ana), chat.id, PageRequest()
    )
    [kept] = messages.items
    assert kept.content == "plan.txt"
    assert [
        file.id
        for file in (
            await system.container.list_files()(await system.access(ana), PageRequest())
        ).items
    ] == [kept.id]


async def test_sync_retries_a_remote_that_fails_then_succeeds(system: System) -> None:
    remote = FlakyRemoteIndex(system.clock, failures=2)
    system.container.remote_document_index.override(remote)
    ana = await member(system, ANA)
    file = await system.container.upload_file()(
        await system.access(ana), "plan.txt", ANSWER.encode()
    )
    sync = system.container.sync_file()

    first, second, third = [await sync(file.id) for _ in range(3)]

    assert first is not None and second is not None and third is None
    synced = await system.container.get_file()(await system.access(ana), file.id)
    assert synced.sync_status is SyncStatus.SYNCED
    assert (synced.remote_file_id, synced.sync_attempts, synced.sync_error) == ("file-1", 0, None)
    assert synced.remote_store_id and synced.remote_uploaded_at
    assert await sync(file.id) is None and remote.uploads == 1  # idempotent


async def test_sync_gives_up_after_the_policy_and_records_why(system: System) -> None:
    system.container.remote_document_index.override(FlakyRemoteIndex(system.clock, failures=100))
    ana = await member(system, ANA)
    file = await system.container.upload_file()(
        await system.access(ana), "plan.txt", ANSWER.encode()
    )
    sync = system.container.sync_file()

    outcomes = [await sync(file.id) for _ in range(10)]

    assert outcomes[-1] is None
    failed = await system.container.get_file()(await system.access(ana), file.id)
    assert failed.sync_status is SyncStatus.FAILED
    assert failed.sync_error == "OpenAI is not answering."


async def test_an_expired_remote_copy_is_uploaded_again(system: System) -> None:
    remote = FlakyRemoteIndex(system.clock)
    system.container.remote_document_index.override(remote)
    ana = await member(system, ANA)
    file = await system.container.upload_file()(
        await system.access(ana), "plan.txt", ANSWER.encode()
    )
    await sync_all(system)
    assert await system.container.queue_file_syncs()() == 0

    system.clock.advance(days=8)
    assert await system.container.queue_file_syncs()() == 1
    await sync_all(system)

    again = await system.container.get_file()(await system.access(ana), file.id)
    assert again.sync_status is SyncStatus.SYNCED
    assert (remote.uploads, again.remote_file_id) == (2, "file-2")


async def test_a_scanned_pdf_is_synced_with_no_text_recorded(system: System) -> None:
    ana = await member(system, ANA)
    document = FPDF()
    document.add_page()
    document.image(_png_file(), x=10, y=10, w=50)
    file = await system.container.upload_file()(
        await system.access(ana), "scan.pdf", bytes(document.output())
    )
    await sync_all(system)

    scanned = await system.container.get_file()(await system.access(ana), file.id)
    assert scanned.sync_status is SyncStatus.SYNCED
    assert scanned.extraction_status is ExtractionStatus.NO_TEXT
    assert scanned.extraction_note


async def test_resync_reindexes_every_file_of_a_member(system: System) -> None:
    ana, luis = await member(system, ANA), await member(system, LUIS)
    mine = await system.container.upload_file()(
        await system.access(ana), "plan.txt", ANSWER.encode()
    )
    await system.container.upload_file()(
        await system.access(luis), "other.txt", b"Other notes entirely."
    )
    await sync_all(system)
    seen: list[tuple[int, int]] = []

    report = await system.container.resync_files()(
        user_id=ana.id, progress=lambda done, total: seen.append((done, total))
    )

    assert (report.total, report.synced, report.failed) == (1, 1, 0)
    assert seen == [(1, 1)]
    assert (await system.container.get_file()(await system.access(ana), mine.id)).sync_status is (
        SyncStatus.SYNCED
    )


def _png_file() -> str:
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".png", delete=False) as out:
        out.write(png(64, 64))
        return out.name


async def test_a_document_sent_on_whatsapp_joins_the_library_and_is_searchable(
    system: System,
) -> None:
    content = pdf(ANSWER)
    system.media.media["media-9"] = (content, "application/pdf")
    received = await system.container.receive_inbound()(
        InboundMessage(
            provider=Provider.WHATSAPP_CLOUD,
            external_id="wamid.doc",
            sender=Sender(phone=PhoneNumber.parse(ANA)),
            profile_name="Ana",
            sent_at=datetime(2026, 11, 22, 9, 0, tzinfo=UTC),
            message_type=MessageType.DOCUMENT,
            text="",
            media=MediaRef(
                provider_media_id="media-9", mime_type="application/pdf", filename="Plan.pdf"
            ),
        )
    )
    assert received.message_id is not None
    await system.container.process_inbound()(received.message_id)
    await sync_all(system)

    async with system.container.uow()() as uow:
        file = await uow.files.find(received.message_id)
    assert file is not None
    assert (file.source, file.file_name, file.message_id) == (
        FileSource.WHATSAPP,
        "Plan.pdf",
        received.message_id,
    )
    assert file.sync_status is SyncStatus.SYNCED
    passages = await system.container.document_index().search(
        file.workspace_id, file.user_id, "budget euros"
    )
    assert [passage.file_name for passage in passages][:1] == ["Plan.pdf"]


async def test_a_document_the_member_deletes_on_whatsapp_leaves_their_library(
    system: System,
) -> None:
    system.media.media["media-9"] = (pdf(ANSWER), "application/pdf")
    sender = Sender(phone=PhoneNumber.parse(ANA))
    at = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    received = await system.container.receive_inbound()(
        InboundMessage(
            provider=Provider.WHATSAPP_CLOUD,
            external_id="wamid.doc",
            sender=sender,
            sent_at=at,
            message_type=MessageType.DOCUMENT,
            text="",
            media=MediaRef(
                provider_media_id="media-9", mime_type="application/pdf", filename="Plan.pdf"
            ),
        )
    )
    assert received.message_id is not None
    await system.container.process_inbound()(received.message_id)
    await sync_all(system)
    async with system.container.uow()() as uow:
        file = await uow.files.find(received.message_id)
    assert file is not None and file.file_path in storage(system).contents

    await system.container.revise_inbound()(
        InboundRevoke(
            provider=Provider.WHATSAPP_CLOUD,
            external_id="wamid.revoke",
            original_external_id="wamid.doc",
            sender=sender,
            sent_at=at + timedelta(minutes=1),
        )
    )

    async with system.container.uow()() as uow:
        assert await uow.files.find(received.message_id) is None
        message = await uow.messages.get(received.message_id)
    assert message is not None and message.is_revoked
    assert file.file_path not in storage(system).contents
    assert (
        await system.container.document_index().search(
            file.workspace_id, file.user_id, "budget euros"
        )
        == []
    )


async def test_a_zip_bomb_sent_on_whatsapp_is_kept_failed_and_the_member_told_why(
    system: System,
) -> None:
    bomb = bombs.docx_bomb(200 * 1024 * 1024)
    system.media.media["media-bomb"] = (bomb, DOCX)
    received = await system.container.receive_inbound()(
        InboundMessage(
            provider=Provider.WHATSAPP_CLOUD,
            external_id="wamid.bomb",
            sender=Sender(phone=PhoneNumber.parse(ANA)),
            profile_name="Ana",
            sent_at=datetime(2026, 11, 22, 9, 0, tzinfo=UTC),
            message_type=MessageType.DOCUMENT,
            text="",
            media=MediaRef(provider_media_id="media-bomb", mime_type=DOCX, filename="Big.docx"),
        )
    )
    assert received.message_id is not None
    await system.container.process_inbound()(received.message_id)
    await sync_all(system)

    why = (
        "this Word document has a part that expands more than 100 times over once "
        "uncompressed, as zip bombs do"
    )
    (turn,) = system.assistant.turns
    assert turn.document is not None
    assert (turn.document.name, turn.document.text, turn.document.note) == ("Big.docx", "", why)
    async with system.container.uow()() as uow:
        file = await uow.files.find(received.message_id)
    assert file is not None
    assert (file.extraction_status, file.extraction_note) == (ExtractionStatus.FAILED, why)
    assert file.sync_status is SyncStatus.SYNCED
    assert await storage(system).get(file.file_path) == bomb


async def test_how_long_a_remote_copy_lives_is_the_remote_index_s_to_say(system: System) -> None:
    remote = FlakyRemoteIndex(system.clock)
    remote.retention = timedelta(days=1)
    system.container.remote_document_index.override(remote)
    ana = await member(system, ANA)
    await system.container.upload_file()(await system.access(ana), "plan.txt", ANSWER.encode())
    await sync_all(system)

    system.clock.advance(days=2)
    assert await system.container.queue_file_syncs()() == 1


async def test_without_a_remote_index_no_copy_lapses(system: System) -> None:
    # Copies made while a vector store was configured stay recorded once it is turned off.
    remote = FlakyRemoteIndex(system.clock)
    system.container.remote_document_index.override(remote)
    ana = await member(system, ANA)
    await system.container.upload_file()(await system.access(ana), "plan.txt", ANSWER.encode())
    await sync_all(system)
    system.container.remote_document_index.override(None)

    system.clock.advance(days=30)
    assert await system.container.queue_file_syncs()() == 0


async def test_a_file_given_to_one_workspace_is_never_quoted_by_anothers_assistant(
    system: System,
) -> None:
    """Ana belongs to two organisations' workspaces and gave the lab its board minutes: the
    lab's assistant answers from them, the other workspace's finds nothing."""
    system.container.assistant.override(OfflineAssistant(system.container.document_index()))
    ana = await member(system, ANA)
    lab = await system.container.create_workspace()(None, CreateWorkspaceCommand(name="Lab"))
    await system.container.add_workspace_member()(None, lab.slug, AddMemberCommand(phone=ANA))
    in_lab = await system.access(ana, lab.slug)
    at_home = await system.access(ana, DEFAULT_SLUG)
    minutes = "The board approved the merger with Acme, to be signed in March."
    await system.container.upload_file()(in_lab, "board minutes.txt", minutes.encode())
    await sync_all(system)
    question = "What did the board approve about the merger with Acme?"

    async def asked(access: WorkspaceAccess) -> str:
        chat = await system.container.create_conversation()(access, CreateConversationCommand())
        turn = await system.container.send_message()(
            access, SendMessageCommand(conversation_id=chat.id, content=question)
        )
        assert turn.reply is not None
        return turn.reply.content

    from_lab = await asked(in_lab)
    assert from_lab.startswith("Here is what I found in your files:")
    assert "board minutes.txt" in from_lab
    assert "merger with Acme" in from_lab
    from_home = await asked(at_home)
    assert "Here is what I found in your files" not in from_home
    assert "board minutes" not in from_home
    assert "Acme" not in from_home
    index = system.container.document_index()
    assert await index.search(at_home.workspace.id, ana.id, question) == []


async def test_a_knowledge_document_that_failed_is_resynced_with_a_fresh_budget(
    system: System,
) -> None:
    remote = FlakyRemoteIndex(system.clock, failures=100)
    system.container.remote_document_index.override(remote)
    admin = await member(system, ADMIN, admin=True)
    ana = await member(system, ANA)
    document = await system.container.upload_knowledge()(
        admin, DEFAULT_SLUG, "handbook.txt", ANSWER.encode()
    )
    assert (document.user_id, document.uploaded_by) == (None, admin.id)
    assert document.file_path.startswith(f"workspaces/{document.workspace_id}/knowledge/")
    sync = system.container.sync_file()
    while await sync(document.id) is not None:
        pass
    failed = await system.container.get_knowledge()(admin, DEFAULT_SLUG, document.id)
    assert failed.sync_status is SyncStatus.FAILED

    remote.failures = 0
    queue(system).syncs.clear()
    pending = await system.container.resync_knowledge()(admin, DEFAULT_SLUG, document.id)
    assert (pending.sync_status, pending.sync_attempts, pending.sync_error) == (
        SyncStatus.PENDING,
        0,
        None,
    )
    assert [file_id for file_id, _ in queue(system).syncs] == [document.id]
    await sync_all(system)

    synced = await system.container.get_knowledge()(admin, DEFAULT_SLUG, document.id)
    assert synced.sync_status is SyncStatus.SYNCED
    found = await system.container.document_index().search(document.workspace_id, ana.id, "budget")
    assert [(p.file_id, p.knowledge) for p in found] == [(document.id, True)]

    await system.container.delete_knowledge()(admin, DEFAULT_SLUG, document.id)

    assert storage(system).contents == {}
    assert remote.removed == [document.id]
    assert (
        await system.container.document_index().search(document.workspace_id, ana.id, "budget")
        == []
    )
