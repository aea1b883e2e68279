import { renderHook, waitFor } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { session } from "../api/session";
import { fakeApi, json, tokens } from "../test/fakeApi";
import { type LiveEvent, parseEvent, useEventStream } from "./events";

const encoder = new TextEncoder();

function stream(text: string, { close = true } = {}): Response {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(text));
      if (close) controller.close();
    },
  });
  return new Response(body, { headers: { "Content-Type": "text/event-stream" } });
}

describe("parseEvent", () => {
  it("reads the events the app knows, and leaves out the rest", () => {
    expect(parseEvent({ id: "4", event: "delivery", data: '{"conversationId":"c-1","messageId":"m-1","status":"failed"}' })).toEqual({
      kind: "delivery",
      id: "4",
      conversationId: "c-1",
      messageId: "m-1",
      author: undefined,
      change: undefined,
      status: "failed",
      state: undefined,
      assigneeId: undefined,
    });
    expect(parseEvent({ id: "5", event: "conversation", data: '{"conversationId":"c-1","state":"assistant","assigneeId":null}' })).toMatchObject({
      state: "assistant",
      assigneeId: null,
    });
    expect(
      parseEvent({ id: "9", event: "message_changed", data: '{"conversationId":"c-1","messageId":"m-1","change":"deleted"}' }),
    ).toMatchObject({ kind: "message_changed", messageId: "m-1", change: "deleted" });
    expect(parseEvent({ id: "6", event: "ping", data: "{}" })).toBeNull();
    expect(parseEvent({ id: "7", event: "message", data: "not json" })).toBeNull();
    expect(parseEvent({ id: "8", event: "message", data: '{"messageId":"m-1"}' })).toBeNull();
  });
});

describe("useEventStream", () => {
  it("reconnects when the stream ends, from the last event it saw", async () => {
    session.start(tokens("access-1"));
    const seen: LiveEvent[] = [];
    const connections: Request[] = [];
    let reconnected = 0;
    const api = fakeApi({
      "POST /auth/refresh": () => json(tokens("access-2")),
      "GET /workspaces/clinic/events": (request) => {
        connections.push(request);
        if (connections.length === 1) {
          return stream('id: 3\nevent: message\ndata: {"conversationId":"c-1","author":"member"}\n\n');
        }
        return stream('id: 4\nevent: conversation\ndata: {"conversationId":"c-1","state":"human"}\n\n', { close: false });
      },
    });
    const { result, unmount } = renderHook(() =>
      useEventStream(
        "/workspaces/clinic/events",
        (event) => seen.push(event),
        () => (reconnected += 1),
      ),
    );
    await waitFor(() => expect(seen.map((event) => event.id)).toEqual(["3", "4"]), { timeout: 4_000 });
    expect(connections[0]!.headers.get("Authorization")).toBe("Bearer access-1");
    expect(connections[0]!.headers.get("Accept")).toBe("text/event-stream");
    expect(connections[0]!.headers.get("Last-Event-ID")).toBeNull();
    expect(connections[1]!.headers.get("Last-Event-ID")).toBe("3");
    expect(reconnected).toBe(1);
    await waitFor(() => expect(result.current).toBe(true));
    unmount();
    expect(api.requests.filter((request) => request.path.endsWith("/events"))).toHaveLength(2);
  });

  it("gives up on a stream the server does not have, so the screens keep polling", async () => {
    session.start(tokens("access-1"));
    let calls = 0;
    fakeApi({
      "GET /events": () => {
        calls += 1;
        return json({ error: "not_found", message: "Nothing here." }, 404);
      },
    });
    const { result } = renderHook(() => useEventStream("/events", () => {}));
    await waitFor(() => expect(calls).toBe(1));
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect(calls).toBe(1);
    expect(result.current).toBe(false);
  });

  it("renews an expired session and connects again", async () => {
    session.start(tokens("access-old"));
    const connections: Request[] = [];
    fakeApi({
      "POST /auth/refresh": () => json(tokens("access-new")),
      "GET /events": (request) => {
        connections.push(request);
        if (request.headers.get("Authorization") === "Bearer access-old") return json({ error: "unauthorized", message: "Expired." }, 401);
        return stream("", { close: false });
      },
    });
    const { result } = renderHook(() => useEventStream("/events", () => {}));
    await waitFor(() => expect(result.current).toBe(true), { timeout: 4_000 });
    expect(connections.map((request) => request.headers.get("Authorization"))).toEqual(["Bearer access-old", "Bearer access-new"]);
  });
});
