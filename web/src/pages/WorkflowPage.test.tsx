import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { session } from "../api/session";
import { AuthProvider } from "../auth/AuthProvider";
import { fakeApi, ISO, json, problem, tokens, user } from "../test/fakeApi";
import { renderWithProviders } from "../test/render";
import { WorkflowPage } from "./WorkflowPage";

const bea = user({ id: "u-bea", name: "Bea", phoneNumber: "+34612345679" });
const WORKFLOW = "/workspaces/clinic/workflow";
const EMAIL = { key: "email", prompt: "Ask for their email.", type: "email", required: true, options: [] };
const STAGE = { key: "stage", prompt: "Ask their stage.", type: "choice", required: false, options: ["Idea", "Prototype"] };

function workspace(role: string) {
  return {
    id: "w-clinic",
    slug: "clinic",
    name: "Clínica Sol",
    assistant: { name: "Sol", instructions: null, language: null, model: null, webSearch: null },
    access: null,
    role,
    createdAt: ISO,
    updatedAt: ISO,
  };
}

function signedIn(role: string, steps: unknown[]) {
  return fakeApi({
    "POST /auth/refresh": () => json(tokens()),
    "GET /users/me": () => json(bea),
    "GET /workspaces": () => json({ items: [workspace(role)], nextCursor: null }),
    [`GET ${WORKFLOW}`]: () => json({ steps }),
  });
}

function renderPage() {
  session.start(tokens());
  return renderWithProviders(
    <AuthProvider>
      <WorkflowPage />
    </AuthProvider>,
    { path: "/workspace/workflow" },
  );
}

afterEach(() => vi.unstubAllGlobals());

describe("WorkflowPage", () => {
  it("lets an admin add, reorder and remove steps, and saves them in order", async () => {
    const api = signedIn("admin", [EMAIL, STAGE]);
    api.on(`PUT ${WORKFLOW}`, async (request) => json(await request.json()));
    renderPage();
    expect(await screen.findByLabelText("Key of step 1")).toHaveValue("email");
    expect(screen.getByLabelText("Options, one per line")).toHaveValue("Idea\nPrototype");

    await userEvent.click(screen.getByRole("button", { name: "Add a step" }));
    await userEvent.type(screen.getByLabelText("Key of step 3"), "budget");
    const third = screen.getByRole("listitem", { name: "Step 3" });
    await userEvent.type(within(third).getByLabelText("What to find out"), "Ask their budget in euros.");
    await userEvent.selectOptions(screen.getByLabelText("Type of step 3"), "number");
    await userEvent.click(screen.getByRole("button", { name: "Move budget up" }));
    await userEvent.click(screen.getByRole("button", { name: "Remove stage" }));
    await userEvent.click(screen.getByRole("button", { name: "Save the steps" }));

    expect(await screen.findByText("The steps are saved. Answers already collected are kept.")).toBeInTheDocument();
    const put = api.requests.find((request) => request.method === "PUT")!;
    expect(put.body).toEqual({
      steps: [
        EMAIL,
        { key: "budget", prompt: "Ask their budget in euros.", type: "number", required: true, options: [] },
      ],
    });
  });

  it("says why the steps were refused", async () => {
    const api = signedIn("admin", [EMAIL]);
    api.on(`PUT ${WORKFLOW}`, () => problem(400, "invalid_input", "Two steps share the key 'email': each needs its own."));
    renderPage();
    await screen.findByLabelText("Key of step 1");
    await userEvent.click(screen.getByRole("button", { name: "Save the steps" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Two steps share the key 'email'");
  });

  it("exports the answers as CSV", async () => {
    const api = signedIn("admin", [EMAIL]);
    api.on(`GET ${WORKFLOW}/export.csv`, () => new Response("member_id,name\r\n", { headers: { "Content-Type": "text/csv" } }));
    const created = vi.fn((_blob: Blob) => "blob:answers");
    // jsdom has no object URLs: the download's link gets this one.
    globalThis.URL.createObjectURL = created;
    globalThis.URL.revokeObjectURL = () => undefined;
    renderPage();
    await userEvent.click(await screen.findByRole("button", { name: "Export the answers (CSV)" }));
    await waitFor(() => expect(created).toHaveBeenCalled());
    expect(await created.mock.calls[0]![0].text()).toBe("member_id,name\r\n");
    expect(api.requests.some((request) => request.path === `${WORKFLOW}/export.csv`)).toBe(true);
  });

  it("shows an agent the steps without changing them", async () => {
    signedIn("agent", [EMAIL, STAGE]);
    renderPage();
    const list = await screen.findByRole("list", { name: "Workflow steps" });
    expect(within(list).getAllByRole("listitem")).toHaveLength(2);
    expect(list).toHaveTextContent("stage · One of a list (Idea, Prototype) · optional");
    expect(screen.queryByRole("button", { name: "Save the steps" })).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Export the answers (CSV)" })).not.toBeInTheDocument();
  });
});
