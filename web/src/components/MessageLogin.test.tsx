import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { fakeApi, json, problem, tokens, user } from "../test/fakeApi";
import { renderWithProviders } from "../test/render";
import { MessageLogin } from "./MessageLogin";

const ID = "5b7c0d4e-2f7a-4c51-9d3e-1a2b3c4d5e6f";

function started(overrides: Record<string, unknown> = {}) {
  return json(
    {
      id: ID,
      purpose: "login",
      code: "123456",
      text: "VERIFY 123456",
      number: "+15550100199",
      link: "https://wa.me/15550100199?text=VERIFY%20123456",
      workspace: "default",
      workspaceName: "Clínica Sol",
      device: "Firefox on Windows",
      expiresAt: new Date(Date.now() + 10 * 60 * 1000).toISOString(),
      browserToken: "the-browsers-secret",
      ...overrides,
    },
    201,
  );
}

function polled(state: string, login: unknown = null) {
  return json({ state, purpose: "login", expiresAt: new Date(Date.now() + 60_000).toISOString(), login });
}

/** Answers the polls in turn, then the last one for ever. */
function answers(...responses: (() => Response)[]) {
  let next = 0;
  return () => {
    const respond = responses[Math.min(next++, responses.length - 1)];
    if (!respond) throw new Error("no answer");
    return respond();
  };
}

describe("MessageLogin", () => {
  it("shows what to send, where, as a link and a QR code, and logs in once confirmed", async () => {
    const api = fakeApi({
      "POST /auth/refresh": () => problem(401, "authentication_failed", "No refresh token was sent."),
      "POST /auth/message-login": () => started(),
      [`POST /auth/message-login/${ID}/poll`]: answers(
        () => polled("waiting"),
        () => polled("claimed"),
        () => polled("confirmed", { ...tokens(), user: user(), isNewUser: false }),
      ),
    });
    const onLoggedIn = vi.fn();
    renderWithProviders(<MessageLogin onLoggedIn={onLoggedIn} pollMs={20} />);
    expect(await screen.findByLabelText("The message to send")).toHaveTextContent("VERIFY 123456");
    expect(screen.getByText("+15550100199")).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Open WhatsApp" })).toHaveAttribute(
      "href",
      "https://wa.me/15550100199?text=VERIFY%20123456",
    );
    expect(screen.getByRole("img", { name: /QR code/ })).toBeInTheDocument();
    expect(screen.getByText(/expires in/)).toHaveTextContent(/expires in (10:00|9:5\d)/);
    expect(await screen.findByText("Answer YES on WhatsApp to finish.")).toBeInTheDocument();
    await waitFor(() => expect(onLoggedIn).toHaveBeenCalledTimes(1));
    expect(onLoggedIn).toHaveBeenCalledWith(expect.objectContaining({ user: user() }));
    const polls = api.requests.filter((request) => request.path.endsWith("/poll"));
    expect(polls[0]?.body).toEqual({ browserToken: "the-browsers-secret" });
    expect(polls.every((request) => request.authorization === null)).toBe(true);
    // Confirmed: it stops asking.
    const asked = polls.length;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(api.requests.filter((request) => request.path.endsWith("/poll"))).toHaveLength(asked);
  });

  it("offers a new code once refused on WhatsApp", async () => {
    let codes = 0;
    fakeApi({
      "POST /auth/refresh": () => problem(401, "authentication_failed", "No refresh token was sent."),
      "POST /auth/message-login": () => started({ text: `VERIFY 00000${++codes}` }),
      [`POST /auth/message-login/${ID}/poll`]: answers(
        () => polled("refused"),
        () => polled("waiting"),
      ),
    });
    renderWithProviders(<MessageLogin pollMs={20} />);
    expect(await screen.findByText("Refused on WhatsApp: nobody was logged in.")).toBeInTheDocument();
    expect(screen.queryByLabelText("The message to send")).not.toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Get a new code" }));
    expect(await screen.findByLabelText("The message to send")).toHaveTextContent("VERIFY 000002");
  });

  it("counts down, and says the code expired when time is up", async () => {
    fakeApi({
      "POST /auth/refresh": () => problem(401, "authentication_failed", "No refresh token was sent."),
      "POST /auth/message-login": () => started({ expiresAt: new Date(Date.now() + 1500).toISOString() }),
      [`POST /auth/message-login/${ID}/poll`]: () => polled("waiting"),
    });
    renderWithProviders(<MessageLogin pollMs={20} />);
    expect(await screen.findByText("The code has expired.", {}, { timeout: 3000 })).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Get a new code" })).toBeInTheDocument();
  });

  it("says what to configure when the workspace's number is not known", async () => {
    fakeApi({
      "POST /auth/refresh": () => problem(401, "authentication_failed", "No refresh token was sent."),
      "POST /auth/message-login": () =>
        problem(409, "conflict", "This deployment's WhatsApp number is not known: set WHATSAPP_DISPLAY_NUMBER."),
    });
    renderWithProviders(<MessageLogin />);
    expect(await screen.findByRole("alert")).toHaveTextContent("WHATSAPP_DISPLAY_NUMBER");
  });

  it("links WhatsApp to the account logged in", async () => {
    const api = fakeApi({
      "POST /auth/refresh": () => json(tokens()),
      "POST /auth/message-login": () => started({ purpose: "link" }),
      [`POST /auth/message-login/${ID}/poll`]: () =>
        json({ state: "confirmed", purpose: "link", expiresAt: new Date().toISOString(), login: null }),
    });
    const onLinked = vi.fn();
    renderWithProviders(<MessageLogin purpose="link" workspace="sol" onLinked={onLinked} pollMs={20} />);
    expect(await screen.findByText("✅ WhatsApp linked.")).toBeInTheDocument();
    expect(onLinked).toHaveBeenCalledTimes(1);
    const start = api.requests.find((request) => request.path === "/auth/message-login");
    expect(start?.body).toEqual({ purpose: "link", workspace: "sol" });
    expect(start?.authorization).toMatch(/^Bearer /);
  });
});
