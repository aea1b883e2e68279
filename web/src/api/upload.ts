/**
 * Uploads with progress: the one hand-written request, over XMLHttpRequest because fetch cannot
 * report upload progress. Paths, parameters and answers are still typed by the generated schema:
 * any path whose POST takes a multipart form (a member's files, an attachment, a workspace's
 * knowledge base).
 */
import type { ApiPaths } from "./client";
import { type ApiProblem, isApiProblem } from "./errors";
import { apiBaseUrl, session } from "./session";
import type { JsonOf } from "./types";
import { actsInWorkspace, WORKSPACE_HEADER, workspaceScope } from "./workspace";

type UploadPath = {
  [P in keyof ApiPaths]: ApiPaths[P]["post"] extends { requestBody: { content: { "multipart/form-data": unknown } } } ? P : never;
}[keyof ApiPaths];
type PathParams<P extends UploadPath> = ApiPaths[P]["post"] extends {
  parameters: { path: infer Params };
}
  ? Params
  : undefined;

export interface UploadProgress {
  loaded: number;
  total: number;
  /** 0 to 1. */
  fraction: number;
}

export interface UploadOptions {
  onProgress?: (progress: UploadProgress) => void;
  signal?: AbortSignal;
  /** More form fields to send with the file (an attachment's `caption`). */
  fields?: Record<string, string>;
}

export class UploadAborted extends Error {
  constructor() {
    super("The upload was cancelled.");
    this.name = "UploadAborted";
  }
}

/** POST `file` as the multipart field `file`; resolves with the created resource. */
export async function upload<P extends UploadPath>(
  path: P,
  params: PathParams<P>,
  file: File,
  options: UploadOptions = {},
): Promise<JsonOf<P, "post", 201>> {
  const url = apiBaseUrl() + fillPath(path, params as Record<string, string> | undefined);
  // As the client does: a workspace's own paths name theirs in the path, not in the header.
  const workspace = actsInWorkspace(path) ? workspaceScope.id : null;
  const first = await send(url, file, await session.freshToken(), workspace, options);
  if (first.status !== 401) return settle(first);
  const token = await session.refresh();
  if (!token) return settle(first);
  return settle(await send(url, file, token, workspace, options));
}

function fillPath(path: string, params: Record<string, string> | undefined): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params?.[name] ?? ""));
}

interface RawResult {
  status: number;
  body: unknown;
  retryAfter: number | null;
}

function send(url: string, file: File, token: string | null, workspace: string | null, options: UploadOptions): Promise<RawResult> {
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(new UploadAborted());
      return;
    }
    const request = new XMLHttpRequest();
    request.open("POST", url);
    request.responseType = "text";
    request.withCredentials = true;
    if (token) request.setRequestHeader("Authorization", `Bearer ${token}`);
    if (workspace) request.setRequestHeader(WORKSPACE_HEADER, workspace);
    request.upload.onprogress = (event) => {
      const total = event.lengthComputable ? event.total : file.size;
      options.onProgress?.({
        loaded: event.loaded,
        total,
        fraction: total > 0 ? Math.min(1, event.loaded / total) : 0,
      });
    };
    request.onload = () => {
      let body: unknown;
      try {
        body = request.responseText ? JSON.parse(request.responseText) : null;
      } catch {
        body = null;
      }
      resolve({
        status: request.status,
        body,
        retryAfter: Number(request.getResponseHeader("Retry-After")) || null,
      });
    };
    request.onerror = () => reject(new TypeError("Ignacio cannot be reached."));
    request.onabort = () => reject(new UploadAborted());
    options.signal?.addEventListener("abort", () => request.abort(), { once: true });
    const form = new FormData();
    form.append("file", file, file.name);
    for (const [name, value] of Object.entries(options.fields ?? {})) form.append(name, value);
    request.send(form);
  });
}

function settle<T>(result: RawResult): T {
  if (result.status >= 200 && result.status < 300) return result.body as T;
  if (result.status === 401) session.end("Your session has ended. Log in again.");
  const problem: ApiProblem = isApiProblem(result.body)
    ? { ...result.body, status: result.status, retryAfter: result.retryAfter }
    : {
        error: result.status === 413 ? "too_large" : "error",
        message:
          result.status === 413
            ? "That file is too large (25 MB at most)."
            : result.status === 404
              ? "Uploading is not available on this server yet."
              : `The upload failed (${result.status}).`,
        status: result.status,
        retryAfter: result.retryAfter,
      };
  throw problem;
}
