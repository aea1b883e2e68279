import { afterEach, describe, expect, it } from "vitest";
import { fakeApi, json, problem, tokens, user } from "../test/fakeApi";
import { fetchClient } from "./client";
import { describeError } from "./errors";
import { session } from "./session";
import { workspaceScope } from "./workspace";

describe("the generated client", () => {
  afterEach(() => session.end());

  it("sends the access token it holds in memory", async () => {
    const api = fakeApi({ "GET /users/me": () => json(user()) });
    session.start(tokens("access-1"));
    const { data } = await fetchClient.GET("/users/me");
    expect(data?.name).toBe("Marta");
    expect(api.requests[0]?.authorization).toBe("Bearer access-1");
  });

  it("refreshes through the cookie and retries once when the token is refused", async () => {
    let calls = 0;
    const api = fakeApi({
      "GET /users/me": (request) =>
        request.headers.get("Authorization") === "Bearer access-2"
          ? json(user())
          : problem(401, "authentication_failed", "Your session has ended. Log in again."),
      "POST /auth/refresh": () => {
        calls += 1;
        return json(tokens("access-2"));
      },
    });
    session.start(tokens("access-1"));
    const [first, second] = await Promise.all([fetchClient.GET("/users/me"), fetchClient.GET("/users/me")]);
    expect(first.data?.id).toBe(user().id);
    expect(second.data?.id).toBe(user().id);
    // Two refused requests, one refresh: each refresh token works once.
    expect(calls).toBe(1);
    const refresh = api.requests.find((request) => request.path === "/auth/refresh");
    expect(refresh?.authorization).toBeNull();
    expect(JSON.stringify(refresh?.body ?? null)).not.toContain("refresh-in-cookie");
  });

  it("renews a token about to expire before using it", async () => {
    const api = fakeApi({
      "GET /users/me": () => json(user()),
      "POST /auth/refresh": () => json(tokens("access-fresh")),
    });
    session.start(tokens("access-old", 30));
    await fetchClient.GET("/users/me");
    expect(api.requests.map((request) => request.path)).toEqual(["/auth/refresh", "/users/me"]);
    expect(api.requests[1]?.authorization).toBe("Bearer access-fresh");
  });

  it("ends the session when the refresh is refused too", async () => {
    fakeApi({
      "GET /users/me": () => problem(401, "authentication_failed", "Your session has ended. Log in again."),
      "POST /auth/refresh": () => problem(401, "authentication_failed", "Your session has ended. Log in again."),
    });
    session.start(tokens("access-1"));
    const events: string[] = [];
    const unsubscribe = session.subscribe((event) => events.push(event.type === "ended" ? `ended: ${event.reason}` : event.type));
    const { error } = await fetchClient.GET("/users/me");
    unsubscribe();
    expect(session.active).toBe(false);
    expect(events).toEqual(["ended: Your session has ended. Log in again."]);
    expect(describeError(error)).toBe("Your session has ended. Log in again.");
  });

  it("gives errors their status and Retry-After", async () => {
    fakeApi({
      "POST /auth/request-otp": () =>
        problem(429, "rate_limited", "Too many code requests for this number. Try again in 600 seconds.", {
          "Retry-After": "600",
        }),
    });
    const { error } = await fetchClient.POST("/auth/request-otp", { body: { phoneNumber: "+34612345678" } });
    expect(error).toMatchObject({ error: "rate_limited", status: 429, retryAfter: 600 });
    expect(describeError(error)).toBe("Too many code requests for this number. Try again in 10 minutes.");
  });

  it("names the chosen workspace on requests that act in one, and on their retry", async () => {
    let refused = false;
    const api = fakeApi({
      "GET /conversations": () => {
        if (refused) return json({ items: [], nextCursor: null });
        refused = true;
        return problem(401, "authentication_failed", "Your session has ended. Log in again.");
      },
      "POST /auth/refresh": () => json(tokens("access-2")),
      "GET /workspaces": () => json({ items: [], nextCursor: null }),
      "GET /workspaces/clinic": () => json({}),
    });
    session.start(tokens("access-1"));
    await fetchClient.GET("/conversations");
    expect(api.requests.map((request) => request.workspace)).toEqual([null, null, null]);

    api.requests.length = 0;
    workspaceScope.set("w-clinic");
    refused = false;
    await fetchClient.GET("/conversations");
    await fetchClient.GET("/workspaces");
    await fetchClient.GET("/workspaces/{workspace}", { params: { path: { workspace: "clinic" } } });
    expect(api.requests.map((request) => [request.path, request.workspace])).toEqual([
      ["/conversations", "w-clinic"],
      ["/auth/refresh", null],
      ["/conversations", "w-clinic"],
      ["/workspaces", null],
      ["/workspaces/clinic", null],
    ]);
  });
});
