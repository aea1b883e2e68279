import { screen, waitFor, within } from "@testing-library/react";
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

function number(overrides: Record<string, unknown> = {}) {
  return {
    id: "c-front-desk",
    provider: "whatsapp_cloud",
    address: "106540352242922",
    displayNumber: "+34910000111",
    label: "Front desk",
    createdAt: ISO,
    ...overrides,
  };
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
      "GET /workspaces/clinic/channels": () => json([]),
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

  it("sets the approved template the inbox sends after WhatsApp's 24-hour window, and removes it", async () => {
    const api = fakeApi({
      ...signedIn(bea),
      "GET /workspaces": () => json({ items: [workspace()], nextCursor: null }),
      "GET /workspaces/clinic/channels": () => json([]),
      "GET /workspaces/clinic/members": () => json({ items: [member(bea, "admin")], nextCursor: null }),
      "PATCH /workspaces/clinic": async (request) => json(workspace((await request.json()) as Record<string, unknown>)),
    });
    renderPage();
    const form = await screen.findByRole("form", { name: "Workspace settings" });
    const template = within(form).getByRole("group", { name: "Approved template, for replies after WhatsApp's 24-hour window" });
    await userEvent.type(within(template).getByLabelText("Template name"), "follow_up");
    await userEvent.type(within(template).getByLabelText("Template language"), "es");
    await userEvent.type(within(template).getByLabelText("Its variables, one per line"), "member's first name{Enter}{Enter}what it is about");
    await userEvent.click(within(form).getByRole("button", { name: "Save settings" }));
    expect(await within(form).findByText("Saved.")).toBeInTheDocument();
    const patches = () => api.requests.filter((request) => request.method === "PATCH");
    expect(patches()[0]!.body).toMatchObject({
      replyTemplate: { name: "follow_up", language: "es", variables: ["member's first name", "what it is about"] },
    });

    await userEvent.clear(within(template).getByLabelText("Template name"));
    await userEvent.click(within(form).getByRole("button", { name: "Save settings" }));
    await waitFor(() => expect(patches()).toHaveLength(2));
    expect(patches()[1]!.body).toMatchObject({ replyTemplate: null });
  });

  it("shows the server's reason when the settings are refused", async () => {
    fakeApi({
      ...signedIn(bea),
      "GET /workspaces": () => json({ items: [workspace()], nextCursor: null }),
      "GET /workspaces/clinic/channels": () => json([]),
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
      "GET /workspaces/clinic/channels": () => json([]),
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
      "GET /workspaces/clinic/channels": () => json([]),
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
      "GET /workspaces/clinic/channels": () => json([]),
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
    const api = fakeApi({
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
    expect(screen.queryByRole("button", { name: /Remove|Invite|Save|Connect|Disconnect/ })).not.toBeInTheDocument();
    // The workspace's WhatsApp numbers are its admins' business.
    expect(screen.queryByRole("heading", { name: "WhatsApp numbers" })).not.toBeInTheDocument();
    expect(api.requests.some((request) => request.path.endsWith("/channels"))).toBe(false);
  });

  it("is not for a workspace's plain members", async () => {
    const api = fakeApi({
      ...signedIn(carlos),
      "GET /workspaces": () => json({ items: [workspace({ role: "member" })], nextCursor: null }),
    });
    renderPage();
    expect(await screen.findByText(/This page is for the people who run a workspace/)).toBeInTheDocument();
    expect(api.requests.some((request) => request.path.endsWith("/members"))).toBe(false);
    expect(api.requests.some((request) => request.path.endsWith("/channels"))).toBe(false);
    expect(screen.queryByRole("heading", { name: "WhatsApp numbers" })).not.toBeInTheDocument();
  });

  it("shows the workspace the person acts in, not their first one", async () => {
    localStorage.setItem(`ignacio.workspace.${bea.id}`, "w-clinic");
    const api = fakeApi({
      ...signedIn(bea),
      "GET /workspaces": () =>
        json({ items: [workspace({ id: "w-default", slug: "default", name: "Action Lab" }), workspace()], nextCursor: null }),
      "GET /workspaces/clinic/channels": () => json([]),
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
      "GET /workspaces/clinic/channels": () => json([]),
      "GET /workspaces/clinic/members": () => json({ items: [member(bea, "admin")], nextCursor: null }),
      "GET /workspaces/other/channels": () => json([]),
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

  describe("WhatsApp numbers", () => {
    const META_TOKEN = "EAAG-meta-secret-token";
    const TWILIO_TOKEN = "twilio-secret-auth-token";

    /** A fake of the channels endpoints: the list, connecting (201, or `refuse`'s answer) and disconnecting. */
    function numbersApi(me: ReturnType<typeof user>, initial: ReturnType<typeof number>[] = [], refuse?: () => Response) {
      let numbers = initial;
      return fakeApi({
        ...signedIn(me),
        "GET /workspaces": () => json({ items: [workspace()], nextCursor: null }),
        "GET /workspaces/clinic/members": () => json({ items: [member(bea, "admin")], nextCursor: null }),
        "GET /workspaces/clinic/channels": () => json(numbers),
        "POST /workspaces/clinic/channels": async (request) => {
          if (refuse) return refuse();
          const body = (await request.json()) as Record<string, string | null>;
          const added =
            body.provider === "twilio"
              ? number({ id: "c-twilio", provider: "twilio", address: body.number, displayNumber: body.number, label: body.label })
              : number({ id: "c-meta", address: body.phoneNumberId, displayNumber: body.displayNumber, label: body.label });
          numbers = [...numbers, added];
          return json(added, 201);
        },
        "DELETE /workspaces/clinic/channels/c-front-desk": () => {
          numbers = numbers.filter((item) => item.id !== "c-front-desk");
          return new Response(null, { status: 204 });
        },
      });
    }

    /** The row of the number that reads `text` (its button names it too, out of sight). */
    async function rowOf(section: HTMLElement, text: string) {
      return (await within(section).findByText(text, { selector: "td > span" })).closest("tr")!;
    }

    function numbersSection() {
      return screen.findByRole("region", { name: "WhatsApp numbers" });
    }

    it("lists the workspace's numbers for its admins, with their provider and label", async () => {
      numbersApi(bea, [number(), number({ id: "c-twilio", provider: "twilio", address: "+14155238886", displayNumber: "+14155238886", label: null })]);
      renderPage();
      const section = await numbersSection();
      const meta = await rowOf(section, "+34910000111");
      expect(meta).toHaveTextContent("Meta Cloud API");
      expect(meta).toHaveTextContent("Front desk");
      expect(meta).toHaveTextContent("Phone number id 106540352242922");
      const twilio = await rowOf(section, "+14155238886");
      expect(twilio).toHaveTextContent("Twilio");
      expect(within(twilio).getByRole("button", { name: "Disconnect +14155238886" })).toBeInTheDocument();
    });

    it("says when the workspace has no number of its own, and lets a platform admin connect one", async () => {
      const admin = user({ id: "u-admin", name: "Ana", isAdmin: true, phoneNumber: "+34600000001" });
      numbersApi(admin);
      renderPage();
      const section = await numbersSection();
      expect(await within(section).findByText("Clínica Sol has no WhatsApp number of its own yet.")).toBeInTheDocument();
      expect(within(section).getByRole("form", { name: "Connect a WhatsApp number" })).toBeInTheDocument();
    });

    it("connects a Meta number with what Meta needs, and keeps no token afterwards", async () => {
      const api = numbersApi(bea);
      const { queryClient } = renderPage();
      const form = await screen.findByRole("form", { name: "Connect a WhatsApp number" });
      expect(within(form).getByLabelText("Provider")).toHaveValue("whatsapp_cloud");
      const token = within(form).getByLabelText("Access token");
      expect(token).toHaveAttribute("type", "password");
      await userEvent.type(within(form).getByLabelText("Phone number id"), "106540352242922");
      await userEvent.type(token, META_TOKEN);
      await userEvent.type(within(form).getByLabelText("Number people write to (optional)"), "+34910000111");
      await userEvent.type(within(form).getByLabelText("Label (optional)"), "Front desk");
      await userEvent.click(within(form).getByRole("button", { name: "Connect" }));

      expect(await screen.findByText("+34910000111 is connected: messages to it reach Clínica Sol.")).toBeInTheDocument();
      expect(api.requests.find((request) => request.method === "POST" && request.path.endsWith("/channels"))).toMatchObject({
        path: "/workspaces/clinic/channels",
        body: {
          provider: "whatsapp_cloud",
          phoneNumberId: "106540352242922",
          accessToken: META_TOKEN,
          displayNumber: "+34910000111",
          label: "Front desk",
        },
      });
      // The list was asked for again, and shows the new number.
      const section = await numbersSection();
      expect(await rowOf(section, "+34910000111")).toHaveTextContent("Meta Cloud API");
      expect(api.requests.filter((request) => request.path === "/workspaces/clinic/channels" && request.method === "GET")).toHaveLength(2);
      // The form is empty again, and the token is nowhere: not on the page, not in the
      // request the mutation kept.
      expect(within(form).getByLabelText("Access token")).toHaveValue("");
      expect(within(form).getByLabelText("Phone number id")).toHaveValue("");
      expect(document.body.innerHTML).not.toContain(META_TOKEN);
      await waitFor(() => expect(JSON.stringify(queryClient.getMutationCache().getAll().map((m) => m.state))).not.toContain(META_TOKEN));
    });

    it("connects a Twilio sender with what Twilio needs", async () => {
      const api = numbersApi(bea);
      renderPage();
      const form = await screen.findByRole("form", { name: "Connect a WhatsApp number" });
      // A token typed for Meta does not follow to Twilio's field.
      await userEvent.type(within(form).getByLabelText("Access token"), META_TOKEN);
      await userEvent.selectOptions(within(form).getByLabelText("Provider"), "twilio");
      expect(within(form).queryByLabelText("Phone number id")).not.toBeInTheDocument();
      const token = within(form).getByLabelText("Auth token");
      expect(token).toHaveAttribute("type", "password");
      expect(token).toHaveValue("");
      await userEvent.type(within(form).getByLabelText("Account SID"), `AC${"0".repeat(32)}`);
      await userEvent.type(token, TWILIO_TOKEN);
      await userEvent.type(within(form).getByLabelText("WhatsApp sender number"), "+14155238886");
      await userEvent.click(within(form).getByRole("button", { name: "Connect" }));

      expect(await screen.findByText("+14155238886 is connected: messages to it reach Clínica Sol.")).toBeInTheDocument();
      expect(api.requests.find((request) => request.method === "POST" && request.path.endsWith("/channels"))?.body).toEqual({
        provider: "twilio",
        accountSid: `AC${"0".repeat(32)}`,
        authToken: TWILIO_TOKEN,
        number: "+14155238886",
        label: null,
      });
      expect(await rowOf(await numbersSection(), "+14155238886")).toHaveTextContent("Twilio");
      expect(within(form).getByLabelText("Auth token")).toHaveValue("");
      expect(within(form).getByLabelText("Account SID")).toHaveValue("");
      expect(document.body.innerHTML).not.toContain(TWILIO_TOKEN);
    });

    it("shows the server's reason when a number is refused", async () => {
      numbersApi(bea, [number(), number({ id: "c-2", address: "106540352242923", displayNumber: null, label: null })], () =>
        problem(400, "invalid_input", "A workspace can have at most 2 WhatsApp numbers; remove one first."),
      );
      renderPage();
      const form = await screen.findByRole("form", { name: "Connect a WhatsApp number" });
      await userEvent.type(within(form).getByLabelText("Phone number id"), "106540352242924");
      await userEvent.type(within(form).getByLabelText("Access token"), META_TOKEN);
      await userEvent.click(within(form).getByRole("button", { name: "Connect" }));
      expect(await within(form).findByRole("alert")).toHaveTextContent(
        "Not connected. A workspace can have at most 2 WhatsApp numbers; remove one first.",
      );
      // Nothing was connected, so what was typed stays to be corrected.
      expect(within(form).getByLabelText("Phone number id")).toHaveValue("106540352242924");
    });

    it("shows why a number another workspace has cannot be connected", async () => {
      numbersApi(bea, [], () => problem(409, "conflict", "A workspace has that WhatsApp number already."));
      renderPage();
      const form = await screen.findByRole("form", { name: "Connect a WhatsApp number" });
      await userEvent.type(within(form).getByLabelText("Phone number id"), "106540352242922");
      await userEvent.type(within(form).getByLabelText("Access token"), META_TOKEN);
      await userEvent.click(within(form).getByRole("button", { name: "Connect" }));
      expect(await within(form).findByRole("alert")).toHaveTextContent("Not connected. A workspace has that WhatsApp number already.");
    });

    describe("on the WhatsApp-Web gateway", () => {
      const QR_TEXT = "2@AbCdEf0123456789,XyZ/+9876543210==,QrStUv5678==";
      const PNG = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

      function gatewayNumber(connection: Record<string, unknown>) {
        return number({
          id: "c-gateway",
          provider: "whatsapp_gateway",
          address: "+34910000222",
          displayNumber: "+34910000222",
          label: "Recepción",
          connection: { since: ISO, qrCode: null, reason: null, ...connection },
        });
      }

      /** The channels endpoints for gateway numbers; `numbers` is what the list answers now. */
      function gatewayApi(initial: ReturnType<typeof number>[] = []) {
        const state = { numbers: initial, qrCode: QR_TEXT };
        const api = fakeApi({
          ...signedIn(bea),
          "GET /workspaces": () => json({ items: [workspace()], nextCursor: null }),
          "GET /workspaces/clinic/members": () => json({ items: [member(bea, "admin")], nextCursor: null }),
          "GET /workspaces/clinic/channels": () => json(state.numbers),
          "POST /workspaces/clinic/channels": () => {
            const added = gatewayNumber({ state: "pairing", qrCode: state.qrCode });
            state.numbers = [...state.numbers, added];
            return json(added, 201);
          },
          "POST /workspaces/clinic/channels/c-gateway/pairing": () => {
            const paired = gatewayNumber({ state: "pairing", qrCode: state.qrCode });
            state.numbers = [paired];
            return json(paired);
          },
        });
        return { api, state };
      }

      it("connects a number with no token and shows its QR code until its phone scans it", async () => {
        const { api, state } = gatewayApi();
        renderPage();
        const form = await screen.findByRole("form", { name: "Connect a WhatsApp number" });
        await userEvent.selectOptions(within(form).getByLabelText("Provider"), "whatsapp_gateway");
        expect(within(form).getByText(/Unofficial: WhatsApp may ban the number; prefer the Cloud API/)).toBeInTheDocument();
        expect(within(form).queryByLabelText(/token/i)).not.toBeInTheDocument();
        await userEvent.type(within(form).getByLabelText("WhatsApp number"), "+34910000222");
        await userEvent.type(within(form).getByLabelText("Label (optional)"), "Recepción");
        await userEvent.click(within(form).getByRole("button", { name: "Connect" }));

        expect(await screen.findByText("+34910000222 is added: scan its QR code below with its phone to link it.")).toBeInTheDocument();
        expect(api.requests.find((request) => request.method === "POST" && request.path.endsWith("/channels"))?.body).toEqual({
          provider: "whatsapp_gateway",
          number: "+34910000222",
          label: "Recepción",
        });
        const section = await numbersSection();
        const code = await within(section).findByRole("img", { name: "QR code to link +34910000222" });
        expect(code.tagName.toLowerCase()).toBe("svg");
        expect(code.querySelector("path")?.getAttribute("d")).toMatch(/^M4 4h1v1h-1z/);
        const row = await rowOf(section, "+34910000222");
        expect(row).toHaveTextContent("WhatsApp-Web gateway");
        expect(row).toHaveTextContent("Waiting for its QR code to be scanned");

        // The phone scans it: the list, asked for again every few seconds, says so.
        state.numbers = [gatewayNumber({ state: "connected" })];
        expect(await screen.findByText("+34910000222 is linked: messages to it reach Clínica Sol.", undefined, { timeout: 6_000 })).toBeInTheDocument();
        expect(within(section).queryByRole("img", { name: /QR code/ })).not.toBeInTheDocument();
        expect(await rowOf(section, "+34910000222")).toHaveTextContent("Linked");
      }, 10_000);

      it("shows a QR code the gateway gave as a picture as that picture", async () => {
        gatewayApi([gatewayNumber({ state: "pairing", qrCode: PNG })]);
        renderPage();
        const code = await within(await numbersSection()).findByRole("img", { name: "QR code to link +34910000222" });
        expect(code.tagName.toLowerCase()).toBe("img");
        expect(code).toHaveAttribute("src", PNG);
      });

      it("says plainly when a number's link dropped, and shows a new QR code on demand", async () => {
        const { api, state } = gatewayApi([gatewayNumber({ state: "disconnected", reason: "LOGOUT" })]);
        state.qrCode = "2@renewed";
        renderPage();
        const section = await numbersSection();
        const alert = await within(section).findByRole("alert");
        expect(alert).toHaveTextContent("+34910000222 lost its link to WhatsApp");
        expect(alert).toHaveTextContent("(LOGOUT): messages to it are not received or answered until its phone scans a new QR code.");
        const row = await rowOf(section, "+34910000222");
        expect(row).toHaveTextContent("Disconnected");

        await userEvent.click(within(section).getByRole("button", { name: "Show a new QR code for +34910000222" }));
        expect(await within(section).findByRole("img", { name: "QR code to link +34910000222" })).toBeInTheDocument();
        expect(api.requests.some((request) => request.method === "POST" && request.path.endsWith("/c-gateway/pairing"))).toBe(true);
        expect(within(section).queryByRole("alert")).not.toBeInTheDocument();
      });
    });

    it("disconnects a number only after asking", async () => {
      const api = numbersApi(bea, [number()]);
      renderPage();
      const section = await numbersSection();
      const row = await rowOf(section, "+34910000111");
      await userEvent.click(within(row).getByRole("button", { name: "Disconnect +34910000111" }));
      const dialog = within(row).getByRole("alertdialog");
      expect(dialog).toHaveTextContent("Disconnect +34910000111? Messages to it will no longer reach Clínica Sol.");
      await userEvent.click(within(dialog).getByRole("button", { name: "Cancel" }));
      expect(api.requests.some((request) => request.method === "DELETE")).toBe(false);

      await userEvent.click(within(row).getByRole("button", { name: "Disconnect +34910000111" }));
      await userEvent.click(within(within(row).getByRole("alertdialog")).getByRole("button", { name: "Disconnect" }));
      expect(await screen.findByText("+34910000111 was disconnected from Clínica Sol.")).toBeInTheDocument();
      expect(within(section).queryByText("+34910000111")).not.toBeInTheDocument();
      expect(await within(section).findByText("Clínica Sol has no WhatsApp number of its own yet.")).toBeInTheDocument();
      expect(api.requests.filter((request) => request.method === "DELETE").map((request) => request.path)).toEqual([
        "/workspaces/clinic/channels/c-front-desk",
      ]);
    });
  });
});
