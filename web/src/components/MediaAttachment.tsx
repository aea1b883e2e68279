/**
 * A message's file shown inline: images, audio and video play in place, anything else is a
 * download. Files are fetched with the access token and shown from a blob: URL (a plain link
 * could not send the token).
 */
import { useQuery } from "@tanstack/react-query";
import { useEffect, useMemo, useState } from "react";
import { $api, fetchClient } from "../api/client";
import { describeError } from "../api/errors";
import type { FileItem, Message } from "../api/types";
import { downloadFile } from "../lib/download";
import { DocumentIcon } from "./icons";
import { formatSize } from "../lib/format";

/** The file a message carries (attachments share their message's id), or null. */
export function useMessageFile(message: Message) {
  const fileId = message.fileId ?? null;
  const query = $api.useQuery(
    "get",
    "/files/{file_id}",
    { params: { path: { file_id: fileId ?? "" } } },
    { enabled: fileId !== null, staleTime: 60_000, retry: false },
  );
  return { file: query.data ?? null, loading: fileId !== null && query.isLoading, error: query.error };
}

function useBlobUrl(file: FileItem | null, wanted: boolean) {
  const query = useQuery({
    queryKey: ["file-content", file?.id],
    enabled: wanted && file !== null,
    staleTime: Infinity,
    gcTime: 5 * 60_000,
    retry: false,
    queryFn: async () => {
      const { data, error } = await fetchClient.GET("/files/{file_id}/download", {
        params: { path: { file_id: file!.id } },
        parseAs: "blob",
      });
      if (error || !data) throw error ?? new Error("The file could not be downloaded.");
      return data as Blob;
    },
  });
  const url = useMemo(() => (query.data ? URL.createObjectURL(query.data) : null), [query.data]);
  useEffect(() => () => (url ? URL.revokeObjectURL(url) : undefined), [url]);
  return { url, error: query.error, loading: query.isLoading };
}

function kindOf(file: FileItem): "image" | "audio" | "video" | "other" {
  const type = file.fileType.split(";")[0] ?? "";
  if (type.startsWith("image/")) return "image";
  if (type.startsWith("audio/")) return "audio";
  if (type.startsWith("video/")) return "video";
  return "other";
}

export function MediaAttachment({
  file,
  loading,
  error,
}: {
  file: FileItem | null;
  loading: boolean;
  error: unknown;
}) {
  const kind = file ? kindOf(file) : "other";
  const blob = useBlobUrl(file, kind !== "other");
  const [downloadError, setDownloadError] = useState<unknown>(null);

  if (loading) return <p className="attachment muted">Loading the attachment…</p>;
  if (error) return <p className="attachment error-text">{describeError(error)}</p>;
  if (!file) return null;
  if (blob.error) return <p className="attachment error-text">{describeError(blob.error)}</p>;
  const caption = `${file.fileName} · ${formatSize(file.fileSize)}`;
  if (kind === "image") {
    return (
      <figure className="attachment">
        {blob.url ? <img src={blob.url} alt={file.fileName} loading="lazy" /> : <div className="media-placeholder">Loading image…</div>}
        <figcaption>{caption}</figcaption>
      </figure>
    );
  }
  if (kind === "audio") {
    return (
      <figure className="attachment">
        {blob.url ? <audio controls src={blob.url} aria-label={file.fileName} /> : <div className="media-placeholder">Loading audio…</div>}
        <figcaption>{caption}</figcaption>
      </figure>
    );
  }
  if (kind === "video") {
    return (
      <figure className="attachment">
        {blob.url ? <video controls src={blob.url} aria-label={file.fileName} /> : <div className="media-placeholder">Loading video…</div>}
        <figcaption>{caption}</figcaption>
      </figure>
    );
  }
  return (
    <div className="attachment file-chip">
      <DocumentIcon /> <span>{caption}</span>{" "}
      <button
        type="button"
        className="button secondary small"
        onClick={() => downloadFile(file).catch(setDownloadError)}
      >
        Download <span className="visually-hidden">{file.fileName}</span>
      </button>
      {downloadError ? <span className="error-text">{describeError(downloadError)}</span> : null}
    </div>
  );
}
