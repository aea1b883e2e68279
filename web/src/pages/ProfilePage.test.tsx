import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { session as tabSession } from "../api/session";
import { AuthProvider } from "../auth/AuthProvider";
import { fakeApi, ISO, json, tokens, user } from "../test/fakeApi";
import { renderWithProviders } from "../test/render";
import { ProfilePage } from "./ProfilePage";

const HERE = "00000000-0000-4000-8000-0000000000a1";
const LAPTOP = "00000000-0000-4000-8000-0000000000a2";
const OLD_PHONE = "00000000-0000-4000-8000-0000000000a3";

function loginSession(id: string, overrides: Record<string, unknown> = {}) {
  return {
    id,
    device: "Safari on iPhone",
    network: "203.0.113.0/24",
    createdAt: ISO,
    lastUsedAt: ISO,
    expiresAt: "2026-12-22T10:00:00Z",
    current: false,
    ...overrides,
  };
}

/** The member's sessions as the API lists them: the most recently used first, so not this one. */
function signedIn() {
  return [
    loginSession(LAPTOP, { device: "Firefox on Linux", network: "198.51.100.0/24" }),
    loginSession(HERE, { current: true }),
    loginSession(OLD_PHONE, { device: null, network: null }),
  ];
}

function renderProfile(routes: Parameters<typeof fakeApi>[0]) {
  const api = fakeApi({
    "POST /auth/refresh": () => json(tokens()),
    "GET /users/me": () => json(user()),
    ...routes,
  });
  tabSession.start(tokens());
  renderWithProviders(
    <AuthProvider>
      <ProfilePage />
    </AuthProvider>,
  );
  return api;
}

describe("ProfilePage sessions", () => {
  it("lists where the member is logged in, this device first", async () => {
    renderProfile({ "GET /auth/sessions": () => json({ items: signedIn() }) });

    const list = await screen.findByRole("list", { name: "Sessions" });
    const [here, laptop, unknown] = within(list).getAllByRole("listitem");
    expect(here).toHaveTextContent("Safari on iPhone");
    expect(within(here!).getByText("This device")).toBeInTheDocument();
    expect(here).toHaveTextContent("Active now");
    expect(within(here!).getByRole("button", { name: "Log out of this device" })).toBeEnabled();
    expect(laptop).toHaveTextContent("Firefox on Linux");
    expect(laptop).toHaveTextContent("Last used");
    expect(laptop).toHaveTextContent("network 198.51.100.0/24");
    expect(within(laptop!).queryByText("This device")).toBeNull();
    expect(unknown).toHaveTextContent("Unknown device");
    expect(unknown).not.toHaveTextContent("network");
  });

  it("signs one other device out after asking, and lists what is left", async () => {
    let listed = signedIn();
    const api = renderProfile({
      "GET /auth/sessions": () => json({ items: listed }),
      "DELETE /auth/sessions/00000000-0000-4000-8000-0000000000a2": () => {
        listed = listed.filter((item) => item.id !== LAPTOP);
        return new Response(null, { status: 204 });
      },
    });

    await userEvent.click(await screen.findByRole("button", { name: "Sign out Firefox on Linux" }));
    await userEvent.click(
      within(screen.getByRole("alertdialog", { name: "Sign out Firefox on Linux? It will have to log in again." })).getByRole(
        "button",
        { name: "Sign out" },
      ),
    );

    expect(await screen.findByText("Firefox on Linux is signed out.")).toBeInTheDocument();
    const list = screen.getByRole("list", { name: "Sessions" });
    await expect.poll(() => within(list).getAllByRole("listitem").length).toBe(2);
    expect(within(list).queryByText("Firefox on Linux")).toBeNull();
    expect(api.requests.filter((request) => request.method === "DELETE").map((request) => request.path)).toEqual([
      `/auth/sessions/${LAPTOP}`,
    ]);
    expect(tabSession.active).toBe(true);
  });

  it("signs every other device out, keeping this one", async () => {
    let listed = signedIn();
    const queries: string[] = [];
    renderProfile({
      "GET /auth/sessions": () => json({ items: listed }),
      "POST /auth/logout-all": (_, url) => {
        queries.push(url.search);
        listed = listed.filter((item) => item.current);
        return json({ sessionsEnded: 2 });
      },
    });

    await userEvent.click(await screen.findByRole("button", { name: "Sign out other devices" }));
    await userEvent.click(screen.getByRole("button", { name: "Sign out the others" }));

    expect(await screen.findByText("2 other devices are signed out.")).toBeInTheDocument();
    expect(queries).toEqual(["?keepCurrent=true"]);
    await expect.poll(() => screen.queryByRole("button", { name: "Sign out other devices" })).toBeNull();
    expect(within(screen.getByRole("list", { name: "Sessions" })).getAllByRole("listitem")).toHaveLength(1);
    expect(tabSession.active).toBe(true);
  });

  it("signs out everywhere, this tab too", async () => {
    const queries: string[] = [];
    renderProfile({
      "GET /auth/sessions": () => json({ items: signedIn() }),
      "POST /auth/logout-all": (_, url) => {
        queries.push(url.search);
        return json({ sessionsEnded: 3 });
      },
    });

    await userEvent.click(await screen.findByRole("button", { name: "Sign out everywhere" }));
    const dialog = screen.getByRole("alertdialog", { name: "Sign out everywhere, this device too?" });
    await userEvent.click(within(dialog).getByRole("button", { name: "Sign out everywhere" }));

    await expect.poll(() => tabSession.active).toBe(false);
    expect(queries).toEqual([""]);
  });
});

describe("ProfilePage WhatsApp", () => {
  it("links WhatsApp by sending a code from it", async () => {
    const api = renderProfile({
      "GET /auth/sessions": () => json({ items: signedIn() }),
      "POST /auth/message-login": () =>
        json(
          {
            id: HERE,
            purpose: "link",
            code: "654321",
            text: "VERIFY 654321",
            number: "+15550100199",
            link: "https://wa.me/15550100199?text=VERIFY%20654321",
            workspace: "default",
            workspaceName: "Action Lab",
            device: "Safari on iPhone",
            expiresAt: "2099-01-01T00:00:00Z",
            browserToken: "secret",
          },
          201,
        ),
      [`POST /auth/message-login/${HERE}/poll`]: () =>
        json({ state: "waiting", purpose: "link", expiresAt: "2099-01-01T00:00:00Z", login: null }),
    });
    await userEvent.click(await screen.findByRole("button", { name: "Link WhatsApp" }));
    expect(await screen.findByLabelText("The message to send")).toHaveTextContent("VERIFY 654321");
    const start = api.requests.find((request) => request.path === "/auth/message-login");
    expect(start?.body).toEqual({ purpose: "link" });
    expect(start?.authorization).toMatch(/^Bearer /);
  });
});
