import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { session } from "../api/session";
import { AuthProvider } from "../auth/AuthProvider";
import { fakeApi, ISO, json, problem, tokens, user } from "../test/fakeApi";
import { renderWithProviders } from "../test/render";
import { RecordTypesPage } from "./RecordTypesPage";

const TYPES = "/workspaces/clinic/record-types";

function workspace(role: string) {
  return {
    id: "w-clinic",
    slug: "clinic",
    name: "Clínica Sol",
    assistant: { name: "Sol", instructions: null, language: null, model: null, webSearch: null, timezone: null },
    access: null,
    replyTemplate: null,
    role,
    createdAt: ISO,
    updatedAt: ISO,
  };
}

function field(key: string, label: string, kind: string, extra: Record<string, unknown> = {}) {
  return { key, label, kind, required: false, description: "", choices: [], items: [], ...extra };
}

const REPORT = {
  name: "report",
  label: "Report",
  description: "Something the member reports to the team.",
  textField: "body",
  builtin: true,
  fields: [
    field("title", "Title", "text", { required: true }),
    field("body", "Details", "text", { required: true }),
    field("category", "Category", "choice", { required: true, choices: ["problem", "request", "feedback", "other"] }),
  ],
};
const PROPOSAL = {
  name: "proposal",
  label: "Proposal",
  description: "Work the member proposes.",
  textField: "summary",
  builtin: true,
  fields: [
    field("summary", "Summary", "text", { required: true }),
    field("items", "Items", "items", {
      required: true,
      items: [
        { key: "title", label: "Title", kind: "text", required: true, description: "", choices: [] },
        { key: "dueDate", label: "Due date", kind: "date", required: false, description: "", choices: [] },
      ],
    }),
  ],
};
const INCIDENT = {
  name: "incident",
  label: "Incident",
  description: "",
  textField: "what",
  builtin: false,
  fields: [field("what", "What happened", "text", { required: true })],
};

function signedIn(role: string, types: unknown[]) {
  const api = fakeApi({
    "POST /auth/refresh": () => json(tokens()),
    "GET /users/me": () => json(user()),
    "GET /workspaces": () => json({ items: [workspace(role)], nextCursor: null }),
    [`GET ${TYPES}`]: () => json(types),
  });
  session.start(tokens());
  renderWithProviders(
    <AuthProvider>
      <RecordTypesPage />
    </AuthProvider>,
    { path: "/workspace/record-types" },
  );
  return api;
}

afterEach(() => vi.unstubAllGlobals());

/** Types the whole text at once (a paste): key by key, a form this size takes seconds. */
async function fill(input: HTMLElement, text: string) {
  input.focus();
  await userEvent.paste(text);
}

describe("RecordTypesPage", () => {
  it("shows the built-in types with their fields, read-only, and the workspace's own", async () => {
    signedIn("admin", [REPORT, PROPOSAL, INCIDENT]);
    const report = await screen.findByRole("article", { name: "Report report" });
    const rows = within(within(report).getByRole("table", { name: "Fields of Report" })).getAllByRole("row");
    expect(rows).toHaveLength(4);
    expect(rows[3]).toHaveTextContent("CategorycategoryOne of a listYesproblem, request, feedback, other");
    expect(within(report).getByText("Built in")).toBeInTheDocument();
    expect(within(report).queryByRole("button", { name: /Remove/ })).not.toBeInTheDocument();
    const proposal = screen.getByRole("article", { name: "Proposal proposal" });
    const items = within(proposal).getByRole("list", { name: "Fields of each item of Items" });
    expect(within(items).getAllByRole("listitem").map((item) => item.textContent)).toEqual([
      "Title (title, text, required)",
      "Due date (dueDate, date)",
    ]);
    const own = screen.getByRole("region", { name: "Clínica Sol's own" });
    expect(within(own).getByRole("article", { name: "Incident incident" })).toBeInTheDocument();
    expect(within(own).getByText("1 of 30.")).toBeInTheDocument();
  });

  it("lets an admin add a type with a list of items, fields reordered, and sends it whole", async () => {
    const types: unknown[] = [REPORT, PROPOSAL];
    const api = signedIn("admin", types);
    api.on(`POST ${TYPES}`, async (request) => {
      const body = await request.json();
      types.push({ ...body, builtin: false });
      return json({ ...body, builtin: false }, 201);
    });
    const form = await screen.findByRole("form", { name: "Add a record type" });
    const ask = within(form);
    await fill(ask.getByLabelText("Label"), "Incident");
    await fill(ask.getByLabelText("Name"), "incident");
    await fill(ask.getByLabelText("Key of field 1"), "what");
    await fill(ask.getByLabelText("Label of field 1"), "What happened");

    await userEvent.click(ask.getByRole("button", { name: "Add a field" }));
    await fill(ask.getByLabelText("Key of field 2"), "people");
    await fill(ask.getByLabelText("Label of field 2"), "People involved");
    await userEvent.selectOptions(ask.getByLabelText("Kind of field 2"), "items");
    // A list starts with one item field; item fields cannot be lists themselves.
    const itemKind = ask.getByLabelText("Kind of item field 1 of field 2");
    expect(within(itemKind).queryByRole("option", { name: "List of items" })).not.toBeInTheDocument();
    await fill(ask.getByLabelText("Key of item field 1 of field 2"), "name");
    await fill(ask.getByLabelText("Label of item field 1 of field 2"), "Name");
    await userEvent.click(ask.getByLabelText("Required of item field 1 of field 2"));
    await userEvent.click(ask.getByRole("button", { name: "Add an item field to people" }));
    await fill(ask.getByLabelText("Key of item field 2 of field 2"), "role");
    await fill(ask.getByLabelText("Label of item field 2 of field 2"), "Role");
    await userEvent.selectOptions(ask.getByLabelText("Kind of item field 2 of field 2"), "choice");
    await fill(ask.getByLabelText("Options of item field 2 of field 2, one per line"), "Patient\nStaff\n");
    await userEvent.click(ask.getByRole("button", { name: "Move role of people up" }));

    await userEvent.click(ask.getByRole("button", { name: "Add a field" }));
    await fill(ask.getByLabelText("Key of field 3"), "severity");
    await fill(ask.getByLabelText("Label of field 3"), "Severity");
    await userEvent.selectOptions(ask.getByLabelText("Kind of field 3"), "integer");
    await userEvent.click(ask.getByRole("button", { name: "Move severity up" }));
    await userEvent.click(ask.getByRole("button", { name: "Add a field" }));
    await userEvent.click(ask.getByRole("button", { name: "Remove field 4" }));
    expect(ask.getByLabelText("Field the command's text goes in")).toHaveValue("what");
    await userEvent.click(ask.getByRole("button", { name: "Add the record type" }));

    expect(await screen.findByText("Incident was added: the assistant offers it from the next message on.")).toBeInTheDocument();
    expect(api.requests.find((request) => request.method === "POST" && request.path === TYPES)?.body).toEqual({
      name: "incident",
      label: "Incident",
      description: "",
      textField: "what",
      fields: [
        field("what", "What happened", "text", { required: true }),
        field("severity", "Severity", "integer"),
        field("people", "People involved", "items", {
          items: [
            { key: "role", label: "Role", kind: "choice", required: false, description: "", choices: ["Patient", "Staff"] },
            { key: "name", label: "Name", kind: "text", required: true, description: "", choices: [] },
          ],
        }),
      ],
    });
    expect(await screen.findByRole("article", { name: "Incident incident" })).toBeInTheDocument();
    expect(ask.getByLabelText("Label")).toHaveValue("");
  }, 30_000);

  it("says plainly what the API refused, next to the form", async () => {
    const api = signedIn("admin", [REPORT, PROPOSAL]);
    api.on(`POST ${TYPES}`, () =>
      json(
        {
          error: "invalid_input",
          message: "fields[0].choices[1]: Expected `str` of length <= 60",
          details: [{ message: "Expected `str` of length <= 60", key: "fields[0].choices[1]", source: "body" }],
        },
        400,
      ),
    );
    const form = await screen.findByRole("form", { name: "Add a record type" });
    const ask = within(form);
    await userEvent.type(ask.getByLabelText("Label"), "Visit");
    await userEvent.type(ask.getByLabelText("Name"), "visit");
    await userEvent.type(ask.getByLabelText("Key of field 1"), "reason");
    await userEvent.type(ask.getByLabelText("Label of field 1"), "Reason");
    await userEvent.click(ask.getByRole("button", { name: "Add the record type" }));
    expect(await ask.findByRole("alert")).toHaveTextContent("Not added. Option 2 of field 1 ('reason') can have at most 60 characters.");

    // The domain's own sentences, which name the field, are shown as they are.
    api.on(`POST ${TYPES}`, () => problem(400, "invalid_input", "The items of 'people' need 1 to 15 fields."));
    await userEvent.click(ask.getByRole("button", { name: "Add the record type" }));
    expect(await ask.findByRole("alert")).toHaveTextContent("Not added. The items of 'people' need 1 to 15 fields.");
    // What was typed stays, to be corrected.
    expect(ask.getByLabelText("Key of field 1")).toHaveValue("reason");
  });

  it("warns before a name the workspace already has is sent", async () => {
    signedIn("admin", [REPORT, PROPOSAL, INCIDENT]);
    const name = await screen.findByLabelText("Name");
    await userEvent.type(name, "incident");
    expect(name).toHaveAttribute("aria-invalid", "true");
    expect(name).toHaveAccessibleDescription(/already has a record type named incident/);
  });

  it("removes one of the workspace's own types after asking", async () => {
    const types: unknown[] = [REPORT, PROPOSAL, INCIDENT];
    const api = signedIn("admin", types);
    api.on(`DELETE ${TYPES}/incident`, () => {
      types.pop();
      return new Response(null, { status: 204 });
    });
    await userEvent.click(await screen.findByRole("button", { name: "Remove Incident" }));
    const ask = screen.getByRole("alertdialog", { name: /Remove the record type Incident\?/ });
    await userEvent.click(within(ask).getByRole("button", { name: "Yes, remove it" }));
    expect(await screen.findByText("Incident was removed. Records already made of it stay as they are.")).toBeInTheDocument();
    expect(screen.queryByRole("article", { name: "Incident incident" })).not.toBeInTheDocument();
    // Focus is not lost with the button that had it.
    expect(screen.getByRole("heading", { name: "Clínica Sol's own" })).toHaveFocus();
    expect(api.requests.filter((request) => request.method === "DELETE")).toHaveLength(1);
  });

  it("keeps a type when the question is cancelled with Escape", async () => {
    const api = signedIn("admin", [REPORT, PROPOSAL, INCIDENT]);
    await userEvent.click(await screen.findByRole("button", { name: "Remove Incident" }));
    await userEvent.keyboard("{Escape}");
    expect(screen.queryByRole("alertdialog")).not.toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Remove Incident" })).toHaveFocus();
    expect(api.requests.some((request) => request.method === "DELETE")).toBe(false);
  });

  it("shows an agent the types without the controls to change them", async () => {
    signedIn("agent", [REPORT, PROPOSAL, INCIDENT]);
    expect(await screen.findByRole("article", { name: "Incident incident" })).toBeInTheDocument();
    expect(screen.queryByRole("form", { name: "Add a record type" })).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: /Remove/ })).not.toBeInTheDocument();
    expect(screen.getByText("Only the workspace's admins add and remove record types.")).toBeInTheDocument();
  });
});
