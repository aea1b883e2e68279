/**
 * A fake Ignacio at the fetch boundary for component tests: handlers per "METHOD /path", every
 * request recorded. The real generated client, middleware and TanStack Query run on top of it.
 * Uploads (XMLHttpRequest, for their progress) reach the same handlers.
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
  function answer(request: Request, body: unknown): Response | Promise<Response> {
    const url = new URL(request.url);
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
  }
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
      const request = input instanceof Request ? input : new Request(input, init);
      const text = await request.clone().text();
      let body: unknown = null;
      if (text) {
        try {
          body = JSON.parse(text);
        } catch {
          body = text;
        }
      }
      return answer(request, body);
    }),
  );
  vi.stubGlobal("XMLHttpRequest", fakeXMLHttpRequest(answer));
  return api;
}

/**
 * The part of XMLHttpRequest that upload.ts uses. The handler gets the request's method, URL and
 * headers; the form sent (a FormData, whose file keeps its name) is the recorded request's body,
 * since jsdom's FormData does not survive Node's Request. Progress is reported once, all sent.
 */
function fakeXMLHttpRequest(answer: (request: Request, body: unknown) => Response | Promise<Response>) {
  return class FakeXMLHttpRequest {
    status = 0;
    responseText = "";
    responseType = "";
    withCredentials = false;
    upload: { onprogress: ((event: ProgressEvent) => void) | null } = { onprogress: null };
    onload: (() => void) | null = null;
    onerror: (() => void) | null = null;
    onabort: (() => void) | null = null;
    private method = "GET";
    private url = "";
    private readonly headers = new Headers();
    private response: Response | null = null;
    private aborted = false;

    open(method: string, url: string): void {
      this.method = method;
      this.url = url;
    }

    setRequestHeader(name: string, value: string): void {
      this.headers.set(name, value);
    }

    getResponseHeader(name: string): string | null {
      return this.response?.headers.get(name) ?? null;
    }

    abort(): void {
      this.aborted = true;
      this.onabort?.();
    }

    send(body: FormData | null): void {
      void this.exchange(body);
    }

    private async exchange(body: FormData | null): Promise<void> {
      const size = [...(body?.values() ?? [])].reduce((sum, value) => sum + (typeof value === "string" ? 0 : value.size), 0);
      this.upload.onprogress?.({ lengthComputable: true, loaded: size, total: size } as ProgressEvent);
      try {
        const response = await answer(new Request(this.url, { method: this.method, headers: this.headers }), body);
        if (this.aborted) return;
        this.response = response;
        this.status = response.status;
        this.responseText = await response.text();
        this.onload?.();
      } catch {
        if (!this.aborted) this.onerror?.();
      }
    }
  };
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
    sentByName: null,
    edited: false,
    editedAt: null as string | null,
    deleted: false,
    deletedAt: null as string | null,
    ...overrides,
  };
}
