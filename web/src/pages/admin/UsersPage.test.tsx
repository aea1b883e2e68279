import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { session } from "../../api/session";
import { fakeApi, json, tokens, user } from "../../test/fakeApi";
import { renderWithProviders } from "../../test/render";
import { AuthProvider } from "../../auth/AuthProvider";
import { UsersPage } from "./UsersPage";

const admin = user({ id: "u-admin", name: "Ana", isAdmin: true, phoneNumber: "+34600000001" });
const asAdmin = {
  "POST /auth/refresh": () => json(tokens()),
  "GET /users/me": () => json(admin),
};

function renderPage() {
  return renderWithProviders(
    <AuthProvider>
      <UsersPage />
    </AuthProvider>,
  );
}

const member = user({ id: "u-member", name: "Marta", phoneNumber: "+34612345678" });

describe("UsersPage", () => {
  it("deactivates a member after asking again", async () => {
    let current = member;
    const api = fakeApi({
      ...asAdmin,
      "GET /users": () => json({ items: [current], nextCursor: null }),
      "PUT /users/u-member": async (request) => {
        current = { ...current, ...((await request.json()) as object) };
        return json(current);
      },
    });
    session.start(tokens());
    renderPage();
    const row = (await screen.findByText("+34612345678")).closest("tr")!;
    expect(within(row).getByText("Active")).toBeInTheDocument();
    await userEvent.click(within(row).getByRole("button", { name: "Deactivate Marta" }));
    const dialog = within(row).getByRole("alertdialog");
    expect(dialog).toHaveTextContent("cannot log in until reactivated");
    await userEvent.click(within(dialog).getByRole("button", { name: "Deactivate" }));
    expect(await within(row).findByText("Deactivated")).toBeInTheDocument();
    expect(api.requests.find((request) => request.method === "PUT")?.body).toEqual({ isActive: false });
    expect(within(row).getByRole("button", { name: "Reactivate Marta" })).toBeInTheDocument();
  });

  it("adds a user, as an admin if asked", async () => {
    const api = fakeApi({
      ...asAdmin,
      "GET /users": () => json({ items: [], nextCursor: null }),
      "POST /users": async (request) => json(user({ ...((await request.json()) as object), id: "u-new" }), 201),
    });
    session.start(tokens());
    renderPage();
    await userEvent.click(screen.getByRole("button", { name: "Add a user" }));
    const form = screen.getByRole("form", { name: "Add a user" });
    await userEvent.type(within(form).getByLabelText("WhatsApp number"), "+34699999999");
    await userEvent.type(within(form).getByLabelText("Name"), "Lucía");
    await userEvent.click(within(form).getByLabelText(/Admin/));
    await userEvent.click(within(form).getByRole("button", { name: "Add" }));
    expect(await screen.findByText("Lucía was added as an admin.")).toBeInTheDocument();
    expect(api.requests.find((request) => request.method === "POST" && request.path === "/users")?.body).toEqual({
      phoneNumber: "+34699999999",
      name: "Lucía",
      isAdmin: true,
    });
  });

  it("shows someone whose number WhatsApp hides by name, username, then masked id", async () => {
    const hidden = [
      user({ id: "u-named", name: "Lucía", phoneNumber: null, username: "lucia.g", whatsappId: "US.****1918" }),
      user({ id: "u-handle", name: null, phoneNumber: null, username: "pedro.r", whatsappId: "US.****2002" }),
      user({ id: "u-id", name: null, phoneNumber: null, username: null, whatsappId: "US.****3003" }),
    ];
    fakeApi({ ...asAdmin, "GET /users": () => json({ items: hidden, nextCursor: null }) });
    session.start(tokens());
    renderPage();
    const rows = await screen.findAllByText("Hidden (WhatsApp username)");
    const names = rows.map((cell) => within(cell.closest("tr")!).getAllByRole("cell")[0]?.textContent?.trim());
    expect(names).toEqual(["Lucía", "@pedro.r", "US.****3003"]);
  });
});
