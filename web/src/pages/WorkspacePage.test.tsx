import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { session } from "../api/session";
import { AuthProvider } from "../auth/AuthProvider";
import { fakeApi, ISO, json, problem, tokens, user } from "../test/fakeApi";
import { renderWithProviders } from "../test/render";
import { WorkspacePage } from "./WorkspacePage";

const bea = user({ id: "u-bea", name: "Bea", phoneNumber: "+34612345679" });
const carlos = user({ id: "u-carlos", name: "Carlos", phoneNumber: "+34612345670" });

function workspace(overrides: Record<string, unknown> = {}) {
  return {
    id: "w-clinic",
    slug: "clinic",
    name: "Clínica Sol",
    assistant: { name: "Sol", instructions: "Offer an appointment.", language: "es", model: "gpt-4o", webSearch: true },
    access: null,
    role: "admin",
    createdAt: ISO,
    updatedAt: ISO,
    ...overrides,
  };
}

function member(person: ReturnType<typeof user>, role: string) {
  return { user: person, role, joinedAt: ISO };
}

function signedIn(me: ReturnType<typeof user>) {
  return {
    "POST /auth/refresh": () => json(tokens()),
    "GET /users/me": () => json(me),
  };
}

function renderPage(path = "/workspace") {
  session.start(tokens());
  return renderWithProviders(
    <AuthProvider>
      <WorkspacePage />
    </AuthProvider>,
    { path },
  );
}

describe("WorkspacePage", () => {
  it("shows the settings and saves them with the assistant's settings whole", async () => {
    const api = fakeApi({
      ...signedIn(bea),
      "GET /workspaces": () => json({ items: [workspace()], nextCursor: null }),
      "GET /workspaces/clinic/members": () => json({ items: [member(bea, "admin")], nextCursor: null }),
      "PATCH /workspaces/clinic": async (request) => {
        const body = (await request.json()) as Record<string, unknown>;
        return json(workspace(body));
      },
    });
    renderPage();
    const form = await screen.findByRole("form", { name: "Workspace settings" });
    expect(within(form).getByLabelText("Workspace name")).toHaveValue("Clínica Sol");
    expect(within(form).getByLabelText("Short name")).toHaveValue("clinic");
    expect(within(form).getByLabelText("Short name")).toHaveAttribute("readonly");
    expect(within(form).getByLabelText("Instructions")).toHaveValue("Offer an appointment.");
    expect(within(form).getByText("21 / 4000 characters")).toBeInTheDocument();
    expect(within(form).getByLabelText("Who may write on WhatsApp")).toHaveValue("");
    expect(within(form).getByRole("option", { name: "Deployment default" })).toBeInTheDocument();

    const assistant = within(form).getByLabelText("Assistant's name");
    await userEvent.clear(assistant);
    await userEvent.type(assistant, "Luna");
    await userEvent.type(within(form).getByLabelText("Instructions"), " Be brief.");
    expect(within(form).getByText("31 / 4000 characters")).toBeInTheDocument();
    await userEvent.clear(within(form).getByLabelText("Language"));
    await userEvent.selectOptions(within(form).getByLabelText("Who may write on WhatsApp"), "registered");
    await userEvent.click(within(form).getByRole("button", { name: "Save settings" }));

    expect(await within(form).findByText("Saved.")).toBeInTheDocument();
    expect(api.requests.find((request) => request.method === "PATCH")).toMatchObject({
      path: "/workspaces/clinic",
      body: {
        name: "Clínica Sol",
        assistant: {
          name: "Luna",
          instructions: "Offer an appointment. Be brief.",
          language: null,
          model: "gpt-4o",
          webSearch: true,
        },
        access: "registered",
      },
    });
  });

  it("shows the server's reason when the settings are refused", async () => {
    fakeApi({
      ...signedIn(bea),
      "GET /workspaces": () => json({ items: [workspace()], nextCursor: null }),
      "GET /workspaces/clinic/members": () => json({ items: [], nextCursor: null }),
      "PATCH /workspaces/clinic": () =>
        problem(400, "invalid_input", "The language must be a language tag such as 'en', 'es' or 'pt-BR'."),
    });
    renderPage();
    const form = await screen.findByRole("form", { name: "Workspace settings" });
    await userEvent.clear(within(form).getByLabelText("Language"));
    await userEvent.type(within(form).getByLabelText("Language"), "Spanish please");
    await userEvent.click(within(form).getByRole("button", { name: "Save settings" }));
    expect(await within(form).findByRole("alert")).toHaveTextContent("Not saved. The language must be a language tag");
  });

  it("invites a number with a role, and says when they are in already", async () => {
    let team = [member(bea, "admin")];
    const api = fakeApi({
      ...signedIn(bea),
      "GET /workspaces": () => json({ items: [workspace()], nextCursor: null }),
      "GET /workspaces/clinic/members": () => json({ items: team, nextCursor: null }),
      "POST /workspaces/clinic/members": async (request) => {
        const body = (await request.json()) as { phoneNumber: string; role: string; name: string | null };
        if (team.some((item) => item.user.phoneNumber === body.phoneNumber)) {
          return problem(409, "conflict", "That person is a member of Clínica Sol already.");
        }
        const added = member(user({ id: "u-new", phoneNumber: body.phoneNumber, name: body.name }), body.role);
        team = [...team, added];
        return json(added, 201);
      },
    });
    renderPage();
    const form = await screen.findByRole("form", { name: "Invite someone" });
    await userEvent.type(within(form).getByLabelText("WhatsApp number"), "+34612345670");
    await userEvent.selectOptions(within(form).getByLabelText("Role"), "agent");
    await userEvent.type(within(form).getByLabelText("Name (optional)"), "Carlos");
    await userEvent.click(within(form).getByRole("button", { name: "Invite" }));

    expect(await screen.findByText("Carlos joined as agent.")).toBeInTheDocument();
    expect(api.requests.find((request) => request.path === "/workspaces/clinic/members" && request.method === "POST")?.body).toEqual({
      phoneNumber: "+34612345670",
      role: "agent",
      name: "Carlos",
    });
    const row = (await screen.findByText("+34612345670")).closest("tr")!;
    expect(within(row).getByLabelText("Role of Carlos")).toHaveValue("agent");

    await userEvent.type(within(form).getByLabelText("WhatsApp number"), "+34612345670");
    await userEvent.click(within(form).getByRole("button", { name: "Invite" }));
    expect(await within(form).findByRole("alert")).toHaveTextContent("Not invited. That person is a member of Clínica Sol already.");
  });

  it("changes a member's role, and shows why the last admin stays", async () => {
    let team = [member(bea, "admin"), member(carlos, "member")];
    const api = fakeApi({
      ...signedIn(bea),
      "GET /workspaces": () => json({ items: [workspace()], nextCursor: null }),
      "GET /workspaces/clinic/members": () => json({ items: team, nextCursor: null }),
      "PUT /workspaces/clinic/members/u-carlos": async (request) => {
        const { role } = (await request.json()) as { role: string };
        team = [team[0]!, member(carlos, role)];
        return json(team[1]);
      },
      "PUT /workspaces/clinic/members/u-bea": () =>
        problem(409, "conflict", "Bea is the last admin of Clínica Sol: make someone else its admin first."),
    });
    renderPage();
    const carlosRow = (await screen.findByText("+34612345670")).closest("tr")!;
    await userEvent.selectOptions(within(carlosRow).getByLabelText("Role of Carlos"), "agent");
    expect(await screen.findByText("Carlos is now agent.")).toBeInTheDocument();
    expect(api.requests.find((request) => request.path === "/workspaces/clinic/members/u-carlos")?.body).toEqual({
      role: "agent",
    });
    expect(within(carlosRow).getByLabelText("Role of Carlos")).toHaveValue("agent");

    const beaRow = screen.getByText("+34612345679").closest("tr")!;
    await userEvent.selectOptions(within(beaRow).getByLabelText("Role of Bea"), "member");
    expect(await screen.findByRole("alert")).toHaveTextContent("Bea is the last admin of Clínica Sol");
    // The select shows the role the server kept.
    expect(within(beaRow).getByLabelText("Role of Bea")).toHaveValue("admin");
  });

  it("removes a member after asking again", async () => {
    let team = [member(bea, "admin"), member(carlos, "agent")];
    const api = fakeApi({
      ...signedIn(bea),
      "GET /workspaces": () => json({ items: [workspace()], nextCursor: null }),
      "GET /workspaces/clinic/members": () => json({ items: team, nextCursor: null }),
      "DELETE /workspaces/clinic/members/u-carlos": () => {
        team = [team[0]!];
        return new Response(null, { status: 204 });
      },
    });
    renderPage();
    const row = (await screen.findByText("+34612345670")).closest("tr")!;
    await userEvent.click(within(row).getByRole("button", { name: "Remove Carlos" }));
    const dialog = within(row).getByRole("alertdialog");
    expect(dialog).toHaveTextContent("Remove Carlos from Clínica Sol? Their account stays.");
    await userEvent.click(within(dialog).getByRole("button", { name: "Remove" }));
    expect(await screen.findByText("Carlos was removed from Clínica Sol.")).toBeInTheDocument();
    expect(screen.queryByText("+34612345670")).not.toBeInTheDocument();
    expect(api.requests.some((request) => request.method === "DELETE")).toBe(true);
  });

  it("lets an agent read the team, with no controls", async () => {
    fakeApi({
      ...signedIn(carlos),
      "GET /workspaces": () => json({ items: [workspace({ role: "agent" })], nextCursor: null }),
      "GET /workspaces/clinic/members": () =>
        json({ items: [member(bea, "admin"), member(carlos, "agent")], nextCursor: null }),
    });
    renderPage();
    const row = (await screen.findByText("+34612345679")).closest("tr")!;
    expect(within(row).getByText("Admin")).toBeInTheDocument();
    expect(screen.getByText("Only the workspace's admins change its settings and team.")).toBeInTheDocument();
    expect(screen.getByText("Sol")).toBeInTheDocument();
    expect(screen.queryByRole("form")).not.toBeInTheDocument();
    expect(screen.queryByRole("combobox")).not.toBeInTheDocument();
    expect(screen.queryByRole("textbox")).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: /Remove|Invite|Save/ })).not.toBeInTheDocument();
  });

  it("is not for a workspace's plain members", async () => {
    const api = fakeApi({
      ...signedIn(carlos),
      "GET /workspaces": () => json({ items: [workspace({ role: "member" })], nextCursor: null }),
    });
    renderPage();
    expect(await screen.findByText(/This page is for the people who run a workspace/)).toBeInTheDocument();
    expect(api.requests.some((request) => request.path.endsWith("/members"))).toBe(false);
  });

  it("shows the workspace the person acts in, not their first one", async () => {
    localStorage.setItem(`ignacio.workspace.${bea.id}`, "w-clinic");
    const api = fakeApi({
      ...signedIn(bea),
      "GET /workspaces": () =>
        json({ items: [workspace({ id: "w-default", slug: "default", name: "Action Lab" }), workspace()], nextCursor: null }),
      "GET /workspaces/clinic/members": () => json({ items: [member(bea, "admin")], nextCursor: null }),
    });
    renderPage();
    const form = await screen.findByRole("form", { name: "Workspace settings" });
    expect(within(form).getByLabelText("Workspace name")).toHaveValue("Clínica Sol");
    // The menu's switcher chooses; the page has no choice of its own.
    expect(screen.queryByRole("combobox", { name: /workspace/i })).not.toBeInTheDocument();
    expect(api.requests.some((request) => request.path === "/workspaces/default/members")).toBe(false);
  });

  it("points a member to the workspaces they run", async () => {
    fakeApi({
      ...signedIn(carlos),
      "GET /workspaces": () =>
        json({ items: [workspace({ id: "w-default", slug: "default", name: "Action Lab", role: "member" }), workspace({ role: "agent" })], nextCursor: null }),
    });
    renderPage();
    expect(await screen.findByText(/This page is for the people who run a workspace/)).toHaveTextContent(
      "Choose Clínica Sol under Workspace in the menu to see it.",
    );
  });

  it("lets a platform admin choose among every workspace, from the one they act in", async () => {
    const admin = user({ id: "u-admin", name: "Ana", isAdmin: true, phoneNumber: "+34600000001" });
    localStorage.setItem(`ignacio.workspace.${admin.id}`, "w-clinic");
    const everyWorkspace = [
      workspace({ id: "w-default", slug: "default", name: "Action Lab", role: "admin" }),
      workspace({ id: "w-clinic", role: "member" }),
      workspace({ id: "w-other", slug: "other", name: "Other", role: null }),
    ];
    const api = fakeApi({
      ...signedIn(admin),
      "GET /workspaces": (_request, url) =>
        json({
          items: url.searchParams.get("every") === "true" ? everyWorkspace : everyWorkspace.slice(0, 2),
          nextCursor: null,
        }),
      "GET /workspaces/clinic/members": () => json({ items: [member(bea, "admin")], nextCursor: null }),
      "GET /workspaces/other/members": () => json({ items: [member(carlos, "admin")], nextCursor: null }),
    });
    renderPage();
    const choice = await screen.findByLabelText("Workspace to look after");
    expect(choice).toHaveValue("clinic");
    expect(await screen.findByText("+34612345679")).toBeInTheDocument();
    await userEvent.selectOptions(choice, "other");
    expect(await screen.findByText("+34612345670")).toBeInTheDocument();
    expect(screen.getByLabelText("Workspace name")).toHaveValue("Other");
    expect(screen.getByText(/you are a platform admin/)).toBeInTheDocument();
    expect(api.requests.filter((request) => request.path === "/workspaces/clinic/members")).toHaveLength(1);
    expect(api.requests.some((request) => request.path === "/workspaces/default/members")).toBe(false);
  });
});
