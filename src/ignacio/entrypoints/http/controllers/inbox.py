"""The team inbox: a workspace's conversations for its agents and admins, and the team stepping
in (`/workspaces/{id or short name}/inbox`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from uuid import UUID

from litestar import Controller, delete, get, post
from litestar.datastructures import UploadFile as UploadedPart
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from ignacio.application.ports.conversations import InboxFilter
from ignacio.application.use_cases.summaries import GetSummary, SummarizeConversation
from ignacio.application.use_cases.team_inbox import (
    CloseConversation,
    GetInboxThread,
    HandBackConversation,
    InboxQuery,
    KnowledgeDocument,
    ListInbox,
    MarkConversationRead,
    ReplyAsTeam,
    SendFileAsTeam,
    SendTemplate,
    TakeConversation,
    ThreadMessages,
    UploadedFile,
)
from ignacio.domain import Channel, Order, without_nul
from ignacio.domain.handover import ConversationState
from ignacio.domain.workspaces import WorkspaceAccess
from ignacio.entrypoints.http.controllers.files import MAX_UPLOAD_BODY, Multipart
from ignacio.entrypoints.http.dependencies import (
    Cursor,
    Limit,
    OrderQuery,
    page_request,
    provide_named_workspace,
)
from ignacio.entrypoints.http.error_responses import NAMED_WORKSPACE, error_responses
from ignacio.entrypoints.http.inbox_schemas import (
    DocumentBody,
    InboxConversationOut,
    InboxThreadOut,
    ReplyBody,
    SummaryOut,
    TakeBody,
    TeamMessageOut,
    TemplateBody,
)
from ignacio.entrypoints.http.schemas import PageOut, page_out

StateQuery = Annotated[
    list[ConversationState] | None,
    QueryParameter(
        name="state",
        description="Only conversations in these states (repeat it for several).",
    ),
]
AssigneeQuery = Annotated[
    UUID | None, QueryParameter(name="assignee", description="Only what this person has.")
]
ChannelQuery = Annotated[Channel | None, QueryParameter(name="channel")]
UnreadQuery = Annotated[
    bool | None,
    QueryParameter(name="unread", description="With (true) or without (false) unread messages."),
]
MineQuery = Annotated[
    bool, QueryParameter(name="mine", description="Only the conversations the caller has.")
]
QualifiedQuery = Annotated[
    bool | None,
    QueryParameter(
        name="qualified",
        description="Members who answered every required workflow step (true), or not yet (false).",
    ),
]
SearchQuery = Annotated[
    str | None, QueryParameter(name="search", max_length=100, description="In the title.")
]


@dataclass
class TeamFileForm:
    """`multipart/form-data`: the file in `file`, and an optional `caption` to go with it."""

    file: UploadedPart
    caption: str | None = None


class InboxController(Controller):
    path = "/workspaces/{workspace:str}/inbox"
    tags = ["inbox"]
    dependencies = {NAMED_WORKSPACE: Provide(provide_named_workspace)}

    @get("/", responses=error_responses(403, 404))
    async def list_inbox(
        self,
        team_access: NamedDependency[WorkspaceAccess],
        list_inbox: NamedDependency[ListInbox],
        states: StateQuery = None,
        assignee: AssigneeQuery = None,
        channel: ChannelQuery = None,
        unread: UnreadQuery = None,
        mine: MineQuery = False,
        search: SearchQuery = None,
        qualified: QualifiedQuery = None,
        limit: Limit = 50,
        cursor: Cursor = None,
        order: OrderQuery = Order.NEWEST_FIRST,
    ) -> PageOut[InboxConversationOut]:
        """The workspace's conversations by newest activity, for its agents and admins: each
        with who answers it, its member, its last message and the caller's unread count."""
        page = await list_inbox(
            team_access,
            InboxQuery(
                page=page_request(limit, cursor, order),
                filter=InboxFilter(
                    states=frozenset(states) if states else None,
                    assignee_id=assignee,
                    channel=channel,
                    unread=unread,
                    search=search,
                ),
                mine=mine,
                qualified=qualified,
            ),
        )
        return page_out(page, InboxConversationOut.of_line)

    @get("/{conversation_id:uuid}", responses=error_responses(403, 404))
    async def get_thread(
        self,
        team_access: NamedDependency[WorkspaceAccess],
        get_inbox_thread: NamedDependency[GetInboxThread],
        conversation_id: FromPath[UUID],
    ) -> InboxThreadOut:
        """One conversation: its member, who answers it, and its changes of state."""
        return InboxThreadOut.of(await get_inbox_thread(team_access, conversation_id))

    @get("/{conversation_id:uuid}/messages", responses=error_responses(403, 404))
    async def thread_messages(
        self,
        team_access: NamedDependency[WorkspaceAccess],
        thread_messages: NamedDependency[ThreadMessages],
        conversation_id: FromPath[UUID],
        limit: Limit = 50,
        cursor: Cursor = None,
        order: OrderQuery = Order.NEWEST_FIRST,
    ) -> PageOut[TeamMessageOut]:
        """A page of the conversation's messages, with who of the team wrote each by hand and,
        for one not delivered, the provider's code and reason and what they mean."""
        thread = await thread_messages(
            team_access, conversation_id, page_request(limit, cursor, order)
        )
        return page_out(
            thread.messages,
            lambda message: TeamMessageOut.of_team(message, thread.people, thread.failures),
        )

    @post(
        "/{conversation_id:uuid}/summary",
        status_code=HTTP_201_CREATED,
        responses=error_responses(403, 404, 409, 503),
    )
    async def summarize(
        self,
        team_access: NamedDependency[WorkspaceAccess],
        summarize_conversation: NamedDependency[SummarizeConversation],
        conversation_id: FromPath[UUID],
    ) -> SummaryOut:
        """A summary of the conversation now (who the member is, what they want, what was done
        or promised, what is still open), kept with the model and tokens it cost. 409 when it
        has no messages; 503 when the model is unavailable (nothing is kept). A conversation
        handed to the team gets one by itself, in the background."""
        return SummaryOut.of(await summarize_conversation(team_access, conversation_id))

    @get("/{conversation_id:uuid}/summary", responses=error_responses(403, 404))
    async def get_summary(
        self,
        team_access: NamedDependency[WorkspaceAccess],
        get_summary: NamedDependency[GetSummary],
        conversation_id: FromPath[UUID],
    ) -> SummaryOut:
        """The conversation's newest summary, `stale` when it has newer messages; 404 when it
        has none."""
        return SummaryOut.of(await get_summary(team_access, conversation_id))

    @post(
        "/{conversation_id:uuid}/take",
        status_code=HTTP_200_OK,
        responses=error_responses(400, 403, 404, 409),
    )
    async def take(
        self,
        team_access: NamedDependency[WorkspaceAccess],
        take_conversation: NamedDependency[TakeConversation],
        get_inbox_thread: NamedDependency[GetInboxThread],
        conversation_id: FromPath[UUID],
        data: JSONBody[TakeBody | None] = None,
    ) -> InboxThreadOut:
        """Take the conversation (or give it to `assigneeId`, an agent or admin): the assistant
        stays silent until it is handed back. 409 if someone changed it a moment ago."""
        await take_conversation(
            team_access, conversation_id, data.assignee_id if data is not None else None
        )
        return InboxThreadOut.of(await get_inbox_thread(team_access, conversation_id))

    @post(
        "/{conversation_id:uuid}/hand-back",
        status_code=HTTP_200_OK,
        responses=error_responses(403, 404, 409),
    )
    async def hand_back(
        self,
        team_access: NamedDependency[WorkspaceAccess],
        hand_back_conversation: NamedDependency[HandBackConversation],
        get_inbox_thread: NamedDependency[GetInboxThread],
        conversation_id: FromPath[UUID],
    ) -> InboxThreadOut:
        """Give the conversation back to the assistant, which answers the member's next message."""
        await hand_back_conversation(team_access, conversation_id)
        return InboxThreadOut.of(await get_inbox_thread(team_access, conversation_id))

    @post(
        "/{conversation_id:uuid}/close",
        status_code=HTTP_200_OK,
        responses=error_responses(403, 404, 409),
    )
    async def close(
        self,
        team_access: NamedDependency[WorkspaceAccess],
        close_conversation: NamedDependency[CloseConversation],
        get_inbox_thread: NamedDependency[GetInboxThread],
        conversation_id: FromPath[UUID],
    ) -> InboxThreadOut:
        """Close the conversation; the member's next message opens it again, with the assistant."""
        await close_conversation(team_access, conversation_id)
        return InboxThreadOut.of(await get_inbox_thread(team_access, conversation_id))

    @post(
        "/{conversation_id:uuid}/replies",
        status_code=HTTP_201_CREATED,
        responses=error_responses(400, 403, 404, 409),
    )
    async def reply(
        self,
        team_access: NamedDependency[WorkspaceAccess],
        reply_as_team: NamedDependency[ReplyAsTeam],
        conversation_id: FromPath[UUID],
        data: JSONBody[ReplyBody],
    ) -> TeamMessageOut:
        """Write to the member by hand, on the conversation's channel. Takes the conversation
        when the assistant or the waiting line has it. On WhatsApp the reply is sent in the
        background (follow its `deliveryStatus`); 409 outside WhatsApp's 24-hour window."""
        result = await reply_as_team(team_access, conversation_id, data.content)
        return TeamMessageOut.of_team(result.message, {team_access.user.id: team_access.user})

    @post(
        "/{conversation_id:uuid}/files",
        status_code=HTTP_201_CREATED,
        request_max_body_size=MAX_UPLOAD_BODY,
        responses=error_responses(400, 403, 404, 409, 413, 415),
    )
    async def send_file(
        self,
        team_access: NamedDependency[WorkspaceAccess],
        send_file_as_team: NamedDependency[SendFileAsTeam],
        conversation_id: FromPath[UUID],
        data: Annotated[TeamFileForm, Multipart],
    ) -> TeamMessageOut:
        """Send the member a file from your computer (25 MB at most; its type is decided by its
        content) with an optional caption (1,024 characters at most). It joins the member's
        files. On WhatsApp a JPEG or PNG goes as a photo and anything else as a document. Like a
        reply: it takes the conversation, goes out in the background on WhatsApp, and is refused
        (409) outside the 24-hour window."""
        source = UploadedFile(file_name=data.file.filename, content=await data.file.read())
        # Multipart bypasses ClientRequest's cleaning of outside text; the caption is cleaned here.
        caption = None if data.caption is None else without_nul(data.caption)
        result = await send_file_as_team(team_access, conversation_id, source, caption)
        return TeamMessageOut.of_team(result.message, {team_access.user.id: team_access.user})

    @post(
        "/{conversation_id:uuid}/documents",
        status_code=HTTP_201_CREATED,
        responses=error_responses(400, 403, 404, 409),
    )
    async def send_document(
        self,
        team_access: NamedDependency[WorkspaceAccess],
        send_file_as_team: NamedDependency[SendFileAsTeam],
        conversation_id: FromPath[UUID],
        data: JSONBody[DocumentBody],
    ) -> TeamMessageOut:
        """Send the member a document of the workspace's knowledge base, as `/files` sends an
        upload: a copy joins the member's files, so they keep it whatever becomes of the
        original. 404 when the knowledge base has no such document."""
        source = KnowledgeDocument(document_id=data.document_id)
        result = await send_file_as_team(team_access, conversation_id, source, data.caption)
        return TeamMessageOut.of_team(result.message, {team_access.user.id: team_access.user})

    @post(
        "/{conversation_id:uuid}/template",
        status_code=HTTP_201_CREATED,
        responses=error_responses(400, 403, 404, 409),
    )
    async def send_template(
        self,
        team_access: NamedDependency[WorkspaceAccess],
        send_template: NamedDependency[SendTemplate],
        conversation_id: FromPath[UUID],
        data: JSONBody[TemplateBody],
    ) -> TeamMessageOut:
        """Send the workspace's approved template (its variables filled in) on WhatsApp: the
        one message allowed outside the 24-hour window. 409 when the workspace has none (an
        admin sets `replyTemplate` on the workspace); 400 for a web conversation or wrong values."""
        result = await send_template(team_access, conversation_id, data.parameters)
        return TeamMessageOut.of_team(result.message, {team_access.user.id: team_access.user})

    @post(
        "/{conversation_id:uuid}/read",
        status_code=HTTP_204_NO_CONTENT,
        responses=error_responses(403, 404),
    )
    async def mark_read(
        self,
        team_access: NamedDependency[WorkspaceAccess],
        mark_conversation_read: NamedDependency[MarkConversationRead],
        conversation_id: FromPath[UUID],
    ) -> None:
        """Mark everything the member wrote so far read, for the caller."""
        await mark_conversation_read(team_access, conversation_id, read=True)

    @delete(
        "/{conversation_id:uuid}/read",
        status_code=HTTP_204_NO_CONTENT,
        responses=error_responses(400, 403, 404),
    )
    async def mark_unread(
        self,
        team_access: NamedDependency[WorkspaceAccess],
        mark_conversation_read: NamedDependency[MarkConversationRead],
        conversation_id: FromPath[UUID],
    ) -> None:
        """Mark the conversation unread for the caller, from the member's last message."""
        await mark_conversation_read(team_access, conversation_id, read=False)


__all__ = ["InboxController"]
