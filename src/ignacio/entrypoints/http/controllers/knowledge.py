"""A workspace's knowledge base: the documents its assistant answers every member from.

Named like the rest of a workspace's administration, by the workspace in the path
(`/workspaces/{id or short name}/knowledge`).
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Controller, Response, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.status_codes import HTTP_201_CREATED, HTTP_202_ACCEPTED, HTTP_204_NO_CONTENT

from ignacio.application.use_cases.authenticate import Principal
from ignacio.application.use_cases.knowledge_base import (
    DeleteKnowledge,
    DownloadKnowledge,
    GetKnowledge,
    ListKnowledge,
    ResyncKnowledge,
    UploadKnowledge,
)
from ignacio.domain import Order
from ignacio.entrypoints.http.controllers.files import (
    MAX_UPLOAD_BODY,
    FileForm,
    Multipart,
    content_response,
)
from ignacio.entrypoints.http.controllers.workspaces import WorkspaceRef
from ignacio.entrypoints.http.dependencies import Cursor, Limit, OrderQuery, page_request
from ignacio.entrypoints.http.error_responses import error_responses
from ignacio.entrypoints.http.schemas import PageOut, page_out
from ignacio.entrypoints.http.workspace_schemas import KnowledgeDocumentOut


class KnowledgeController(Controller):
    path = "/workspaces/{workspace:str}/knowledge"
    tags = ["workspaces", "knowledge"]

    @post(
        "/",
        status_code=HTTP_201_CREATED,
        request_max_body_size=MAX_UPLOAD_BODY,
        responses=error_responses(403, 404, 415, 503),
    )
    async def upload_knowledge(
        self,
        principal: NamedDependency[Principal],
        upload_knowledge: NamedDependency[UploadKnowledge],
        workspace: WorkspaceRef,
        data: Annotated[FileForm, Multipart],
    ) -> KnowledgeDocumentOut:
        """Add a document to the knowledge base (its admins only; the same formats and 25 MB
        limit as members' files). It is extracted and indexed in the background: once
        `syncStatus` is `synced`, the assistant answers every member of the workspace from it."""
        content = await data.file.read()
        document = await upload_knowledge(principal.user, workspace, data.file.filename, content)
        return KnowledgeDocumentOut.of(document)

    @get("/", responses=error_responses(403, 404))
    async def list_knowledge(
        self,
        principal: NamedDependency[Principal],
        list_knowledge: NamedDependency[ListKnowledge],
        workspace: WorkspaceRef,
        limit: Limit = 50,
        cursor: Cursor = None,
        order: OrderQuery = Order.NEWEST_FIRST,
    ) -> PageOut[KnowledgeDocumentOut]:
        """The knowledge base's documents, newest first (its admins and agents)."""
        page = await list_knowledge(principal.user, workspace, page_request(limit, cursor, order))
        return page_out(page, KnowledgeDocumentOut.of)

    @get("/{document_id:uuid}", responses=error_responses(403, 404))
    async def get_knowledge(
        self,
        principal: NamedDependency[Principal],
        get_knowledge: NamedDependency[GetKnowledge],
        workspace: WorkspaceRef,
        document_id: FromPath[UUID],
    ) -> KnowledgeDocumentOut:
        """A document's metadata, with how far its extraction and sync got (admins, agents)."""
        return KnowledgeDocumentOut.of(await get_knowledge(principal.user, workspace, document_id))

    @get(
        "/{document_id:uuid}/download",
        media_type="application/octet-stream",
        response_description="The document's content, with its detected media type",
        responses=error_responses(403, 404, 503),
    )
    async def download_knowledge(
        self,
        principal: NamedDependency[Principal],
        download_knowledge: NamedDependency[DownloadKnowledge],
        workspace: WorkspaceRef,
        document_id: FromPath[UUID],
    ) -> Response[bytes]:
        """The document's content (admins, agents)."""
        return content_response(await download_knowledge(principal.user, workspace, document_id))

    @delete(
        "/{document_id:uuid}",
        status_code=HTTP_204_NO_CONTENT,
        responses=error_responses(403, 404, 503),
    )
    async def delete_knowledge(
        self,
        principal: NamedDependency[Principal],
        delete_knowledge: NamedDependency[DeleteKnowledge],
        workspace: WorkspaceRef,
        document_id: FromPath[UUID],
    ) -> None:
        """Take a document out of the knowledge base (its admins only): its content, its index
        entries and any copy at OpenAI. No answer quotes it afterwards."""
        await delete_knowledge(principal.user, workspace, document_id)

    @post(
        "/{document_id:uuid}/resync",
        status_code=HTTP_202_ACCEPTED,
        responses=error_responses(403, 404),
    )
    async def resync_knowledge(
        self,
        principal: NamedDependency[Principal],
        resync_knowledge: NamedDependency[ResyncKnowledge],
        workspace: WorkspaceRef,
        document_id: FromPath[UUID],
    ) -> KnowledgeDocumentOut:
        """Extract and index the document again from the start (its admins only): after a
        failed sync, or to upload it to a newly configured vector store. Queued: `syncStatus`
        is `pending` until it is done."""
        document = await resync_knowledge(principal.user, workspace, document_id)
        return KnowledgeDocumentOut.of(document)
