import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { Route, Routes, useLocation } from "react-router-dom";
import { describe, expect, it } from "vitest";
import { $api } from "../api/client";
import { session } from "../api/session";
import { AuthProvider } from "../auth/AuthProvider";
import { useAssistantName } from "../lib/workspaces";
import { fakeApi, ISO, json, problem, tokens, user } from "../test/fakeApi";
import { renderWithProviders } from "../test/render";
import { Layout } from "./Layout";

function workspace(overrides: Record<string, unknown> = {}) {
  return {
    id: "w-default",
    slug: "default",
    name: "Action Lab",
    assistant: { name: null, instructions: null, language: null, model: null, webSearch: null },
    access: null,
    role: "member",
    createdAt: ISO,
    updatedAt: ISO,
    ...overrides,
  };
}

function mine(role: string) {
  return { items: [workspace({ role })], nextCursor: null };
}

const TWO = {
  items: [
    workspace(),
    workspace({ id: "w-clinic", slug: "clinic", name: "Clínica Sol", assistant: { ...workspace().assistant, name: "Sol" } }),
  ],
  nextCursor: null,
};

/** A screen that asks for the workspace's conversations, as the chat does. */
function Screen() {
  const conversations = $api.useQuery("get", "/conversations", { params: { query: { limit: 50 } } });
  const { pathname } = useLocation();
  return (
    <>
      <p>Talking to {useAssistantName()}</p>
      <p>At {pathname}</p>
      {conversations.data?.items.map((item) => <p key={item.id}>{item.title}</p>)}
    </>
  );
}

/** The API's rule: someone in several workspaces names one, or is refused. */
function conversationsIn(request: Request) {
  const named = request.headers.get("Ignacio-Workspace");
  if (!named) return problem(400, "invalid_input", "You belong to several workspaces (default, clinic): name one with the Ignacio-Workspace header.");
  return json({ items: [{ id: `c-${named}`, title: `A chat in ${named}` }], nextCursor: null });
}

function renderLayout(path = "/") {
  session.start(tokens());
  return renderWithProviders(
    <AuthProvider>
      <Routes>
        <Route element={<Layout />}>
          <Route path="/" element={<p>Home</p>} />
          <Route path="/chat/*" element={<Screen />} />
          <Route path="/workspace/*" element={<p>A page of the workspace</p>} />
        </Route>
      </Routes>
    </AuthProvider>,
    { path },
  );
}

describe("Layout", () => {
  it("links the inbox, the dashboard, the Workspace page and the knowledge base for a workspace's admins and agents", async () => {
    fakeApi({
      "POST /auth/refresh": () => json(tokens()),
      "GET /users/me": () => json(user()),
      "GET /workspaces": () => json(mine("agent")),
    });
    renderLayout();
    const nav = screen.getByRole("navigation", { name: "Main" });
    expect(await screen.findByRole("link", { name: "Workspace" })).toHaveAttribute("href", "/workspace");
    expect(nav).toContainElement(screen.getByRole("link", { name: "Workspace" }));
    expect(within(nav).getByRole("link", { name: "Knowledge base" })).toHaveAttribute("href", "/workspace/knowledge");
    expect(within(nav).getByRole("link", { name: "Inbox" })).toHaveAttribute("href", "/inbox");
    expect(within(nav).getByRole("link", { name: "Dashboard" })).toHaveAttribute("href", "/dashboard");
    // The record types are its admins' to change: an agent is not sent there.
    expect(within(nav).queryByRole("link", { name: "Record types" })).not.toBeInTheDocument();
  });

  it("links the record types for a workspace's admins", async () => {
    fakeApi({
      "POST /auth/refresh": () => json(tokens()),
      "GET /users/me": () => json(user()),
      "GET /workspaces": () => json(mine("admin")),
    });
    renderLayout();
    const nav = screen.getByRole("navigation", { name: "Main" });
    expect(await within(nav).findByRole("link", { name: "Record types" })).toHaveAttribute("href", "/workspace/record-types");
  });

  it("marks the knowledge base as the current page, not the Workspace page above it", async () => {
    fakeApi({
      "POST /auth/refresh": () => json(tokens()),
      "GET /users/me": () => json(user()),
      "GET /workspaces": () => json(mine("admin")),
    });
    renderLayout("/workspace/knowledge");
    expect(await screen.findByRole("link", { name: "Knowledge base" })).toHaveAttribute("aria-current", "page");
    expect(screen.getByRole("link", { name: "Workspace" })).not.toHaveAttribute("aria-current");
  });

  it("does not link it for a workspace's plain members", async () => {
    const api = fakeApi({
      "POST /auth/refresh": () => json(tokens()),
      "GET /users/me": () => json(user()),
      "GET /workspaces": () => json(mine("member")),
    });
    const { queryClient } = renderLayout();
    await waitFor(() => expect(api.requests.some((request) => request.path === "/workspaces")).toBe(true));
    await waitFor(() => expect(queryClient.isFetching()).toBe(0));
    expect(screen.getByText("Marta")).toBeInTheDocument();
    expect(screen.queryByRole("link", { name: "Workspace" })).not.toBeInTheDocument();
    expect(screen.queryByRole("link", { name: "Knowledge base" })).not.toBeInTheDocument();
    expect(screen.queryByRole("link", { name: "Inbox" })).not.toBeInTheDocument();
    expect(screen.queryByRole("link", { name: "Dashboard" })).not.toBeInTheDocument();
  });

  it("offers no workspace switcher to someone in one workspace", async () => {
    const api = fakeApi({
      "POST /auth/refresh": () => json(tokens()),
      "GET /users/me": () => json(user()),
      "GET /workspaces": () => json(mine("member")),
      "GET /conversations": () => json({ items: [{ id: "c-1", title: "Only chat" }], nextCursor: null }),
    });
    renderLayout("/chat");
    expect(await screen.findByText("Only chat")).toBeInTheDocument();
    expect(screen.queryByRole("combobox", { name: "Workspace" })).not.toBeInTheDocument();
    // Their one workspace is named all the same: the API accepts either.
    expect(api.requests.find((request) => request.path === "/conversations")?.workspace).toBe("w-default");
  });

  it("lets someone in two workspaces switch, naming the current one on every request", async () => {
    const api = fakeApi({
      "POST /auth/refresh": () => json(tokens()),
      "GET /users/me": () => json(user()),
      "GET /workspaces": () => json(TWO),
      "GET /conversations": conversationsIn,
    });
    renderLayout("/chat/c-w-default");
    const switcher = await screen.findByRole("combobox", { name: "Workspace" });
    expect(switcher).toHaveValue("w-default");
    expect(screen.getAllByRole("option").map((option) => option.textContent)).toEqual(["Action Lab", "Clínica Sol"]);
    expect(await screen.findByText("A chat in w-default")).toBeInTheDocument();
    expect(screen.getByText("Talking to Ignacio")).toBeInTheDocument();
    expect(api.requests.filter((request) => request.path === "/conversations").map((request) => request.workspace)).toEqual(["w-default"]);

    await userEvent.selectOptions(switcher, "Clínica Sol");
    expect(await screen.findByText("A chat in w-clinic")).toBeInTheDocument();
    expect(screen.queryByText("A chat in w-default")).not.toBeInTheDocument();
    expect(screen.getByText("Talking to Sol")).toBeInTheDocument();
    // The conversation open belonged to the other workspace.
    expect(screen.getByText("At /chat")).toBeInTheDocument();
    expect(api.requests.filter((request) => request.path === "/conversations").map((request) => request.workspace)).toEqual([
      "w-default",
      "w-clinic",
    ]);
    expect(api.requests.filter((request) => request.path === "/workspaces")).toHaveLength(1);
    expect(Object.values({ ...localStorage })).toEqual(["w-clinic"]);
  });

  it("keeps the choice for the next visit", async () => {
    localStorage.setItem(`ignacio.workspace.${user().id}`, "w-clinic");
    const api = fakeApi({
      "POST /auth/refresh": () => json(tokens()),
      "GET /users/me": () => json(user()),
      "GET /workspaces": () => json(TWO),
      "GET /conversations": conversationsIn,
    });
    renderLayout("/chat");
    expect(await screen.findByText("A chat in w-clinic")).toBeInTheDocument();
    expect(screen.getByRole("combobox", { name: "Workspace" })).toHaveValue("w-clinic");
    expect(api.requests.filter((request) => request.path === "/conversations").map((request) => request.workspace)).toEqual(["w-clinic"]);
  });

  it("falls back to the first workspace when the one kept is no longer the person's", async () => {
    localStorage.setItem(`ignacio.workspace.${user().id}`, "w-left-long-ago");
    const api = fakeApi({
      "POST /auth/refresh": () => json(tokens()),
      "GET /users/me": () => json(user()),
      "GET /workspaces": () => json(TWO),
      "GET /conversations": conversationsIn,
    });
    renderLayout("/chat");
    expect(await screen.findByText("A chat in w-default")).toBeInTheDocument();
    expect(screen.getByRole("combobox", { name: "Workspace" })).toHaveValue("w-default");
    expect(api.requests.filter((request) => request.path === "/conversations").map((request) => request.workspace)).toEqual(["w-default"]);
  });
});
