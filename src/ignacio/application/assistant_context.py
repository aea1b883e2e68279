"""What the use cases that ask the assistant gather for it besides the conversation."""

from __future__ import annotations

import mimetypes
from collections.abc import Sequence
from uuid import UUID

from ignacio.application.auditing import Auditor
from ignacio.application.events import message_added
from ignacio.application.handover import (
    apply_change,
    member_asks_for_a_person,
    summarise_if_handed_off,
)
from ignacio.application.ports import (
    AssistantReply,
    AssistantTurn,
    BlobStorage,
    Clock,
    DocumentInput,
    IdGenerator,
    ImageInput,
    JobQueue,
    TextExtractor,
    TurnMessage,
    UnitOfWork,
    UnitOfWorkFactory,
)
from ignacio.domain import (
    Channel,
    Conversation,
    Message,
    MessageType,
    NotFound,
    PageRequest,
    User,
)
from ignacio.domain.answers import render_answer
from ignacio.domain.handover import StateChange, asks_for_a_person
from ignacio.domain.knowledge import ExtractionStatus, Shelf, UserFile
from ignacio.domain.workflow import Progress, Workflow
from ignacio.domain.workspaces import Workspace

FILES_IN_CONTEXT = 50
"""The member's newest files the assistant is told about by name; it searches all of them."""
DOCUMENT_CHARS = 60_000
"""How much of a document's text goes to the assistant with it (about 15,000 tokens)."""


async def files_of(uow: UnitOfWork, workspace_id: UUID, user_id: UUID) -> list[UserFile]:
    """The member's newest files in the workspace, newest first."""
    page = await uow.files.list(workspace_id, PageRequest(limit=FILES_IN_CONTEXT), user_id=user_id)
    return list(page.items)


async def knowledge_of(uow: UnitOfWork, workspace_id: UUID) -> list[UserFile]:
    """The newest documents of the workspace's knowledge base, newest first."""
    page = await uow.files.list(
        workspace_id, PageRequest(limit=FILES_IN_CONTEXT), shelf=Shelf.KNOWLEDGE
    )
    return list(page.items)


async def steps_of(uow: UnitOfWork, workspace_id: UUID, user_id: UUID) -> tuple[Workflow, Progress]:
    """The workspace's workflow steps and the member's answers to them, for the assistant to
    weave the open ones into the conversation."""
    workflow = await uow.workflows.get(workspace_id)
    if not workflow.steps:
        return workflow, Progress(workspace_id=workspace_id, user_id=user_id)
    return workflow, await uow.workflows.progress(workspace_id, user_id)


def with_accounting(answer: Message, reply: AssistantReply | None) -> Message:
    """The answer with what producing it cost (seed 002), from the reply that produced it."""
    if reply is None:
        return answer
    return answer.costing(
        model=reply.model,
        input_tokens=reply.input_tokens,
        output_tokens=reply.output_tokens,
        latency_ms=reply.latency_ms,
    )


async def store_web_answer(
    uow: UnitOfWorkFactory,
    clock: Clock,
    ids: IdGenerator,
    auditor: Auditor,
    queue: JobQueue,
    conversation: Conversation,
    answered: Message,
    reply: AssistantReply,
) -> Message | None:
    """Keep the assistant's reply to a member's message on the web: Markdown, with what it cost,
    and the conversation moved to the top of the member's list; the conversation handed to the
    team if the assistant said so (and, once that is committed, its summary queued). None,
    keeping nothing, when the team took the conversation while the assistant thought (the row
    lock orders the two)."""
    change: StateChange | None = None
    async with uow() as work:
        current = await work.conversations.get(
            conversation.workspace_id, conversation.id, for_update=True
        )
        if current is None or current.state.with_team:
            return None
        now = clock.now()
        answer = Message.answer(
            answered,
            id=ids.new_id(),
            content=render_answer(reply.text, reply.answer, Channel.WEB),
            at=now,
        )
        answer = with_accounting(answer, reply)
        await work.messages.add(answer)
        await message_added(work, answer, now)
        await work.conversations.update(current.active_at(now))
        if reply.handoff is not None:
            after, change = current.handed_off(
                id=ids.new_id(),
                actor=reply.handoff.actor,
                actor_id=answered.user_id if reply.handoff.by_member else None,
                reason=reply.handoff.reason,
                at=now,
            )
            await apply_change(work, auditor, current, after, change)
        await work.commit()
    await summarise_if_handed_off(queue, change)
    return answer


async def member_wrote_on_the_web(
    work: UnitOfWork,
    ids: IdGenerator,
    clock: Clock,
    auditor: Auditor,
    workspace: Workspace,
    conversation: Conversation,
    message: Message,
) -> tuple[Conversation, Message | None]:
    """After the member's message is stored: a closed conversation opens again; `/human` hands
    it to the team. Returns the conversation as it now stands, and the notice the member is
    given when it was handed over (the answer to their message; None otherwise: the caller
    queues the team's summary, once it has committed, exactly when there is one)."""
    after, change = conversation.reopened(id=ids.new_id(), at=message.created_at)
    await apply_change(work, auditor, conversation, after, change)
    if not asks_for_a_person(message.content):
        return after, None
    return await member_asks_for_a_person(
        work, ids, clock, auditor, workspace, after, message.created_at
    )


class AttachmentReader:
    """What the assistant is given of the file a member just sent, on WhatsApp or on the web: a
    photo as an image, a document as its text (to read, or to summarise when it came alone)."""

    def __init__(self, storage: BlobStorage, extractor: TextExtractor | None) -> None:
        self._storage = storage
        self._extractor = extractor

    async def turn(
        self,
        workspace: Workspace,
        user: User,
        conversation: Conversation,
        history: list[Message],
        message: Message,
        files: list[UserFile],
        *,
        knowledge: list[UserFile] | None = None,
        question: str | None = None,
        steps: tuple[Workflow, Progress] | None = None,
        earlier: Sequence[Message] = (),
    ) -> AssistantTurn:
        """The turn that answers `message`, with what it carries; `question`, when given, is
        what the assistant is asked instead of the message's text. `earlier`: the member's
        messages of the same burst before it, answered with it, each with what it carries."""
        asked = message if question is None else message.reworded(question)
        return AssistantTurn(
            earlier=[
                TurnMessage(
                    message=said,
                    images=await self.images(said),
                    document=await self.document(said, files),
                )
                for said in earlier
            ],
            workspace=workspace,
            user=user,
            conversation=conversation,
            history=history,
            message=asked,
            files=files,
            knowledge=knowledge or [],
            images=await self.images(message),
            document=await self.document(message, files),
            workflow=steps[0] if steps is not None else Workflow(),
            progress=steps[1] if steps is not None else None,
        )

    async def images(self, message: Message) -> list[ImageInput]:
        if message.message_type is not MessageType.IMAGE or message.file_path is None:
            return []
        try:
            content = await self._storage.get(message.file_path)
        except NotFound:
            return []
        return [ImageInput(content=content, media_type=media_type_of(message))]

    async def document(self, message: Message, files: list[UserFile]) -> DocumentInput | None:
        if (
            self._extractor is None
            or message.message_type is not MessageType.DOCUMENT
            or message.file_path is None
        ):
            return None
        try:
            content = await self._storage.get(message.file_path)
        except NotFound:
            return None
        # The library's copy knows the type detected from the content; the provider's is a claim.
        kept = next((file for file in files if file.file_path == message.file_path), None)
        media_type = kept.file_type if kept is not None else media_type_of(message)
        extraction = await self._extractor.extract(content, media_type)
        text = ""
        if extraction.status is ExtractionStatus.EXTRACTED:
            text = "\n\n".join(
                f"[{section.location}] {section.text}" if section.location else section.text
                for section in extraction.sections
            )
        return DocumentInput(
            name=kept.file_name if kept is not None else message.file_path.rsplit("/", 1)[-1],
            text=text[:DOCUMENT_CHARS],
            truncated=len(text) > DOCUMENT_CHARS,
            note=None if text else extraction.note,
        )


def media_type_of(message: Message) -> str:
    """The media type the provider gave, else the one the stored file's name suggests."""
    given = message.media.mime_type if message.media is not None else None
    if given:
        return given.split(";")[0].strip()
    guessed, _ = mimetypes.guess_type(message.file_path or "")
    return guessed or "application/octet-stream"
