"""A member's file library: upload, list, read, download, delete, and attach to a conversation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote
from uuid import UUID

from litestar import Controller, Response, delete, get, post
from litestar.datastructures import UploadFile as UploadedPart
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, QueryParameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from ignacio.application.use_cases.attach_file import AttachFile
from ignacio.application.use_cases.delete_file import DeleteFile
from ignacio.application.use_cases.file_links import ReadLinkedFile
from ignacio.application.use_cases.get_file import DownloadFile, FileContent, GetFile
from ignacio.application.use_cases.list_files import ListFiles
from ignacio.application.use_cases.upload_file import UploadFile
from ignacio.domain import Order, without_nul
from ignacio.domain.knowledge import MAX_FILE_BYTES, FileCategory, category_of
from ignacio.domain.workspaces import WorkspaceAccess
from ignacio.entrypoints.http.dependencies import Cursor, Limit, OrderQuery, page_request
from ignacio.entrypoints.http.error_responses import error_responses
from ignacio.entrypoints.http.schemas import (
    AttachedFileOut,
    FileOut,
    MessageOut,
    PageOut,
    page_out,
)

# Room for the multipart envelope around a file of the largest allowed size: a body larger than
# this is refused with 413 as soon as it is announced or streamed, before it is all read.
MAX_UPLOAD_BODY = MAX_FILE_BYTES + 64 * 1024
_SHOWN_INLINE = frozenset({FileCategory.IMAGE, FileCategory.AUDIO, FileCategory.VIDEO})


@dataclass
class FileForm:
    """`multipart/form-data` with the file in the field `file`."""

    file: UploadedPart


@dataclass
class AttachForm:
    """`multipart/form-data`: the file in `file`, and an optional `caption` to go with it."""

    file: UploadedPart
    caption: str | None = None


Multipart = Body(media_type=RequestEncodingType.MULTI_PART)
MemberFilter = Annotated[
    UUID | None, QueryParameter(name="userId", description="Admins: only this member's files")
]
AllMembers = Annotated[
    bool,
    QueryParameter(
        name="allMembers", description="Admins: every member's files, not just your own"
    ),
]


def content_response(found: FileContent) -> Response[bytes]:
    """A stored file's content as a download: images, audio and video to show inline, the rest
    as attachments; nothing the browser would run (`nosniff` and a sandboxing policy)."""
    return _served(found.content, found.file.file_type, found.file.file_name)


def _served(content: bytes, media_type: str, file_name: str) -> Response[bytes]:
    disposition = "inline" if category_of(media_type) in _SHOWN_INLINE else "attachment"
    return Response(
        content,
        media_type=media_type,
        headers={
            "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(file_name)}",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "private, no-store",
        },
    )


@get(
    "/media/{token:str}",
    tags=["files"],
    security=[],
    media_type="application/octet-stream",
    response_description="The file's content, with its media type",
    responses=error_responses(404),
)
async def linked_file(
    read_linked_file: NamedDependency[ReadLinkedFile], token: FromPath[str]
) -> Response[bytes]:
    """A file the team sent, at the short-lived public link a provider fetches it from (Twilio
    takes a `MediaUrl` rather than an upload). 404 once the link has expired (an hour)."""
    found = await read_linked_file(token)
    return _served(found.content, found.file.media_type, found.file.file_name)


class FileController(Controller):
    path = "/files"
    tags = ["files"]

    @post(
        "/upload",
        status_code=HTTP_201_CREATED,
        request_max_body_size=MAX_UPLOAD_BODY,
        responses=error_responses(415, 503),
    )
    async def upload_file(
        self,
        workspace_access: NamedDependency[WorkspaceAccess],
        upload_file: NamedDependency[UploadFile],
        data: Annotated[FileForm, Multipart],
    ) -> FileOut:
        """Add a file to your library (25 MB at most; the type is decided by the content).
        Its text is extracted and indexed in the background: watch `syncStatus`."""
        content = await data.file.read()
        file = await upload_file(workspace_access, data.file.filename, content)
        return FileOut.of(file)

    @get("/", responses=error_responses(403))
    async def list_files(
        self,
        workspace_access: NamedDependency[WorkspaceAccess],
        list_files: NamedDependency[ListFiles],
        limit: Limit = 50,
        cursor: Cursor = None,
        order: OrderQuery = Order.NEWEST_FIRST,
        user_id: MemberFilter = None,
        all_members: AllMembers = False,
    ) -> PageOut[FileOut]:
        """Your files, newest first; admins may ask for one member's (`userId`) or everyone's."""
        page = await list_files(
            workspace_access,
            page_request(limit, cursor, order),
            user_id=user_id,
            all_members=all_members,
        )
        return page_out(page, FileOut.of)

    @get("/{file_id:uuid}", responses=error_responses(404))
    async def get_file(
        self,
        workspace_access: NamedDependency[WorkspaceAccess],
        get_file: NamedDependency[GetFile],
        file_id: FromPath[UUID],
    ) -> FileOut:
        """A file's metadata, with how far its extraction and sync got."""
        return FileOut.of(await get_file(workspace_access, file_id))

    @get(
        "/{file_id:uuid}/download",
        media_type="application/octet-stream",
        response_description="The file's content, with its detected media type",
        responses=error_responses(404, 503),
    )
    async def download_file(
        self,
        workspace_access: NamedDependency[WorkspaceAccess],
        download_file: NamedDependency[DownloadFile],
        file_id: FromPath[UUID],
    ) -> Response[bytes]:
        """The file's content. Images, audio and video are served to show inline; the rest as
        attachments. Nothing is ever run by the browser (`nosniff` and a sandboxing policy)."""
        return content_response(await download_file(workspace_access, file_id))

    @delete("/{file_id:uuid}", status_code=HTTP_204_NO_CONTENT, responses=error_responses(404, 503))
    async def delete_file(
        self,
        workspace_access: NamedDependency[WorkspaceAccess],
        delete_file: NamedDependency[DeleteFile],
        file_id: FromPath[UUID],
    ) -> None:
        """Delete the file: its content, its search index entries and any copy at OpenAI."""
        await delete_file(workspace_access, file_id)


class ConversationFileController(Controller):
    path = "/conversations"
    tags = ["conversations", "files"]

    @post(
        "/{conversation_id:uuid}/files",
        status_code=HTTP_201_CREATED,
        request_max_body_size=MAX_UPLOAD_BODY,
        responses=error_responses(404, 415, 503),
    )
    async def attach_file(
        self,
        workspace_access: NamedDependency[WorkspaceAccess],
        attach_file: NamedDependency[AttachFile],
        conversation_id: FromPath[UUID],
        data: Annotated[AttachForm, Multipart],
    ) -> AttachedFileOut:
        """Send a file into your conversation: it becomes your message there (its caption, or
        its name, as text), joins your library, and the assistant answers it: the caption is
        the question about the file; a document sent without one is summarised. 503 when the
        assistant cannot answer now: the file and the message are kept all the same."""
        content = await data.file.read()
        # Multipart bypasses ClientRequest's cleaning of outside text; file names are made safe
        # by the domain, the caption is cleaned here.
        caption = None if data.caption is None else without_nul(data.caption)
        attached = await attach_file(
            workspace_access, conversation_id, data.file.filename, content, caption
        )
        return AttachedFileOut(
            message=MessageOut.of(attached.message),
            file=FileOut.of(attached.file),
            reply=None if attached.reply is None else MessageOut.of(attached.reply),
        )
