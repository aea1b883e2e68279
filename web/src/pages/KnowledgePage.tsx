/**
 * A workspace's knowledge base: the documents its assistant answers every member from. Its admins
 * (and platform admins) upload, re-index and delete them; its agents read the list and download
 * them; members meet them only as the passages answers cite.
 */
import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { $api } from "../api/client";
import type { KnowledgeDocument, Workspace } from "../api/types";
import { upload } from "../api/upload";
import { ACCEPTED_DOCUMENTS } from "../components/Composer";
import { Badge, ConfirmButton, Empty, ErrorNotice, Loading, LoadMore, Notice } from "../components/ui";
import { UploadButton, UploadProgressBar, useUpload } from "../components/Upload";
import { downloadKnowledge } from "../lib/download";
import { fileKind, formatDateTime, formatSize } from "../lib/format";
import { allItems, cursorPaging } from "../lib/pages";
import { WorkspaceFrame } from "./WorkspacePage";

/** How often the list is asked for again while a document is being indexed. */
const POLL_MS = 2_000;

const SYNC: Record<KnowledgeDocument["syncStatus"], { label: string; tone: string; hint: string }> = {
  pending: { label: "Indexing…", tone: "neutral", hint: "Being read and indexed: answers cite it once it is ready" },
  synced: { label: "Ready", tone: "success", hint: "Answers cite it" },
  failed: { label: "Failed", tone: "danger", hint: "It could not be indexed: answers do not cite it" },
  expired: { label: "Re-indexing…", tone: "warning", hint: "The model provider dropped its copy: it is being indexed again" },
};

/** Why answers cannot quote a document, when its text could not be read. */
const NO_TEXT: Partial<Record<KnowledgeDocument["extractionStatus"], string>> = {
  no_text: "No text found in it",
  failed: "It could not be read",
  not_applicable: "It is not a document",
};

function indexing(doc: KnowledgeDocument): boolean {
  return doc.syncStatus === "pending" || doc.syncStatus === "expired" || doc.extractionStatus === "pending";
}

function useInvalidateKnowledge() {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: ["get", "/workspaces/{workspace}/knowledge"] });
}

export function KnowledgePage() {
  return (
    <WorkspaceFrame title="Knowledge base">
      {(workspace, canManage) => <KnowledgeBase workspace={workspace} canManage={canManage} />}
    </WorkspaceFrame>
  );
}

function KnowledgeBase({ workspace, canManage }: { workspace: Workspace; canManage: boolean }) {
  const [notice, setNotice] = useState<string | null>(null);
  const invalidate = useInvalidateKnowledge();
  const { uploading, problem, start } = useUpload((file, onProgress) =>
    upload("/workspaces/{workspace}/knowledge", { workspace: workspace.slug }, file, { onProgress }),
  );
  const documents = $api.useInfiniteQuery(
    "get",
    "/workspaces/{workspace}/knowledge",
    { params: { path: { workspace: workspace.slug }, query: { limit: 50 } } },
    {
      ...cursorPaging,
      // Until every document is indexed, so that "Indexing…" turns into "Ready" by itself.
      refetchInterval: (query) => (allItems(query.state.data).some(indexing) ? POLL_MS : false),
    },
  );
  const items = allItems(documents.data);

  async function onChosen(file: File) {
    setNotice(null);
    const created = await start(file);
    if (!created) return;
    setNotice(`${created.fileName} was added: answers cite it once it is ready.`);
    await invalidate();
  }

  return (
    <>
      <p className="lede">
        Documents here answer every member of {workspace.name}; answers cite them by name.
      </p>
      {canManage ? (
        <div className="upload-bar">
          <UploadButton
            pickerLabel="Choose a document for the knowledge base"
            accept={ACCEPTED_DOCUMENTS}
            disabled={uploading !== null}
            onChosen={(file) => void onChosen(file)}
          >
            Upload a document
          </UploadButton>
          <p className="hint">PDF, Word, PowerPoint, Excel, text, Markdown or CSV, up to 25 MB each.</p>
        </div>
      ) : (
        <p className="hint">Only the workspace's admins add, re-index or delete documents.</p>
      )}
      <UploadProgressBar uploading={uploading} />
      {notice ? <Notice tone="success">{notice}</Notice> : null}
      <ErrorNotice error={problem} title="Not uploaded." />
      {documents.isPending ? <Loading label="Loading the knowledge base…" /> : null}
      <ErrorNotice error={documents.error} />
      {documents.isSuccess && items.length === 0 ? (
        <Empty>{canManage ? "No documents yet. Upload one, and answers cite it once it is ready." : "No documents yet."}</Empty>
      ) : null}
      {items.length > 0 ? (
        <ul className="file-list" aria-label={`The knowledge base of ${workspace.name}`}>
          {items.map((doc) => (
            <DocumentCard key={doc.id} workspace={workspace} doc={doc} canManage={canManage} onNotice={setNotice} />
          ))}
        </ul>
      ) : null}
      <LoadMore hasMore={documents.hasNextPage} loading={documents.isFetchingNextPage} onMore={() => void documents.fetchNextPage()} />
    </>
  );
}

function DocumentCard({
  workspace,
  doc,
  canManage,
  onNotice,
}: {
  workspace: Workspace;
  doc: KnowledgeDocument;
  canManage: boolean;
  onNotice: (notice: string | null) => void;
}) {
  const invalidate = useInvalidateKnowledge();
  const name = doc.fileName;
  const path = { workspace: workspace.slug, document_id: doc.id };
  const [downloadProblem, setDownloadProblem] = useState<unknown>(null);
  const remove = $api.useMutation("delete", "/workspaces/{workspace}/knowledge/{document_id}", {
    onSuccess: async () => {
      await invalidate();
      onNotice(`${name} was deleted: answers no longer cite it.`);
    },
  });
  const resync = $api.useMutation("post", "/workspaces/{workspace}/knowledge/{document_id}/resync", {
    onSuccess: async () => {
      await invalidate();
      onNotice(`${name} is being indexed again.`);
    },
  });
  const busy = remove.isPending || resync.isPending;
  const error = remove.error ?? resync.error ?? downloadProblem;
  const sync = SYNC[doc.syncStatus] ?? SYNC.pending;
  const noText = NO_TEXT[doc.extractionStatus];

  function reset() {
    remove.reset();
    resync.reset();
    setDownloadProblem(null);
    onNotice(null);
  }

  return (
    <li className="file-card">
      <div className="file-main">
        <span className="file-title">{name}</span>
        <span className="muted">
          <span title={doc.fileType}>{fileKind(doc.fileType)}</span> · {formatSize(doc.fileSize)} · uploaded{" "}
          {formatDateTime(doc.createdAt)}
        </span>
      </div>
      <div className="file-status">
        <Badge
          tone={sync.tone}
          title={doc.syncedAt && doc.syncStatus === "synced" ? `${sync.hint} (since ${formatDateTime(doc.syncedAt)})` : sync.hint}
        >
          {sync.label}
        </Badge>
        {doc.syncStatus === "failed" ? (
          <span className="error-text"> {doc.syncError ?? "It could not be indexed."}</span>
        ) : null}
        {noText ? (
          <span className="muted">
            {" "}
            {noText}
            {doc.extractionNote ? ` (${doc.extractionNote})` : ""}: answers cannot quote it.
          </span>
        ) : doc.extractionNote ? (
          <span className="muted"> {doc.extractionNote}</span>
        ) : null}
      </div>
      <div className="file-actions">
        <button
          type="button"
          className="button secondary small"
          onClick={() => {
            reset();
            void downloadKnowledge(workspace.slug, doc).catch(setDownloadProblem);
          }}
        >
          Download <span className="visually-hidden">{name}</span>
        </button>
        {canManage ? (
          <>
            <button
              type="button"
              className="button secondary small"
              disabled={busy}
              onClick={() => {
                reset();
                resync.mutate({ params: { path } });
              }}
            >
              Re-index <span className="visually-hidden">{name}</span>
            </button>
            <ConfirmButton
              question={`Delete ${name} from the knowledge base? Answers will no longer cite it.`}
              confirmLabel="Delete"
              disabled={busy}
              onConfirm={() => {
                reset();
                remove.mutate({ params: { path } });
              }}
            >
              Delete <span className="visually-hidden">{name}</span>
            </ConfirmButton>
          </>
        ) : null}
      </div>
      <ErrorNotice error={error} title={`${name}:`} />
    </li>
  );
}
