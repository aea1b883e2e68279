import { screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { session } from "../../api/session";
import { AuthProvider } from "../../auth/AuthProvider";
import { fakeApi, json, tokens, user } from "../../test/fakeApi";
import { renderWithProviders } from "../../test/render";
import { HealthPage } from "./HealthPage";

const admin = user({ id: "u-admin", name: "Ana", isAdmin: true, phoneNumber: "+34600000001" });

function renderWith(body: unknown) {
  const api = fakeApi({
    "POST /auth/refresh": () => json(tokens()),
    "GET /users/me": () => json(admin),
    "GET /admin/health": () => json(body),
  });
  session.start(tokens());
  renderWithProviders(
    <AuthProvider>
      <HealthPage />
    </AuthProvider>,
  );
  return api;
}

const working = [
  { name: "database", ok: true, detail: "ok" },
  { name: "storage", ok: true, detail: "ok" },
  { name: "queue", ok: true, detail: "2 waiting, the oldest for under a minute" },
  { name: "whatsapp", ok: true, detail: "console (nothing to check)" },
  { name: "model", ok: true, detail: "offline assistant (no model configured)" },
];

describe("HealthPage", () => {
  it("says everything is working only when every check is ok", async () => {
    const api = renderWith({ healthy: true, checks: working });
    expect(await screen.findByRole("heading", { name: /Everything is working/ })).toBeInTheDocument();
    expect(screen.getByText("2 waiting, the oldest for under a minute")).toBeInTheDocument();
    expect(screen.getByText("console (nothing to check)")).toBeInTheDocument();
    expect(api.requests.some((request) => request.path === "/admin/health")).toBe(true);
    expect(api.requests.some((request) => request.path === "/health")).toBe(false);
  });

  it("lists the problems first, with what to fix", async () => {
    const checks = [
      ...working.slice(0, 3),
      {
        name: "whatsapp",
        ok: false,
        detail: "Meta refused the access token (HTTP 401, code 190): check WHATSAPP_ACCESS_TOKEN",
      },
      { name: "model", ok: false, detail: "the model server has no model 'gpt-9': check IGNACIO_AI_MODEL" },
    ];
    renderWith({ healthy: false, checks });
    expect(await screen.findByRole("heading", { name: /2 problems/ })).toBeInTheDocument();
    expect(screen.queryByText(/Everything is working/)).not.toBeInTheDocument();
    const rows = screen.getAllByRole("row").slice(1); // the header row first
    expect(rows.map((row) => within(row).getByRole("rowheader").textContent)).toEqual([
      "WhatsApp channel",
      "Model",
      "Database",
      "File storage",
      "WhatsApp messages waiting",
    ]);
    expect(within(rows[0]!).getByText(/check WHATSAPP_ACCESS_TOKEN/)).toBeInTheDocument();
    expect(within(rows[0]!).getByText("Problem")).toBeInTheDocument();
  });
});
