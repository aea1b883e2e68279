import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { Route, Routes } from "react-router-dom";
import { afterEach, describe, expect, it, vi } from "vitest";
import { session } from "../api/session";
import { AuthProvider } from "../auth/AuthProvider";
import { fakeApi, ISO, json, message, problem, tokens, user } from "../test/fakeApi";
import { renderWithProviders } from "../test/render";
import { InboxPage } from "./InboxPage";

const ana = user({ id: "u-ana", name: "Ana", phoneNumber: "+34600000002" });
const bea = user({ id: "u-bea", name: "Bea", phoneNumber: "+34600000003" });
const marta = user({ id: "u-marta", name: "Marta", phoneNumber: "+34612345678" });
const noName = user({ id: "u-nameless", name: null, phoneNumber: "+34699999999" });
const INBOX = "/workspaces/clinic/inbox";
const C1 = "c-0000-marta";
const C2 = "c-0000-nameless";
const HOUR = 3_600_000;

function workspace(role: string, replyTemplate: unknown = null) {
  return {
    replyTemplate,
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

function conversation(overrides: Record<string, unknown> = {}) {
  return {
    id: C1,
    title: "Cita",
    channel: "whatsapp",
    state: "waiting",
    stateSince: ISO,
    assignee: null,
    member: marta,
    lastMessage: message({ conversationId: C1, author: "member", isFromUser: true, content: "Quiero   cambiar\nla cita", channel: "whatsapp", deliveryStatus: "received" }),
    unread: 2,
    lastMemberMessageAt: new Date(Date.now() - HOUR).toISOString(),
    windowClosesAt: new Date(Date.now() + 23 * HOUR + 5 * 60_000 + 30_000).toISOString(),
    createdAt: ISO,
    updatedAt: ISO,
    ...overrides,
  };
}

function change(overrides: Record<string, unknown> = {}) {
  return {
    id: "s-1",
    transition: "handoff",
    fromState: "assistant",
    toState: "waiting",
    actor: "member",
    actorPerson: { id: "u-marta", name: "Marta" },
    assignee: null,
    reason: "The member asked for a person.",
    createdAt: "2026-11-22T10:00:05Z",
    ...overrides,
  };
}

function teamMessage(overrides: Record<string, unknown> = {}) {
  return { ...message({ conversationId: C1, channel: "whatsapp" }), sentBy: null, ...overrides };
}

const MESSAGES = [
  // Newest first, as the API pages them.
  teamMessage({ id: "m-4", author: "staff", content: "Hola Marta, soy Bea.", createdAt: "2026-11-22T10:02:00Z", sentBy: { id: "u-bea", name: "Bea" }, deliveryStatus: "failed", failure: { code: 131026, explanation: "WhatsApp could not reach this number: it may not use WhatsApp.", providerReason: "Message undeliverable" } }),
  teamMessage({ id: "m-3", author: "staff", content: "Un momento.", createdAt: "2026-11-22T10:01:30Z", sentBy: { id: "u-ana", name: "Ana" }, deliveryStatus: "delivered" }),
  teamMessage({ id: "m-2", author: "assistant", content: "I've asked the team to take over.", createdAt: "2026-11-22T10:00:01Z", deliveryStatus: "read" }),
  teamMessage({ id: "m-1", author: "member", isFromUser: true, content: "/human", createdAt: "2026-11-22T10:00:00Z", deliveryStatus: "received" }),
];

const NO_STEPS = {
  summary: { qualified: false, done: 0, total: 0, requiredDone: 0, required: 0 },
  steps: [],
  otherAnswers: [],
};

function signedIn(me: ReturnType<typeof user>, role: string, replyTemplate: unknown = null) {
  return {
    "POST /auth/refresh": () => json(tokens()),
    "GET /users/me": () => json(me),
    "GET /workspaces": () => json({ items: [workspace(role, replyTemplate)], nextCursor: null }),
  };
}

/** A fake inbox: the list (its queries recorded), one thread, its messages, and the team. */
function inboxApi(
  me = ana,
  options: {
    thread?: ReturnType<typeof conversation>;
    changes?: unknown[];
    role?: string;
    replyTemplate?: unknown;
    summary?: unknown;
    progress?: unknown;
  } = {},
) {
  const searches: URLSearchParams[] = [];
  let thread: Record<string, unknown> = options.thread ?? conversation();
  const api = fakeApi({
    ...signedIn(me, options.role ?? "agent", options.replyTemplate ?? null),
    [`GET ${INBOX}`]: (_request, url) => {
      searches.push(url.searchParams);
      return json({
        items: [
          thread,
          conversation({
            id: C2,
            member: noName,
            channel: "web",
            state: "human",
            assignee: { id: "u-bea", name: "Bea" },
            unread: 0,
            lastMessage: message({ conversationId: C2, author: "staff", content: "Te llamo mañana." }),
            windowClosesAt: null,
          }),
        ],
        nextCursor: null,
      });
    },
    [`GET ${INBOX}/${C1}`]: () =>
      json({
        conversation: { ...thread, unread: null, lastMessage: null },
        changes: options.changes ?? [change()],
        summary: options.summary ?? null,
      }),
    [`GET ${INBOX}/${C1}/messages`]: () => json({ items: MESSAGES, nextCursor: null }),
    [`GET ${INBOX}/${C1}/progress`]: () => json(options.progress ?? NO_STEPS),
    [`POST ${INBOX}/${C1}/read`]: () => new Response(null, { status: 204 }),
    [`DELETE ${INBOX}/${C1}/read`]: () => new Response(null, { status: 204 }),
    [`POST ${INBOX}/${C1}/take`]: async (request) => {
      const body = (await request.json().catch(() => null)) as { assigneeId?: string } | null;
      const assignee = body?.assigneeId === "u-bea" ? { id: "u-bea", name: "Bea" } : { id: me.id, name: me.name };
      thread = { ...thread, state: "human", assignee };
      return json({ conversation: thread, changes: [change()] });
    },
    [`POST ${INBOX}/${C1}/hand-back`]: () => {
      thread = { ...thread, state: "assistant", assignee: null };
      return json({ conversation: thread, changes: [change()] });
    },
    [`POST ${INBOX}/${C1}/close`]: () => {
      thread = { ...thread, state: "closed", assignee: null };
      return json({ conversation: thread, changes: [change()] });
    },
    [`POST ${INBOX}/${C1}/replies`]: async (request) => {
      const { content } = (await request.json()) as { content: string };
      return json(teamMessage({ id: "m-5", author: "staff", content, sentBy: { id: me.id, name: me.name }, deliveryStatus: "pending" }), 201);
    },
    "GET /workspaces/clinic/members": () =>
      json({
        items: [
          { user: ana, role: "agent", joinedAt: ISO },
          { user: bea, role: "admin", joinedAt: ISO },
          { user: marta, role: "member", joinedAt: ISO },
        ],
        nextCursor: null,
      }),
  });
  return { api, searches };
}

function renderInbox(path = "/inbox") {
  session.start(tokens());
  return renderWithProviders(
    <AuthProvider>
      <Routes>
        <Route path="/inbox" element={<InboxPage />} />
        <Route path="/inbox/:conversationId" element={<InboxPage />} />
      </Routes>
    </AuthProvider>,
    { path },
  );
}

async function rowOf(name: string) {
  const list = await screen.findByRole("list", { name: "Conversations" });
  return (await within(list).findByText(name, { selector: ".conversation-title" })).closest("a")!;
}

afterEach(() => {
  vi.useRealTimers();
});

describe("InboxPage", () => {
  it("lists the workspace's conversations: the member, the last message, when, unread and who has it", async () => {
    inboxApi();
    renderInbox();
    const marta = await rowOf("Marta");
    expect(marta).toHaveTextContent("Quiero cambiar la cita");
    expect(within(marta).getByText("Waiting")).toHaveClass("badge-warning");
    expect(within(marta).getByText("WhatsApp")).toBeInTheDocument();
    expect(within(marta).getByText("2", { exact: false, selector: ".badge-unread" })).toHaveTextContent("2 unread");
    expect(marta).toHaveClass("unread");
    expect(marta).toHaveAttribute("href", `/inbox/${C1}`);

    // No name: the number. Someone else has it: their name; the team's last words.
    const nameless = await rowOf("+34699999999");
    expect(nameless).toHaveTextContent("Team: Te llamo mañana.");
    expect(within(nameless).getByText("Bea", { selector: ".badge" })).toHaveTextContent("With Bea");
    expect(nameless.querySelector(".badge-unread")).toBeNull();
    expect(screen.getByRole("link", { name: "All" })).toHaveAttribute("aria-current", "page");
  });

  it("shows a deleted last message as deleted, and an edited one in the thread with what it first said", async () => {
    const { api } = inboxApi(ana, {
      thread: conversation({ lastMessage: message({ conversationId: C1, author: "member", isFromUser: true, content: "", channel: "whatsapp", deleted: true }) }),
    });
    api.on(`GET ${INBOX}/${C1}/messages`, () =>
      json({
        items: [
          teamMessage({ id: "m-2", author: "member", isFromUser: true, content: "", deleted: true, deletedAt: ISO, deliveryStatus: "received" }),
          teamMessage({ id: "m-1", author: "member", isFromUser: true, content: "Do you open on Sunday?", edited: true, editedAt: ISO, originalText: "Do you open on Sundya?", deliveryStatus: "received" }),
        ],
        nextCursor: null,
      }),
    );
    renderInbox(`/inbox/${C1}`);
    expect(await rowOf("Marta")).toHaveTextContent("This message was deleted");
    const thread = await screen.findByRole("region", { name: "Marta" });
    const log = within(thread).getByRole("log", { name: "Messages" });
    expect(await within(log).findByText("This message was deleted")).toBeInTheDocument();
    const edited = within(log).getByText("Do you open on Sunday?").closest("article")!;
    expect(within(edited).getByText("edited")).toBeInTheDocument();
    await userEvent.click(within(edited).getByText("Before the edit"));
    expect(within(edited).getByText("Do you open on Sundya?")).toBeVisible();
  });

  it("filters by view, channel, unread and title, through the API", async () => {
    const { searches } = inboxApi();
    renderInbox();
    await rowOf("Marta");
    expect(searches.at(-1)!.toString()).toBe("limit=50");

    await userEvent.click(screen.getByRole("link", { name: "Waiting" }));
    await waitFor(() => expect(searches.at(-1)!.getAll("state")).toEqual(["waiting"]));
    expect(screen.getByRole("link", { name: "Waiting" })).toHaveAttribute("aria-current", "page");
    await userEvent.click(screen.getByRole("link", { name: "Mine" }));
    await waitFor(() => expect(searches.at(-1)!.get("mine")).toBe("true"));
    expect(searches.at(-1)!.has("state")).toBe(false);
    await userEvent.click(screen.getByRole("link", { name: "Closed" }));
    await waitFor(() => expect(searches.at(-1)!.getAll("state")).toEqual(["closed"]));

    await userEvent.selectOptions(screen.getByLabelText("Channel"), "whatsapp");
    await waitFor(() => expect(searches.at(-1)!.get("channel")).toBe("whatsapp"));
    await userEvent.click(screen.getByLabelText("Unread only"));
    await waitFor(() => expect(searches.at(-1)!.get("unread")).toBe("true"));
    await userEvent.type(screen.getByLabelText("Search by title"), "cita");
    await waitFor(() => expect(searches.at(-1)!.get("search")).toBe("cita"));
    // Every filter together, the view kept.
    expect(searches.at(-1)!.getAll("state")).toEqual(["closed"]);
    expect(searches.at(-1)!.get("channel")).toBe("whatsapp");
  });

  it("filters qualified members, and shows how far each is through the workflow steps", async () => {
    const { searches } = inboxApi(ana, {
      thread: conversation({ progress: { qualified: true, done: 3, total: 4, requiredDone: 2, required: 2 } }),
    });
    renderInbox();
    const marta = await rowOf("Marta");
    expect(within(marta).getByText("Qualified")).toHaveClass("badge-success");
    await userEvent.selectOptions(screen.getByLabelText("Workflow steps"), "yes");
    await waitFor(() => expect(searches.at(-1)!.get("qualified")).toBe("true"));
    await userEvent.selectOptions(screen.getByLabelText("Workflow steps"), "no");
    await waitFor(() => expect(searches.at(-1)!.get("qualified")).toBe("false"));
    await userEvent.selectOptions(screen.getByLabelText("Workflow steps"), "");
    await waitFor(() => expect(searches.at(-1)!.has("qualified")).toBe(false));
  });

  it("shows the member's answers in the thread, and the team sets and clears them", async () => {
    const email = { key: "email", prompt: "Ask for their email.", type: "email", required: true, options: [] };
    const stage = { key: "stage", prompt: "Ask their stage.", type: "choice", required: true, options: ["Idea", "Prototype"] };
    const answer = (key: string, value: string, setBy: unknown = null) => ({
      key,
      value,
      type: key === "email" ? "email" : "choice",
      setBy,
      setAt: ISO,
      counts: true,
    });
    const progress = (answers: Record<string, unknown>) => ({
      summary: { qualified: Object.keys(answers).length === 2, done: Object.keys(answers).length, total: 2, requiredDone: Object.keys(answers).length, required: 2 },
      steps: [
        { step: email, answer: answers.email ?? null },
        { step: stage, answer: answers.stage ?? null },
      ],
      otherAnswers: [{ ...answer("budget", "12"), type: "number", counts: false }],
    });
    const { api } = inboxApi(ana, { progress: progress({ email: answer("email", "marta@example.org") }) });
    api.on(`PUT ${INBOX}/${C1}/progress/stage`, () =>
      json(progress({ email: answer("email", "marta@example.org"), stage: answer("stage", "Prototype", { id: "u-ana", name: "Ana" }) })),
    );
    api.on(`DELETE ${INBOX}/${C1}/progress/email`, () => json(progress({})));
    renderInbox(`/inbox/${C1}`);

    const steps = await screen.findByRole("list", { name: "The member's workflow steps" });
    expect(steps).toHaveTextContent("email: marta@example.org (Sol");
    expect(steps).toHaveTextContent("stage: open");
    expect(screen.getByText(/1 of 2 answered/)).toBeInTheDocument();
    expect(screen.getByRole("list", { name: "Earlier answers" })).toHaveTextContent("budget: 12");

    await userEvent.click(within(steps).getByRole("button", { name: "Set stage" }));
    await userEvent.selectOptions(screen.getByLabelText("Answer to stage"), "Prototype");
    await userEvent.click(within(steps).getByRole("button", { name: "Save" }));
    expect(await within(steps).findByText("Prototype")).toBeInTheDocument();
    expect(steps).toHaveTextContent("(Ana,");
    expect(api.requests.find((r) => r.method === "PUT")!.body).toEqual({ value: "Prototype" });

    await userEvent.click(within(steps).getByRole("button", { name: "Clear email" }));
    await waitFor(() => expect(steps).toHaveTextContent("email: open"));
  });

  it("opens a thread: read for the caller, messages by author, changes among them, delivery", async () => {
    const { api } = inboxApi(ana, {
      changes: [change(), change({ id: "s-2", transition: "take", fromState: "waiting", toState: "human", actor: "team", actorPerson: { id: "u-ana", name: "Ana" }, assignee: { id: "u-bea", name: "Bea" }, reason: null, createdAt: "2026-11-22T10:01:00Z" })],
    });
    renderInbox(`/inbox/${C1}`);
    const thread = await screen.findByRole("region", { name: "Marta" });
    await within(thread).findByText("Hola Marta, soy Bea.");
    await waitFor(() => expect(api.requests.some((r) => r.method === "POST" && r.path === `${INBOX}/${C1}/read`)).toBe(true));

    const log = within(thread).getByRole("log", { name: "Messages" });
    // In time order: the member's message, the assistant's notice, the hand-over, the take, the team's replies.
    const lines = [...log.querySelectorAll("article .author, .system-note > span")].map((node) => node.textContent);
    expect(lines).toEqual(["Marta", "Sol", "Marta asked for a person of the team", "Ana gave the conversation to Bea", "Ana (you)", "Bea"]);
    const failed = within(thread).getByText("Hola Marta, soy Bea.").closest("article")!;
    expect(within(failed).getByText("Not delivered")).toBeInTheDocument();
    expect(within(failed).getByRole("note")).toHaveTextContent(
      "Not delivered: WhatsApp could not reach this number: it may not use WhatsApp. (error 131026: Message undeliverable)",
    );
    const delivered = within(thread).getByText("Un momento.").closest("article")!;
    expect(within(delivered).getByText("Delivered")).toBeInTheDocument();
    expect(within(thread).getByText(/Waiting for a person of the team/)).toBeInTheDocument();
    expect(document.title).toBe("Marta · Inbox · Ignacio");
  });

  it("takes the conversation, gives it to a teammate, hands it back and closes it", async () => {
    const { api } = inboxApi();
    renderInbox(`/inbox/${C1}`);
    const thread = await screen.findByRole("region", { name: "Marta" });
    const actions = await within(thread).findByRole("group", { name: "Conversation actions" });

    await userEvent.click(within(actions).getByRole("button", { name: "Take" }));
    expect(await within(thread).findByText("You have the conversation now.")).toBeInTheDocument();
    const take = api.requests.find((r) => r.method === "POST" && r.path.endsWith("/take"))!;
    expect(take.body).toBeNull();
    expect(take.authorization).toBe("Bearer access-1");
    // Now hers: no Take, but the rest.
    await waitFor(() => expect(within(actions).queryByRole("button", { name: /^Take/ })).toBeNull());
    expect(await within(thread).findByText(/You have it/)).toBeInTheDocument();

    await userEvent.click(within(actions).getByRole("button", { name: "Assign to…" }));
    const teammate = await within(thread).findByLabelText("Teammate");
    // Agents and admins only, and not the one who has it.
    expect(within(teammate).getAllByRole("option").map((option) => option.textContent)).toEqual(["Choose…", "Bea (admin)"]);
    expect(within(thread).getByRole("button", { name: "Assign" })).toBeDisabled();
    await userEvent.selectOptions(teammate, "u-bea");
    await userEvent.click(within(thread).getByRole("button", { name: "Assign" }));
    expect(await within(thread).findByText("Bea has the conversation now.")).toBeInTheDocument();
    expect(api.requests.filter((r) => r.path.endsWith("/take")).at(-1)!.body).toEqual({ assigneeId: "u-bea" });
    expect(await within(actions).findByRole("button", { name: "Take over" })).toBeInTheDocument();

    await userEvent.click(within(actions).getByRole("button", { name: "Hand back to assistant" }));
    expect(await within(thread).findByText("Sol answers Marta again.")).toBeInTheDocument();
    await userEvent.click(await within(actions).findByRole("button", { name: "Close" }));
    expect(await within(thread).findByText("The conversation is closed.")).toBeInTheDocument();
    await waitFor(() => expect(within(actions).queryByRole("button", { name: "Close" })).toBeNull());

    await userEvent.click(within(actions).getByRole("button", { name: "Mark unread" }));
    expect(await within(thread).findByText("Marked unread.")).toBeInTheDocument();
    expect(api.requests.some((r) => r.method === "DELETE" && r.path === `${INBOX}/${C1}/read`)).toBe(true);
  });

  it("says so when someone changed the conversation a moment ago", async () => {
    const { api } = inboxApi();
    api.on(`POST ${INBOX}/${C1}/take`, () => problem(409, "conflict", "Bea took this conversation a moment ago."));
    renderInbox(`/inbox/${C1}`);
    const thread = await screen.findByRole("region", { name: "Marta" });
    await userEvent.click(await within(thread).findByRole("button", { name: "Take" }));
    expect(await within(thread).findByRole("alert")).toHaveTextContent("Not done. Bea took this conversation a moment ago.");
  });

  it("replies on WhatsApp within the 24-hour window, which it counts down", async () => {
    const { api } = inboxApi();
    renderInbox(`/inbox/${C1}`);
    const thread = await screen.findByRole("region", { name: "Marta" });
    expect(await within(thread).findByText("23 h 5 min")).toBeInTheDocument();
    expect(within(thread).getByText(/left to reply on WhatsApp/)).toBeInTheDocument();
    expect(within(thread).getByText("Replying takes the conversation for you: Sol stays quiet until you hand it back.")).toBeInTheDocument();
    const box = within(thread).getByRole("textbox", { name: "Message" });
    expect(box).toHaveAttribute("placeholder", "Reply to Marta…");
    await userEvent.type(box, "Claro, ¿qué día te viene bien?{Enter}");
    await waitFor(() => expect(api.requests.find((r) => r.path.endsWith("/replies"))?.body).toEqual({ content: "Claro, ¿qué día te viene bien?" }));
    await waitFor(() => expect(box).toHaveValue(""));
  });

  it("sends a file with its caption, and a knowledge-base document", async () => {
    const { api } = inboxApi();
    api.on(`POST ${INBOX}/${C1}/files`, () =>
      json(teamMessage({ id: "m-6", author: "staff", content: "El mapa", messageType: "image", sentBy: { id: ana.id, name: ana.name } }), 201),
    );
    api.on(`POST ${INBOX}/${C1}/documents`, () =>
      json(teamMessage({ id: "m-7", author: "staff", content: "Precios.pdf", messageType: "document", sentBy: { id: ana.id, name: ana.name } }), 201),
    );
    api.on("GET /workspaces/clinic/knowledge", () =>
      json({ items: [{ id: "d-1", fileName: "Precios.pdf" }, { id: "d-2", fileName: "Horario.txt" }], nextCursor: null }),
    );
    renderInbox(`/inbox/${C1}`);
    const thread = await screen.findByRole("region", { name: "Marta" });
    const picture = new File(["png"], "mapa.png", { type: "image/png" });
    await userEvent.upload(within(thread).getByLabelText("Attach a file"), picture);
    await userEvent.type(within(thread).getByRole("textbox", { name: "Message" }), "El mapa{Enter}");
    await waitFor(() => expect(api.requests.filter((r) => r.path.endsWith("/files"))).toHaveLength(1));
    const sent = api.requests.find((r) => r.path.endsWith("/files"))!.body as FormData;
    expect((sent.get("file") as File).name).toBe("mapa.png");
    expect(sent.get("caption")).toBe("El mapa");

    await userEvent.click(within(thread).getByText("Send a document from the knowledge base"));
    const form = await within(thread).findByRole("form", { name: "Send Marta a knowledge-base document" });
    await userEvent.selectOptions(within(form).getByLabelText("Document"), "Precios.pdf");
    await userEvent.click(within(form).getByRole("button", { name: "Send document" }));
    await waitFor(() => expect(api.requests.find((r) => r.path.endsWith("/documents"))?.body).toEqual({ documentId: "d-1", caption: null }));
    expect(await within(thread).findByText("The document is on its way.")).toBeInTheDocument();
  });

  it("shows the conversation's summary first, and asks for a new one when it is stale", async () => {
    const { api } = inboxApi(ana, {
      summary: {
        id: "s-1",
        text: "Marta wants an appointment on Friday; nothing was promised yet.",
        model: "gpt-4o-mini",
        inputTokens: 120,
        outputTokens: 30,
        latencyMs: 900,
        automatic: true,
        requestedBy: null,
        lastMessageId: "m-1",
        lastMessageAt: ISO,
        messagesRead: 3,
        stale: true,
        createdAt: ISO,
      },
    });
    api.on(`POST ${INBOX}/${C1}/summary`, () => json({}, 201));
    renderInbox(`/inbox/${C1}`);
    const thread = await screen.findByRole("region", { name: "Marta" });
    const summary = await within(thread).findByRole("region", { name: "Summary" });
    expect(summary).toHaveTextContent("Marta wants an appointment on Friday");
    expect(summary).toHaveTextContent("Made when it was handed to the team, by gpt-4o-mini, covering 3 messages");
    await userEvent.click(within(summary).getByRole("button", { name: "Summarise again" }));
    await waitFor(() => expect(api.requests.some((r) => r.method === "POST" && r.path.endsWith("/summary"))).toBe(true));
  });

  it("keeps the draft and says why when WhatsApp refuses the reply", async () => {
    const { api } = inboxApi();
    api.on(`POST ${INBOX}/${C1}/replies`, () =>
      problem(409, "conflict", "This member last wrote more than 24 hours ago, so WhatsApp no longer takes free text to them (Meta's error 131047)."),
    );
    renderInbox(`/inbox/${C1}`);
    const thread = await screen.findByRole("region", { name: "Marta" });
    const box = await within(thread).findByRole("textbox", { name: "Message" });
    await userEvent.type(box, "Hola{Enter}");
    expect(await within(thread).findByRole("alert")).toHaveTextContent("Meta's error 131047");
    expect(box).toHaveValue("Hola");
  });

  it("offers no free text once the window has closed, and says when it closed", async () => {
    const closedAt = new Date(Date.now() - 2 * HOUR).toISOString();
    inboxApi(ana, { thread: conversation({ windowClosesAt: closedAt, lastMemberMessageAt: new Date(Date.now() - 26 * HOUR).toISOString() }) });
    renderInbox(`/inbox/${C1}`);
    const thread = await screen.findByRole("region", { name: "Marta" });
    const note = await within(thread).findByText(/WhatsApp's 24-hour window closed at/);
    expect(note).toHaveTextContent("only an approved template can reach them now");
    expect(note.querySelector("time")).toHaveAttribute("dateTime", closedAt);
    expect(thread.querySelector('[data-slot="template-picker"]')).not.toBeNull();
    expect(within(thread).getByRole("textbox", { name: "Message" })).toBeDisabled();
    expect(within(thread).getByRole("button", { name: "Send" })).toBeDisabled();
  });

  it("sends the workspace's approved template once the window has closed, its variables filled in", async () => {
    const { api } = inboxApi(ana, {
      thread: conversation({ windowClosesAt: new Date(Date.now() - HOUR).toISOString() }),
      replyTemplate: { name: "follow_up", language: "es", variables: ["member's first name", "what it is about"] },
    });
    api.on(`POST ${INBOX}/${C1}/template`, async (request) => {
      const { parameters } = (await request.json()) as { parameters: string[] };
      return json(teamMessage({ id: "m-6", author: "staff", content: `[template follow_up] ${parameters.join(" · ")}`, deliveryStatus: "pending" }), 201);
    });
    renderInbox(`/inbox/${C1}`);
    const form = await screen.findByRole("form", { name: "Send the approved template" });
    expect(form).toHaveTextContent("Send Marta the approved template follow_up (es), filled in:");
    const send = within(form).getByRole("button", { name: "Send template" });
    expect(send).toBeDisabled();
    await userEvent.type(within(form).getByLabelText("member's first name"), "Marta");
    await userEvent.type(within(form).getByLabelText("what it is about"), "tu cita del martes");
    await userEvent.click(send);
    expect(await screen.findByText("The template is on its way.")).toBeInTheDocument();
    expect(api.requests.find((r) => r.path.endsWith("/template"))?.body).toEqual({ parameters: ["Marta", "tu cita del martes"] });
    await waitFor(() => expect(within(form).getByLabelText("member's first name")).toHaveValue(""));
  });

  it("says who sets the template when the workspace has none", async () => {
    inboxApi(ana, { thread: conversation({ windowClosesAt: new Date(Date.now() - HOUR).toISOString() }) });
    renderInbox(`/inbox/${C1}`);
    expect(await screen.findByText(/This workspace has no approved template yet\. An admin of the workspace sets it/)).toBeInTheDocument();
    expect(screen.queryByRole("form", { name: "Send the approved template" })).toBeNull();
  });

  it("points an admin to the settings where the template is set", async () => {
    inboxApi(ana, { role: "admin", thread: conversation({ windowClosesAt: new Date(Date.now() - HOUR).toISOString() }) });
    renderInbox(`/inbox/${C1}`);
    expect(await screen.findByRole("link", { name: "workspace's settings" })).toHaveAttribute("href", "/workspace");
  });

  it("is for the team only", async () => {
    fakeApi(signedIn(marta, "member"));
    renderInbox();
    expect(await screen.findByText(/The inbox is for the people who handle a workspace's conversations/)).toBeInTheDocument();
  });

  it("follows the workspace's live events: a new message refreshes the list and the open thread", async () => {
    const { api } = inboxApi();
    const encoder = new TextEncoder();
    let push: (text: string) => void = () => {};
    const streams: Request[] = [];
    api.on("GET /workspaces/clinic/events", (request) => {
      streams.push(request);
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          push = (text) => controller.enqueue(encoder.encode(text));
        },
      });
      return new Response(body, { headers: { "Content-Type": "text/event-stream" } });
    });
    const { container } = renderInbox(`/inbox/${C1}`);
    await screen.findByRole("region", { name: "Marta" });
    await waitFor(() => expect(container.querySelector(".inbox")).toHaveAttribute("data-live", "yes"));
    expect(screen.getByText("Live updates on")).toBeInTheDocument();
    expect(streams[0]!.headers.get("Authorization")).toBe("Bearer access-1");
    const count = (path: string) => api.requests.filter((r) => r.method === "GET" && r.path === path).length;
    const before = { list: count(INBOX), thread: count(`${INBOX}/${C1}`), messages: count(`${INBOX}/${C1}/messages`) };

    push(`id: 7\nevent: message\ndata: {"conversationId":"${C1}","messageId":"m-9","author":"member"}\n\n`);
    await waitFor(() => expect(count(`${INBOX}/${C1}/messages`)).toBeGreaterThan(before.messages));
    await waitFor(() => expect(count(INBOX)).toBeGreaterThan(before.list));
    expect(count(`${INBOX}/${C1}`)).toBeGreaterThan(before.thread);
  });
});
