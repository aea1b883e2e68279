/**
 * The login session in this tab.
 *
 * The access token lives only in memory (never in localStorage); the refresh token is an httpOnly
 * cookie the browser sends to /auth/refresh by itself, so a reload or a new tab starts by trading
 * it for a fresh access token. Refreshes are single-flight within a tab and serialised across
 * tabs (Web Locks), because each refresh token works once.
 */
import createClient from "openapi-fetch";
import type { paths } from "./schema";

/** Refresh this long before the access token expires. */
const EARLY_REFRESH_MS = 60_000;
const LOCK = "ignacio-session-refresh";
const BROADCAST = "ignacio-session";

export type SessionEvent =
  | { type: "started" }
  | { type: "ended"; reason: string | null };
type Listener = (event: SessionEvent) => void;

interface AccessToken {
  value: string;
  expiresAt: number;
}

export function apiBaseUrl(): string {
  return window.location.origin;
}

// A client without the auth middleware, for /auth/refresh (which must never recurse into itself).
const authClient = createClient<paths>({
  baseUrl: apiBaseUrl(),
  credentials: "same-origin",
  fetch: (request) => globalThis.fetch(request),
});

let current: AccessToken | null = null;
let inflight: Promise<string | null> | null = null;
const listeners = new Set<Listener>();
const channel = typeof BroadcastChannel === "undefined" ? null : new BroadcastChannel(BROADCAST);
channel?.addEventListener("message", (event: MessageEvent<unknown>) => {
  // Another tab logged out: this one ends too.
  if (event.data === "logout" && current) {
    current = null;
    emit({ type: "ended", reason: "You logged out in another tab." });
  }
});

function emit(event: SessionEvent): void {
  for (const listener of listeners) listener(event);
}

export const session = {
  /** Keep a new access token (from verify-otp or refresh); `expiresIn` in seconds. */
  start(tokens: { accessToken: string; expiresIn: number }): void {
    const wasActive = current !== null;
    current = { value: tokens.accessToken, expiresAt: Date.now() + tokens.expiresIn * 1000 };
    if (!wasActive) emit({ type: "started" });
  },

  /** Forget the access token; `reason` is shown on the login screen. */
  end(reason: string | null = null, { everywhere = false } = {}): void {
    const wasActive = current !== null;
    current = null;
    if (everywhere) channel?.postMessage("logout");
    if (wasActive) emit({ type: "ended", reason });
  },

  get active(): boolean {
    return current !== null;
  },

  /** A token good for at least another minute, refreshing first if needed; null when logged out. */
  async freshToken(): Promise<string | null> {
    if (current && current.expiresAt - Date.now() > EARLY_REFRESH_MS) return current.value;
    return session.refresh();
  },

  /** Trade the refresh cookie for a new access token; null when there is no session to resume. */
  refresh(): Promise<string | null> {
    if (!inflight) {
      inflight = withLock(refreshOnce).finally(() => {
        inflight = null;
      });
    }
    return inflight;
  },

  subscribe(listener: Listener): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};

async function refreshOnce(): Promise<string | null> {
  const { data, response } = await authClient.POST("/auth/refresh", { body: null });
  if (data) {
    session.start(data);
    return data.accessToken;
  }
  if (response.status === 401) {
    session.end("Your session has ended. Log in again.");
    return null;
  }
  throw new Error(`Ignacio could not renew your session (${response.status}). Try again.`);
}

function withLock<T>(task: () => Promise<T>): Promise<T> {
  const locks = typeof navigator === "undefined" ? undefined : navigator.locks;
  return locks ? (locks.request(LOCK, task) as Promise<T>) : task();
}
