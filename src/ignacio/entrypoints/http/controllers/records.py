"""Records: what members asked the assistant (or a command) to keep for the team, at `/records`
in the workspace the request acts in (the `Ignacio-Workspace` header, or the caller's only
one); and each workspace's record types at `/workspaces/{id or short name}/record-types`."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Controller, delete, get, post, put
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from ignacio.application.use_cases.records import (
    AddRecordType,
    ChangeRecordStatus,
    CommentOnRecord,
    ConfirmRecord,
    CreateRecord,
    EditRecord,
    GetRecord,
    ListRecords,
    ListRecordTypes,
    RecordQuery,
    RemoveRecordType,
)
from ignacio.domain import Order
from ignacio.domain.records import RecordStatus
from ignacio.domain.workspaces import WorkspaceAccess
from ignacio.entrypoints.http.dependencies import (
    Cursor,
    Limit,
    OrderQuery,
    page_request,
    provide_named_workspace,
)
from ignacio.entrypoints.http.error_responses import NAMED_WORKSPACE, error_responses
from ignacio.entrypoints.http.record_schemas import (
    CommentBody,
    CommentOut,
    RecordBody,
    RecordDetailOut,
    RecordOut,
    RecordTypeBody,
    RecordTypeOut,
    RecordValuesBody,
    StatusBody,
    ToldOut,
)
from ignacio.entrypoints.http.schemas import PageOut, page_out

TypeQuery = Annotated[
    str | None, QueryParameter(name="type", max_length=40, description="Only of this type.")
]
StatusQuery = Annotated[RecordStatus | None, QueryParameter(name="status")]
MemberQuery = Annotated[
    UUID | None,
    QueryParameter(name="member", description="Only this member's (a member sees only theirs)."),
]


class RecordController(Controller):
    path = "/records"
    tags = ["records"]

    @get("/", responses=error_responses(400, 403, 404))
    async def list_records(
        self,
        workspace_access: NamedDependency[WorkspaceAccess],
        list_records: NamedDependency[ListRecords],
        record_type: TypeQuery = None,
        status: StatusQuery = None,
        member: MemberQuery = None,
        limit: Limit = 50,
        cursor: Cursor = None,
        order: OrderQuery = Order.NEWEST_FIRST,
    ) -> PageOut[RecordOut]:
        """The workspace's records, newest first: the team sees everyone's, a member their
        own. Filter by type, status and member."""
        listed = await list_records(
            workspace_access,
            RecordQuery(
                type_name=record_type,
                status=status,
                user_id=member,
                page=page_request(limit, cursor, order),
            ),
        )
        return page_out(listed.page, lambda record: RecordOut.of(record, listed.member_of(record)))

    @post("/", status_code=HTTP_201_CREATED, responses=error_responses(400, 403, 404))
    async def create_record(
        self,
        workspace_access: NamedDependency[WorkspaceAccess],
        create_record: NamedDependency[CreateRecord],
        data: JSONBody[RecordBody],
    ) -> RecordOut:
        """Write a record of one of the workspace's types; its values are checked against the
        type (400 naming the field otherwise). Final at once."""
        record = await create_record(workspace_access, data.type, data.values, data.member)
        return RecordOut.of(record)

    @get("/{record_id:uuid}", responses=error_responses(400, 404))
    async def get_record(
        self,
        workspace_access: NamedDependency[WorkspaceAccess],
        get_record: NamedDependency[GetRecord],
        record_id: FromPath[UUID],
    ) -> RecordDetailOut:
        """One record, with its type and the team's comments: for its member and the team."""
        return RecordDetailOut.of(await get_record(workspace_access, record_id))

    @put("/{record_id:uuid}/values", responses=error_responses(400, 403, 404, 409))
    async def edit_record(
        self,
        workspace_access: NamedDependency[WorkspaceAccess],
        edit_record: NamedDependency[EditRecord],
        record_id: FromPath[UUID],
        data: JSONBody[RecordValuesBody],
    ) -> RecordOut:
        """Replace the record's values: its member corrects their draft, the team completes
        any record (the fields a command left empty)."""
        return RecordOut.of(await edit_record(workspace_access, record_id, data.values))

    @post(
        "/{record_id:uuid}/confirm",
        status_code=HTTP_200_OK,
        responses=error_responses(400, 403, 404, 409),
    )
    async def confirm_record(
        self,
        workspace_access: NamedDependency[WorkspaceAccess],
        confirm_record: NamedDependency[ConfirmRecord],
        record_id: FromPath[UUID],
    ) -> RecordOut:
        """Its member confirms the draft the assistant made: it becomes final, open for the
        team. 409 if it was confirmed already."""
        return RecordOut.of(await confirm_record(workspace_access, record_id))

    @get("/{record_id:uuid}/comments", responses=error_responses(400, 404))
    async def list_comments(
        self,
        workspace_access: NamedDependency[WorkspaceAccess],
        get_record: NamedDependency[GetRecord],
        record_id: FromPath[UUID],
    ) -> list[CommentOut]:
        """The team's comments on the record, oldest first, each with its author's name."""
        return CommentOut.all_of(await get_record(workspace_access, record_id))

    @post(
        "/{record_id:uuid}/comments",
        status_code=HTTP_201_CREATED,
        responses=error_responses(400, 403, 404),
    )
    async def comment(
        self,
        workspace_access: NamedDependency[WorkspaceAccess],
        comment_on_record: NamedDependency[CommentOnRecord],
        record_id: FromPath[UUID],
        data: JSONBody[CommentBody],
    ) -> ToldOut:
        """The team comments; the member sees it and is told on WhatsApp (`notice` says how:
        text in the 24-hour window, the workspace's template outside it, or `none`)."""
        return ToldOut.of(await comment_on_record(workspace_access, record_id, data.text))

    @post(
        "/{record_id:uuid}/status",
        status_code=HTTP_200_OK,
        responses=error_responses(400, 403, 404, 409),
    )
    async def change_status(
        self,
        workspace_access: NamedDependency[WorkspaceAccess],
        change_record_status: NamedDependency[ChangeRecordStatus],
        record_id: FromPath[UUID],
        data: JSONBody[StatusBody],
    ) -> ToldOut:
        """The team moves the record (open, in review, resolved, rejected; a closed one back to
        open); its member is told when it is resolved or rejected. 409 for a move its status
        does not allow (a draft its member has not confirmed)."""
        return ToldOut.of(await change_record_status(workspace_access, record_id, data.status))


class RecordTypeController(Controller):
    path = "/workspaces/{workspace:str}/record-types"
    tags = ["records"]
    dependencies = {NAMED_WORKSPACE: Provide(provide_named_workspace)}

    @get("/", responses=error_responses(404))
    async def list_types(
        self,
        team_access: NamedDependency[WorkspaceAccess],
        list_record_types: NamedDependency[ListRecordTypes],
    ) -> list[RecordTypeOut]:
        """The workspace's record types: the built-in `report` and `proposal`, then its own."""
        return [RecordTypeOut.of(kind) for kind in await list_record_types(team_access)]

    @post("/", status_code=HTTP_201_CREATED, responses=error_responses(400, 403, 404, 409))
    async def add_type(
        self,
        team_access: NamedDependency[WorkspaceAccess],
        add_record_type: NamedDependency[AddRecordType],
        data: JSONBody[RecordTypeBody],
    ) -> RecordTypeOut:
        """An admin adds a record type (the assistant offers it from the next turn). 409 when
        the workspace has one of that name."""
        return RecordTypeOut.of(await add_record_type(team_access, data.kind()))

    @delete(
        "/{type_name:str}",
        status_code=HTTP_204_NO_CONTENT,
        responses=error_responses(400, 403, 404),
    )
    async def remove_type(
        self,
        team_access: NamedDependency[WorkspaceAccess],
        remove_record_type: NamedDependency[RemoveRecordType],
        type_name: FromPath[str],
    ) -> None:
        """An admin removes a type of the workspace's own; its records stay as they are."""
        await remove_record_type(team_access, type_name)
