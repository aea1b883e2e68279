/**
 * The typed API client, generated from Ignacio's OpenAPI schema (schema.d.ts; regenerate it with
 * `scripts/generate-api-client`): `fetchClient` for plain calls, `$api` for TanStack Query hooks
 * (`$api.useQuery("get", "/users/me")`). No endpoint has a hand-written wrapper; the one
 * hand-written request is the upload (upload.ts), because fetch cannot report upload progress.
 */
import createFetchClient, { type Middleware } from "openapi-fetch";
import createQueryClient from "openapi-react-query";
import { problemFrom } from "./errors";
import type { paths } from "./schema";
import { apiBaseUrl, session } from "./session";
import { actsInWorkspace, WORKSPACE_HEADER, workspaceScope } from "./workspace";

/** Every path of the API, as generated. */
export type ApiPaths = paths;

/** Paths that work without logging in (and never trigger a refresh). */
const PUBLIC_PATHS = new Set([
  "/auth/request-otp",
  "/auth/verify-otp",
  "/auth/refresh",
  "/auth/message-login/{login_id}/poll",
  "/health",
]);
const ENDED = "Your session has ended. Log in again.";

const pendingRetries = new Map<string, Request>();

/** Sends the access token, renews it before it expires, and retries once after a 401. */
const authentication: Middleware = {
  async onRequest({ request, schemaPath, id }) {
    if (PUBLIC_PATHS.has(schemaPath)) return request;
    const token = await session.freshToken();
    if (token) request.headers.set("Authorization", `Bearer ${token}`);
    pendingRetries.set(id, request.clone());
    return request;
  },
  async onResponse({ response, schemaPath, id }) {
    const retry = pendingRetries.get(id);
    pendingRetries.delete(id);
    if (response.status !== 401 || !retry || PUBLIC_PATHS.has(schemaPath)) return response;
    const token = await session.refresh();
    if (!token) return response;
    retry.headers.set("Authorization", `Bearer ${token}`);
    const second = await globalThis.fetch(retry);
    if (second.status === 401) session.end(ENDED);
    return second;
  },
  onError({ id }) {
    pendingRetries.delete(id);
  },
};

/** Names the workspace the request acts in (see workspace.ts). */
const workspace: Middleware = {
  onRequest({ request, schemaPath }) {
    const id = workspaceScope.id;
    if (id && actsInWorkspace(schemaPath)) request.headers.set(WORKSPACE_HEADER, id);
    return request;
  },
};

/** Error bodies become `ApiProblem`s that carry the status (and Retry-After) with them. */
const problems: Middleware = {
  async onResponse({ response, schemaPath }) {
    if (response.ok || schemaPath === "/health") return response;
    const problem = await problemFrom(response);
    return new Response(JSON.stringify(problem), {
      status: response.status,
      statusText: response.statusText,
      headers: { "Content-Type": "application/json" },
    });
  },
};

export const fetchClient = createFetchClient<ApiPaths>({
  baseUrl: apiBaseUrl(),
  credentials: "same-origin",
  // Looked up on every call, so tests can replace the global fetch.
  fetch: (request) => globalThis.fetch(request),
});
// Request middleware runs in order, so the request authentication keeps for a retry names the
// workspace too; response middleware runs last-registered first: authentication retries, then
// problems shape.
fetchClient.use(workspace, problems, authentication);

export const $api = createQueryClient(fetchClient);
