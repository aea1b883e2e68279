import { screen, waitFor } from "@testing-library/react";
import { Route, Routes } from "react-router-dom";
import { describe, expect, it } from "vitest";
import { session } from "../api/session";
import { AuthProvider } from "../auth/AuthProvider";
import { fakeApi, ISO, json, tokens, user } from "../test/fakeApi";
import { renderWithProviders } from "../test/render";
import { Layout } from "./Layout";

function mine(role: string) {
  return {
    items: [
      {
        id: "w-default",
        slug: "default",
        name: "Action Lab",
        assistant: { name: null, instructions: null, language: null, model: null, webSearch: null },
        access: null,
        role,
        createdAt: ISO,
        updatedAt: ISO,
      },
    ],
    nextCursor: null,
  };
}

function renderLayout() {
  session.start(tokens());
  return renderWithProviders(
    <AuthProvider>
      <Routes>
        <Route element={<Layout />}>
          <Route path="/" element={<p>Home</p>} />
        </Route>
      </Routes>
    </AuthProvider>,
  );
}

describe("Layout", () => {
  it("links the Workspace page for a workspace's admins and agents", async () => {
    fakeApi({
      "POST /auth/refresh": () => json(tokens()),
      "GET /users/me": () => json(user()),
      "GET /workspaces": () => json(mine("agent")),
    });
    renderLayout();
    const nav = screen.getByRole("navigation", { name: "Main" });
    expect(await screen.findByRole("link", { name: "Workspace" })).toHaveAttribute("href", "/workspace");
    expect(nav).toContainElement(screen.getByRole("link", { name: "Workspace" }));
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
  });
});
