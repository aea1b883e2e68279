/** The member's file library: upload (with progress), download, delete, and where each file stands. */
import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useSearchParams } from "react-router-dom";
import { $api } from "../api/client";
import { isApiProblem } from "../api/errors";
import type { FileItem, SyncStatus } from "../api/types";
import { upload } from "../api/upload";
import { useAuth } from "../auth/AuthProvider";
import { ACCEPTED_FILES } from "../components/Composer";
import { Badge, ConfirmButton, Empty, ErrorNotice, Loading, LoadMore, Notice, PageHeader } from "../components/ui";
import { UploadButton, UploadProgressBar, useUpload } from "../components/Upload";
import { downloadFile } from "../lib/download";
import { fileKind, formatDateTime, formatSize } from "../lib/format";
import { allItems, cursorPaging } from "../lib/pages";

const SYNC: Record<SyncStatus, { label: string; tone: string; hint: string }> = {
  pending: { label: "Syncing", tone: "neutral", hint: "Being prepared for Ignacio to search" },
  synced: { label: "Synced", tone: "success", hint: "Ignacio can search it" },
  failed: { label: "Sync failed", tone: "danger", hint: "Ignacio could not index it; it will not be searched" },
  expired: { label: "Expired", tone: "warning", hint: "The model provider dropped its copy; it is being synced again" },
};

const EXTRACTION: Record<FileItem["extractionStatus"], string> = {
  pending: "Reading…",
  extracted: "Text extracted",
  no_text: "No text found",
  failed: "Could not be read",
  not_applicable: "Not a document",
};

export function FilesPage() {
  const { user } = useAuth();
  const queryClient = useQueryClient();
  const [params] = useSearchParams();
  const forUser = user?.isAdmin ? params.get("userId") : null;
  const { uploading, problem, setProblem, start } = useUpload((file, onProgress) =>
    upload("/files/upload", undefined, file, { onProgress }),
  );
  const [done, setDone] = useState<string | null>(null);

  const files = $api.useInfiniteQuery(
    "get",
    "/files",
    { params: { query: { limit: 50, ...(forUser ? { userId: forUser } : {}) } } },
    {
      ...cursorPaging,
      retry: (count, error: unknown) => !(isApiProblem(error) && error.status === 404) && count < 2,
      refetchInterval: (query) =>
        allItems(query.state.data).some((file) => file.syncStatus === "pending" || file.extractionStatus === "pending")
          ? 4_000
          : false,
    },
  );
  const remove = $api.useMutation("delete", "/files/{file_id}", {
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["get", "/files"] }),
  });
  const items = allItems(files.data);
  const filesError: unknown = files.error;
  const unavailable = isApiProblem(filesError) && filesError.status === 404;

  async function onChosen(file: File) {
    setDone(null);
    const created = await start(file);
    if (!created) return;
    setDone(`${created.fileName} is in your library.`);
    await queryClient.invalidateQueries({ queryKey: ["get", "/files"] });
  }

  return (
    <main id="main" className="page">
      <PageHeader title={forUser ? "Member's files" : "Files"}>
        {forUser ? null : (
          <UploadButton
            pickerLabel="Choose a file to upload"
            accept={ACCEPTED_FILES}
            disabled={uploading !== null}
            onChosen={(file) => void onChosen(file)}
          >
            Upload a file
          </UploadButton>
        )}
      </PageHeader>
      <p className="lede">
        {forUser
          ? "Files this member sent on WhatsApp or uploaded on the web."
          : "Documents, photos and voice notes you sent Ignacio, here or on WhatsApp. Ignacio searches them when it answers you. Up to 25 MB each."}
      </p>
      <UploadProgressBar uploading={uploading} />
      {done ? <Notice tone="success">{done}</Notice> : null}
      <ErrorNotice error={problem} title="Not uploaded." />
      <ErrorNotice error={remove.error} title="Not deleted." />
      {files.isPending ? <Loading label="Loading files…" /> : null}
      {unavailable ? <Notice tone="warning">The file library is not available on this server yet.</Notice> : <ErrorNotice error={files.error} />}
      {files.isSuccess && items.length === 0 ? <Empty>No files yet.</Empty> : null}
      {items.length > 0 ? (
        <ul className="file-list" aria-label="Files">
          {items.map((file) => {
            const sync = SYNC[file.syncStatus] ?? SYNC.pending;
            return (
              <li key={file.id} className="file-card">
                <div className="file-main">
                  <span className="file-title">{file.fileName}</span>
                  <span className="muted">
                    <span title={file.fileType}>{fileKind(file.fileType)}</span> · {formatSize(file.fileSize)} · {formatDateTime(file.createdAt)}
                  </span>
                </div>
                <div className="file-status">
                  <Badge tone={file.source === "whatsapp" ? "whatsapp" : "neutral"}>
                    {file.source === "whatsapp" ? "WhatsApp" : "Web"}
                  </Badge>{" "}
                  <Badge
                    tone={sync.tone}
                    title={
                      file.syncError ??
                      (file.syncedAt ? `${sync.hint} (${formatDateTime(file.syncedAt)})` : sync.hint)
                    }
                  >
                    {sync.label}
                  </Badge>{" "}
                  <span className="muted" title={file.extractionNote ?? undefined}>
                    {EXTRACTION[file.extractionStatus] ?? file.extractionStatus}
                  </span>
                </div>
                <div className="file-actions">
                  <button type="button" className="button secondary small" onClick={() => void downloadFile(file).catch(setProblem)}>
                    Download <span className="visually-hidden">{file.fileName}</span>
                  </button>
                  <ConfirmButton
                    question={`Delete ${file.fileName}? Ignacio will no longer search it.`}
                    confirmLabel="Delete"
                    onConfirm={() => remove.mutate({ params: { path: { file_id: file.id } } })}
                    disabled={remove.isPending}
                  >
                    Delete <span className="visually-hidden">{file.fileName}</span>
                  </ConfirmButton>
                </div>
              </li>
            );
          })}
        </ul>
      ) : null}
      <LoadMore hasMore={files.hasNextPage} loading={files.isFetchingNextPage} onMore={() => void files.fetchNextPage()} />
    </main>
  );
}
