/**
 * A fake Ignacio at the fetch boundary for component tests: handlers per "METHOD /path", every
 * request recorded. The real generated client, middleware and TanStack Query run on top of it.
 */
import { vi } from "vitest";

export type Handler = (request: Request, url: URL) => Response | Promise<Response>;

export interface FakeApi {
  requests: { method: string; path: string; authorization: string | null; workspace: string | null; body: unknown }[];
  on(route: string, handler: Handler): void;
}

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json", ...headers },
  });
}

export function problem(status: number, error: string, message: string, headers: Record<string, string> = {}) {
  return json({ error, message }, status, headers);
}

export function fakeApi(routes: Record<string, Handler> = {}): FakeApi {
  const handlers = new Map(Object.entries(routes));
  const api: FakeApi = {
    requests: [],
    on(route, handler) {
      handlers.set(route, handler);
    },
  };
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
      const request = input instanceof Request ? input : new Request(input, init);
      const url = new URL(request.url);
      const text = await request.clone().text();
      let body: unknown = null;
      if (text) {
        try {
          body = JSON.parse(text);
        } catch {
          body = text;
        }
      }
      api.requests.push({
        method: request.method,
        path: url.pathname,
        authorization: request.headers.get("Authorization"),
        workspace: request.headers.get("Ignacio-Workspace"),
        body,
      });
      const handler = handlers.get(`${request.method} ${url.pathname}`);
      if (!handler) return problem(404, "not_found", `No fake for ${request.method} ${url.pathname}`);
      return handler(request, url);
    }),
  );
  return api;
}

export const ISO = "2026-11-22T10:00:00Z";

export function user(overrides: Record<string, unknown> = {}) {
  return {
    id: "00000000-0000-4000-8000-000000000001",
    phoneNumber: "+34612345678",
    name: "Marta",
    isAdmin: false,
    isActive: true,
    createdAt: ISO,
    updatedAt: ISO,
    ...overrides,
  };
}

export function tokens(accessToken = "access-1", expiresIn = 900) {
  return {
    accessToken,
    expiresIn,
    expiresAt: ISO,
    refreshToken: "refresh-in-cookie",
    refreshExpiresAt: ISO,
    tokenType: "bearer",
  };
}

export function message(overrides: Record<string, unknown> = {}) {
  return {
    id: "10000000-0000-4000-8000-000000000001",
    conversationId: "20000000-0000-4000-8000-000000000001",
    author: "assistant",
    isFromUser: false,
    content: "Hello",
    messageType: "text",
    channel: "web",
    filePath: null,
    fileId: null,
    transcript: null,
    whatsappMessageId: null,
    deliveryStatus: "sent",
    createdAt: ISO,
    aiModel: null,
    inputTokens: null,
    outputTokens: null,
    latencyMs: null,
    ...overrides,
  };
}
