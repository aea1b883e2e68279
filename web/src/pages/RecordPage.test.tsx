import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { Route, Routes } from "react-router-dom";
import { describe, expect, it } from "vitest";
import { session } from "../api/session";
import { AuthProvider } from "../auth/AuthProvider";
import { fakeApi, ISO, json, tokens, user } from "../test/fakeApi";
import { renderWithProviders } from "../test/render";
import { RecordPage } from "./RecordPage";
import { RecordsPage } from "./RecordsPage";

const RECORD = "30000000-0000-4000-8000-000000000001";
const member = user();
const agent = user({ id: "00000000-0000-4000-8000-000000000002", name: "Ana" });

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

const PROPOSAL_TYPE = {
  name: "proposal",
  label: "Proposal",
  description: "",
  textField: "summary",
  builtin: true,
  fields: [
    { key: "summary", label: "Summary", kind: "text", required: true, description: "", choices: [], items: [] },
    {
      key: "items",
      label: "Items",
      kind: "items",
      required: true,
      description: "",
      choices: [],
      items: [
        { key: "title", label: "Title", kind: "text", required: true, description: "", choices: [] },
        { key: "dueDate", label: "Due date", kind: "date", required: false, description: "", choices: [] },
      ],
    },
    { key: "totalEstimatedHours", label: "Total estimated hours", kind: "number", required: false, description: "", choices: [], items: [] },
  ],
};

function record(status: string) {
  return {
    id: RECORD,
    type: "proposal",
    title: "Login page and user dashboard",
    values: {
      summary: "Login page and user dashboard",
      items: [
        { title: "Login page", dueDate: "2026-11-27" },
        { title: "User dashboard", dueDate: "2026-11-27" },
      ],
      totalEstimatedHours: 8,
    },
    status,
    source: "assistant",
    unfilled: [],
    memberId: member.id,
    memberName: "Marta",
    conversationId: null,
    createdAt: ISO,
    updatedAt: ISO,
    confirmedAt: status === "draft" ? null : ISO,
  };
}

function open(who: ReturnType<typeof user>, role: string, routes: Parameters<typeof fakeApi>[0], path = `/records/${RECORD}`) {
  const api = fakeApi({
    "POST /auth/refresh": () => json(tokens()),
    "GET /users/me": () => json(who),
    "GET /workspaces": () => json({ items: [workspace(role)], nextCursor: null }),
    "GET /workspaces/clinic/record-types": () => json([PROPOSAL_TYPE]),
    ...routes,
  });
  session.start(tokens());
  renderWithProviders(
    <AuthProvider>
      <Routes>
        <Route path="/records" element={<RecordsPage />} />
        <Route path="/records/:recordId" element={<RecordPage />} />
      </Routes>
    </AuthProvider>,
    { path },
  );
  return api;
}

describe("Records", () => {
  it("shows the member their draft laid out by its type, and confirms it", async () => {
    let status = "draft";
    const api = open(member, "member", {
      [`GET /records/${RECORD}`]: () =>
        json({ record: record(status), recordType: PROPOSAL_TYPE, comments: [], link: null }),
      [`POST /records/${RECORD}/confirm`]: () => {
        status = "open";
        return json(record(status));
      },
    });

    expect(await screen.findByRole("heading", { name: "Login page and user dashboard" })).toBeInTheDocument();
    expect(screen.getByText("Waiting for the member")).toBeInTheDocument();
    const table = screen.getByRole("table");
    expect(within(table).getAllByRole("row")).toHaveLength(3);
    expect(within(table).getAllByText("2026-11-27")).toHaveLength(2);
    expect(screen.queryByLabelText("Comment for the member")).not.toBeInTheDocument();

    await userEvent.click(screen.getByRole("button", { name: "Confirm" }));
    expect(await screen.findByText("Open")).toBeInTheDocument();
    expect(api.requests.some((r) => r.method === "POST" && r.path.endsWith("/confirm"))).toBe(true);
  });

  it("shows the member who of the team wrote each comment, by name or masked number", async () => {
    const comments = [
      { id: "c1", authorId: agent.id, authorName: "Ana", text: "Approved", notice: "text", createdAt: ISO },
      { id: "c2", authorId: "00000000-0000-4000-8000-000000000003", authorName: "+34*****0003", text: "Done", notice: "text", createdAt: ISO },
    ];
    open(member, "member", {
      [`GET /records/${RECORD}`]: () => json({ record: record("resolved"), recordType: PROPOSAL_TYPE, comments, link: null }),
    });
    const list = await screen.findByRole("list", { name: "Comments" });
    const [first, second] = within(list).getAllByRole("listitem");
    expect(within(first!).getByText("Ana")).toBeInTheDocument();
    expect(within(second!).getByText("+34*****0003")).toBeInTheDocument();
    expect(within(list).queryByText(agent.id)).not.toBeInTheDocument();
    expect(within(list).queryByText(/\(you\)/)).not.toBeInTheDocument();
  });

  it("lets the team comment and resolve, saying when the member could not be told", async () => {
    let status = "open";
    const comments: unknown[] = [];
    const api = open(agent, "agent", {
      [`GET /records/${RECORD}`]: () => json({ record: record(status), recordType: PROPOSAL_TYPE, comments, link: null }),
      [`POST /records/${RECORD}/comments`]: () => {
        const comment = { id: "c1", authorId: agent.id, authorName: "Ana", text: "Approved", notice: "none", createdAt: ISO };
        comments.push(comment);
        return json({ record: record(status), notice: "none", comment }, 201);
      },
      [`POST /records/${RECORD}/status`]: () => {
        status = "resolved";
        return json({ record: record(status), notice: "text", comment: null });
      },
    });

    await userEvent.type(await screen.findByLabelText("Comment for the member"), "Approved");
    expect(screen.getByText(/^Proposal · for Marta ·/)).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Comment" }));
    expect(await screen.findByText(/was not told on WhatsApp: the 24-hour window is closed/)).toBeInTheDocument();
    expect(await screen.findByText("Approved")).toBeInTheDocument();
    expect(within(screen.getByRole("list", { name: "Comments" })).getByText("Ana (you)")).toBeInTheDocument();
    expect(api.requests.find((r) => r.path.endsWith("/comments"))?.body).toEqual({ text: "Approved" });

    await userEvent.click(screen.getByRole("button", { name: "Mark resolved" }));
    expect(await screen.findByText("The member was told on WhatsApp.")).toBeInTheDocument();
    expect(api.requests.find((r) => r.path.endsWith("/status"))?.body).toEqual({ status: "resolved" });
    expect(await screen.findByRole("button", { name: "Reopen" })).toBeInTheDocument();
  });

  it("lists the member's records with their status", async () => {
    const api = open(
      member,
      "member",
      { "GET /records": () => json({ items: [record("open")], nextCursor: null }) },
      "/records",
    );
    expect(await screen.findByRole("heading", { name: "My records" })).toBeInTheDocument();
    const list = await screen.findByRole("list", { name: "Records" });
    expect(within(list).getByRole("link", { name: "Login page and user dashboard" })).toHaveAttribute("href", `/records/${RECORD}`);
    expect(within(list).getByText("Open")).toBeInTheDocument();
    expect(within(list).queryByText(/Marta/)).not.toBeInTheDocument();
    expect(api.requests.some((r) => r.path === "/records")).toBe(true);
    expect(screen.queryByRole("link", { name: "Record types" })).not.toBeInTheDocument();
  });

  it("filters the team's records by the workspace's types, its own among them, and sends its admins to them", async () => {
    const asked: (string | null)[] = [];
    const INCIDENT_TYPE = { ...PROPOSAL_TYPE, name: "incident", label: "Incident", builtin: false };
    open(
      agent,
      "admin",
      {
        "GET /workspaces/clinic/record-types": () => json([PROPOSAL_TYPE, INCIDENT_TYPE]),
        "GET /records": (_request, url) => {
          asked.push(url.searchParams.get("type"));
          return json({ items: url.searchParams.get("type") === "incident" ? [] : [record("open")], nextCursor: null });
        },
      },
      "/records",
    );
    expect(await screen.findByRole("heading", { name: "Records" })).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Record types" })).toHaveAttribute("href", "/workspace/record-types");
    const type = screen.getByRole("combobox", { name: "Type" });
    expect(await within(type).findByRole("option", { name: "Incident" })).toBeInTheDocument();
    // The team sees whom each record is for.
    expect(within(await screen.findByRole("list", { name: "Records" })).getByText(/^Proposal · Marta ·/)).toBeInTheDocument();
    await userEvent.selectOptions(type, "incident");
    expect(await screen.findByText("No records yet.")).toBeInTheDocument();
    expect(asked).toEqual([null, "incident"]);
  });
});
