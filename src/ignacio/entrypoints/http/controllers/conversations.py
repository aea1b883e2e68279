"""A member's conversations and messages."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from ignacio.application.use_cases.create_conversation import (
    CreateConversation,
    CreateConversationCommand,
)
from ignacio.application.use_cases.list_conversations import (
    ListConversations,
    ListConversationsQuery,
)
from ignacio.application.use_cases.list_messages import ListMessages
from ignacio.application.use_cases.member_conversation import (
    AskForAPerson,
    GetMemberConversation,
)
from ignacio.application.use_cases.send_message import SendMessage, SendMessageCommand
from ignacio.domain import Order
from ignacio.domain.workspaces import WorkspaceAccess
from ignacio.entrypoints.http.dependencies import Cursor, Limit, OrderQuery, page_request
from ignacio.entrypoints.http.error_responses import error_responses
from ignacio.entrypoints.http.schemas import (
    AskedForAPersonOut,
    ConversationOut,
    CreateConversationBody,
    MemberConversationOut,
    MessageOut,
    PageOut,
    SendMessageBody,
    TurnOut,
    page_out,
)

TitleSearch = Annotated[str | None, QueryParameter(max_length=100, description="Part of a title")]


class ConversationController(Controller):
    path = "/conversations"
    tags = ["conversations"]

    @get("/")
    async def list_conversations(
        self,
        workspace_access: NamedDependency[WorkspaceAccess],
        list_conversations: NamedDependency[ListConversations],
        limit: Limit = 50,
        cursor: Cursor = None,
        order: OrderQuery = Order.NEWEST_FIRST,
        search: TitleSearch = None,
    ) -> PageOut[ConversationOut]:
        """The caller's conversations, most recently active first; web and WhatsApp alike."""
        page = await list_conversations(
            workspace_access,
            ListConversationsQuery(page=page_request(limit, cursor, order), search=search or None),
        )
        return page_out(page, ConversationOut.of)

    @post("/", status_code=HTTP_201_CREATED)
    async def create_conversation(
        self,
        workspace_access: NamedDependency[WorkspaceAccess],
        create_conversation: NamedDependency[CreateConversation],
        data: JSONBody[CreateConversationBody | None] = None,
    ) -> ConversationOut:
        """Start a conversation; without a title, its first message names it."""
        conversation = await create_conversation(
            workspace_access, CreateConversationCommand(title=data.title if data else None)
        )
        return ConversationOut.of(conversation)

    @get("/{conversation_id:uuid}", responses=error_responses(404))
    async def get_conversation(
        self,
        workspace_access: NamedDependency[WorkspaceAccess],
        get_member_conversation: NamedDependency[GetMemberConversation],
        conversation_id: FromPath[UUID],
    ) -> MemberConversationOut:
        """One of the caller's conversations, with who answers it: the assistant, or a named
        person of the team."""
        return MemberConversationOut.of_member(
            await get_member_conversation(workspace_access, conversation_id)
        )

    @post(
        "/{conversation_id:uuid}/handoff",
        status_code=HTTP_200_OK,
        responses=error_responses(404, 409),
    )
    async def ask_for_a_person(
        self,
        workspace_access: NamedDependency[WorkspaceAccess],
        ask_for_a_person: NamedDependency[AskForAPerson],
        get_member_conversation: NamedDependency[GetMemberConversation],
        conversation_id: FromPath[UUID],
    ) -> AskedForAPersonOut:
        """Ask for a person of the team to answer: the assistant falls silent, and the member is
        told what happens next (once; asking again while the team has it changes nothing)."""
        asked = await ask_for_a_person(workspace_access, conversation_id)
        view = await get_member_conversation(workspace_access, conversation_id)
        return AskedForAPersonOut(
            conversation=MemberConversationOut.of_member(view),
            notice=None if asked.notice is None else MessageOut.of(asked.notice),
        )

    @get("/{conversation_id:uuid}/messages", responses=error_responses(404))
    async def list_messages(
        self,
        workspace_access: NamedDependency[WorkspaceAccess],
        list_messages: NamedDependency[ListMessages],
        conversation_id: FromPath[UUID],
        limit: Limit = 50,
        cursor: Cursor = None,
        order: OrderQuery = Order.NEWEST_FIRST,
    ) -> PageOut[MessageOut]:
        """A page of the conversation's messages; follow `nextCursor` for the next page. A reply
        written by a person of the team names them (`sentByName`)."""
        page = await list_messages(
            workspace_access, conversation_id, page_request(limit, cursor, order)
        )
        names = await list_messages.senders(page)
        return page_out(
            page,
            lambda message: MessageOut.of(
                message, None if message.sent_by is None else names.get(message.sent_by)
            ),
        )

    @post(
        "/{conversation_id:uuid}/messages",
        status_code=HTTP_201_CREATED,
        responses=error_responses(404, 503),
    )
    async def send_message(
        self,
        workspace_access: NamedDependency[WorkspaceAccess],
        send_message: NamedDependency[SendMessage],
        conversation_id: FromPath[UUID],
        data: JSONBody[SendMessageBody],
    ) -> TurnOut:
        """Send a message and get the assistant's answer; the message is kept even if it fails."""
        result = await send_message(
            workspace_access,
            SendMessageCommand(conversation_id=conversation_id, content=data.content),
        )
        reply = None if result.reply is None else MessageOut.of(result.reply)
        return TurnOut(message=MessageOut.of(result.message), reply=reply)
