import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { session } from "../../api/session";
import { AuthProvider } from "../../auth/AuthProvider";
import { fakeApi, json, tokens, user } from "../../test/fakeApi";
import { renderWithProviders } from "../../test/render";
import { AuditLogPage } from "./AuditLogPage";

const admin = user({ id: "u-admin", name: "Ana", isAdmin: true, phoneNumber: "+34600000001" });

function entry(action: string) {
  return {
    id: `e-${action}`,
    actorId: "u-admin",
    action,
    targetType: "user",
    targetId: "u-member",
    details: {},
    createdAt: "2026-12-01T10:00:00Z",
  };
}

describe("AuditLogPage", () => {
  it("shows what admins changed first, and what they looked at on request", async () => {
    const kinds: (string | null)[] = [];
    const scopes: (string | null)[] = [];
    fakeApi({
      "POST /auth/refresh": () => json(tokens()),
      "GET /users/me": () => json(admin),
      "GET /users": () => json({ items: [admin], nextCursor: null }),
      "GET /admin/audit-log": (_request, url) => {
        const kind = url.searchParams.get("kind");
        kinds.push(kind);
        scopes.push(url.searchParams.get("platform"));
        const items = kind === "changes" ? [entry("user.update")] : [entry("user.update"), entry("conversation.view")];
        return json({ items, nextCursor: null });
      },
    });
    session.start(tokens());
    renderWithProviders(
      <AuthProvider>
        <AuditLogPage />
      </AuthProvider>,
    );
    expect(await screen.findByText("user.update")).toBeInTheDocument();
    expect(screen.queryByText("conversation.view")).not.toBeInTheDocument();
    expect(kinds).toEqual(["changes"]);

    await userEvent.selectOptions(screen.getByLabelText("Show"), "Everything");
    expect(await screen.findByText("conversation.view")).toBeInTheDocument();
    expect(kinds.at(-1)).toBeNull();

    // The platform's own actions by default; a workspace's on request.
    expect(scopes.at(-1)).toBe("true");
    await userEvent.selectOptions(screen.getByLabelText("Scope"), "This workspace");
    await screen.findByText("conversation.view");
    expect(scopes.at(-1)).toBeNull();
  });
});
