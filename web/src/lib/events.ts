/**
 * Live updates: the server's event streams (Server-Sent Events), read with fetch so that the
 * access token goes in the Authorization header (EventSource cannot send one). Each event says
 * which conversation changed; the hook marks the cached answers about it stale, and TanStack
 * Query asks for the ones on screen again. A dropped stream reconnects by itself, from the last
 * event it saw (`Last-Event-ID`), with a fresh token each time.
 *
 * The streams (the contract, as agreed with the server's side):
 * - `GET /workspaces/{workspace}/events`: everything in a workspace, for its team;
 * - `GET /conversations/events`: the caller's own conversations, for a member.
 * Each event is `id: <int>`, `event: message|message_changed|delivery|conversation|summary` (the
 * last for the team only), and a JSON `data`: `{conversationId, messageId?, author?, change?,
 * status?, state?, assigneeId?, readBy?, summaryId?}`; `message_changed` is a message its member
 * edited (`change: edited`) or deleted (`change: deleted`) on WhatsApp. The server also says
 * `ready` (the stream is open; its id is the cursor), `reset` (after a reconnection, too much
 * was missed: the reconnection's refetch covers it) and `end` (its token expired, or it is
 * stopping: reconnect); this app needs none of them beyond their ids.
 *
 * While a stream is not connected (or the server has none), `live` is false and screens poll.
 */
import { fetchEventSource } from "@microsoft/fetch-event-source";
import { type QueryClient, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { apiBaseUrl, session } from "../api/session";
import { actsInWorkspace, WORKSPACE_HEADER, workspaceScope } from "../api/workspace";

export type EventKind = "message" | "message_changed" | "delivery" | "conversation" | "summary";

export interface LiveEvent {
  kind: EventKind;
  /** The event's id, the stream's position. */
  id: string;
  conversationId: string;
  messageId?: string;
  author?: string;
  /** `message_changed`: `edited` or `deleted`. */
  change?: string;
  status?: string;
  state?: string;
  assigneeId?: string | null;
}

const KINDS = new Set<string>(["message", "message_changed", "delivery", "conversation", "summary"]);
/** How long to wait before reconnecting: doubling from one second, at most half a minute. */
const FIRST_RETRY_MS = 1_000;
const LAST_RETRY_MS = 30_000;

/** A stream answered with something other than events: not worth retrying (no such stream,
 * or not for this person). */
class StreamRefused extends Error {}
/** The stream ended or broke: reconnect. */
class StreamDropped extends Error {}

/** Parses one event of the stream; null for anything this app does not know. */
export function parseEvent(message: { id: string; event: string; data: string }): LiveEvent | null {
  if (!KINDS.has(message.event)) return null;
  let data: unknown;
  try {
    data = JSON.parse(message.data);
  } catch {
    return null;
  }
  if (typeof data !== "object" || data === null) return null;
  const fields = data as Record<string, unknown>;
  if (typeof fields.conversationId !== "string") return null;
  const text = (name: string) => (typeof fields[name] === "string" ? (fields[name] as string) : undefined);
  return {
    kind: message.event as EventKind,
    id: message.id,
    conversationId: fields.conversationId,
    messageId: text("messageId"),
    author: text("author"),
    change: text("change"),
    status: text("status"),
    state: text("state"),
    assigneeId: fields.assigneeId === null ? null : text("assigneeId"),
  };
}

/**
 * Follows the event stream at `path` (on this server) while mounted and `path` is not null,
 * calling `onEvent` for each event; `onReconnect` after a reconnection (events may have been
 * missed beyond what the server keeps). Returns whether the stream is connected now.
 */
export function useEventStream(
  path: string | null,
  onEvent: (event: LiveEvent) => void,
  onReconnect?: () => void,
): boolean {
  const [live, setLive] = useState(false);
  const handlers = useRef({ onEvent, onReconnect });
  useEffect(() => {
    handlers.current = { onEvent, onReconnect };
  });
  useEffect(() => {
    if (!path) return;
    const stop = new AbortController();
    let retry = FIRST_RETRY_MS;
    let opened = 0;
    void fetchEventSource(apiBaseUrl() + path, {
      signal: stop.signal,
      // Keep listening in a background tab: an agent waits for the member there.
      openWhenHidden: true,
      // A fresh token for every (re)connection: the first one expires within the quarter hour.
      fetch: async (input, init) => {
        const token = await session.freshToken();
        const headers = new Headers(init?.headers);
        if (token) headers.set("Authorization", `Bearer ${token}`);
        // The member's stream is about the workspace they act in, as their other requests are.
        if (workspaceScope.id && actsInWorkspace(path)) headers.set(WORKSPACE_HEADER, workspaceScope.id);
        return globalThis.fetch(input, { ...init, headers, credentials: "same-origin" });
      },
      async onopen(response) {
        if (response.status === 401) {
          // Expired after all: renew, and let the retry use the new token.
          if (await session.refresh()) throw new StreamDropped("renewed the session");
          throw new StreamRefused("logged out");
        }
        if (!response.ok || !response.headers.get("content-type")?.startsWith("text/event-stream")) {
          throw new StreamRefused(`${response.status}`);
        }
        opened += 1;
        setLive(true);
        if (opened > 1) handlers.current.onReconnect?.();
      },
      onmessage(message) {
        // Events flow: the next drop retries soon again (a stream that opens and closes at once,
        // and says nothing, backs off).
        retry = FIRST_RETRY_MS;
        const event = parseEvent(message);
        if (event) handlers.current.onEvent(event);
      },
      onclose() {
        // The server ended the stream (a restart, a deploy): connect again.
        throw new StreamDropped("closed");
      },
      onerror(error: unknown) {
        setLive(false);
        if (error instanceof StreamRefused || stop.signal.aborted) throw error;
        const wait = retry;
        retry = Math.min(retry * 2, LAST_RETRY_MS);
        return wait;
      },
    }).catch(() => {
      // Refused for good: the screens keep polling.
      setLive(false);
    });
    return () => {
      stop.abort();
      setLive(false);
    };
  }, [path]);
  return live;
}

/** Whether a cached query is about `conversationId` (its path names it). */
function about(conversationId: string) {
  return ({ queryKey }: { queryKey: readonly unknown[] }) => {
    const init = queryKey[2] as { params?: { path?: { conversation_id?: string } } } | undefined;
    return init?.params?.path?.conversation_id === conversationId;
  };
}

const INBOX = "/workspaces/{workspace}/inbox";
const INBOX_THREAD = "/workspaces/{workspace}/inbox/{conversation_id}";
const INBOX_MESSAGES = "/workspaces/{workspace}/inbox/{conversation_id}/messages";
const INBOX_PROGRESS = "/workspaces/{workspace}/inbox/{conversation_id}/progress";

/**
 * After a change to one conversation of the workspace: the inbox, its thread, its messages, and
 * its member's answers to the workflow steps (the assistant records them as it answers).
 */
export function invalidateInbox(queryClient: QueryClient, conversationId?: string): Promise<unknown> {
  const matches = conversationId ? about(conversationId) : () => true;
  return Promise.all([
    queryClient.invalidateQueries({ queryKey: ["get", INBOX] }),
    queryClient.invalidateQueries({ queryKey: ["get", INBOX_THREAD], predicate: matches }),
    queryClient.invalidateQueries({ queryKey: ["get", INBOX_MESSAGES], predicate: matches }),
    queryClient.invalidateQueries({ queryKey: ["get", INBOX_PROGRESS], predicate: matches }),
  ]);
}

/** After a change to one of the member's own conversations: their list, it, its messages. */
export function invalidateMine(queryClient: QueryClient, conversationId?: string): Promise<unknown> {
  const matches = conversationId ? about(conversationId) : () => true;
  return Promise.all([
    queryClient.invalidateQueries({ queryKey: ["get", "/conversations"] }),
    queryClient.invalidateQueries({ queryKey: ["get", "/conversations/{conversation_id}"], predicate: matches }),
    queryClient.invalidateQueries({ queryKey: ["get", "/conversations/{conversation_id}/messages"], predicate: matches }),
  ]);
}

/** The team's live view of a workspace (its short name or id); null to follow none. */
export function useWorkspaceEvents(workspace: string | null, onEvent?: (event: LiveEvent) => void): boolean {
  const queryClient = useQueryClient();
  return useEventStream(
    workspace ? `/workspaces/${encodeURIComponent(workspace)}/events` : null,
    (event) => {
      void invalidateInbox(queryClient, event.conversationId);
      onEvent?.(event);
    },
    () => void invalidateInbox(queryClient),
  );
}

/** The member's stream: their own conversations, in the workspace they act in. */
export const MEMBER_EVENTS_PATH: string | null = "/conversations/events";

/** A member's live view of their own conversations. */
export function useMemberEvents(enabled = true, onEvent?: (event: LiveEvent) => void): boolean {
  const queryClient = useQueryClient();
  return useEventStream(
    enabled ? MEMBER_EVENTS_PATH : null,
    (event) => {
      void invalidateMine(queryClient, event.conversationId);
      onEvent?.(event);
    },
    () => void invalidateMine(queryClient),
  );
}
