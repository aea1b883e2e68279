import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { Route, Routes } from "react-router-dom";
import { describe, expect, it } from "vitest";
import { session } from "../api/session";
import { AuthProvider } from "../auth/AuthProvider";
import { fakeApi, ISO, json, message, tokens, user } from "../test/fakeApi";
import { renderWithProviders } from "../test/render";
import { answeringOf, ChatPage, WhoAnswers } from "./ChatPage";

const C = "20000000-0000-4000-8000-000000000001";
const NOTICE =
  "I've asked the team of Clínica Sol to take over. A person will answer you here as soon as they can; until then I'll stay quiet.";

function conversation(overrides: Record<string, unknown> = {}) {
  return { id: C, title: "Cita", channel: "whatsapp", userId: "u-marta", state: "assistant", createdAt: ISO, updatedAt: ISO, ...overrides };
}

function workspace() {
  return {
    id: "w-clinic",
    slug: "clinic",
    name: "Clínica Sol",
    assistant: { name: "Sol", instructions: null, language: null, model: null, webSearch: null },
    access: null,
    role: "member",
    createdAt: ISO,
    updatedAt: ISO,
  };
}

/** A member's chat on the fake API: `messages` newest first, as the API pages them; who answers
 * in `conversation` (its `state`, and `answeredBy`). */
function chatApi(state: { messages: ReturnType<typeof message>[]; conversation: Record<string, unknown> }) {
  return fakeApi({
    "POST /auth/refresh": () => json(tokens()),
    "GET /users/me": () => json(user({ id: "u-marta" })),
    "GET /workspaces": () => json({ items: [workspace()], nextCursor: null }),
    "GET /conversations": () => json({ items: [{ ...conversation(), state: state.conversation.state }], nextCursor: null }),
    [`GET /conversations/${C}`]: () => json({ ...conversation(), answeredBy: null, ...state.conversation }),
    [`GET /conversations/${C}/messages`]: () => json({ items: state.messages, nextCursor: null }),
  });
}

function renderChat() {
  session.start(tokens());
  return renderWithProviders(
    <AuthProvider>
      <Routes>
        <Route path="/chat/:conversationId" element={<ChatPage />} />
      </Routes>
    </AuthProvider>,
    { path: `/chat/${C}` },
  );
}

const fromMember = (content: string, id = `m-${content}`) =>
  message({ id, author: "member", isFromUser: true, content, channel: "whatsapp", deliveryStatus: "received" });
const fromSol = (content: string, id = `a-${content.slice(0, 8)}`) => message({ id, author: "assistant", content, channel: "whatsapp" });
const fromTeam = (content: string) => message({ id: `s-${content}`, author: "staff", content, channel: "whatsapp" });

describe("WhoAnswers", () => {
  const noop = () => {};

  it("names the assistant, and offers a person", () => {
    renderWithProviders(<WhoAnswers answering={{ state: "assistant", person: null }} assistantName="Sol" onAskForPerson={noop} busy={false} />);
    const banner = screen.getByRole("region", { name: "Who is answering" });
    expect(within(banner).getByRole("status")).toHaveTextContent("Sol, the assistant, is answering you.");
    expect(within(banner).getByRole("button", { name: "Talk to a person" })).toBeEnabled();
  });

  it("says the member waits for the team, and offers nothing more", () => {
    renderWithProviders(<WhoAnswers answering={{ state: "waiting", person: null }} assistantName="Sol" onAskForPerson={noop} busy={false} />);
    expect(screen.getByRole("status")).toHaveTextContent("Waiting for a person of the team. They will answer here; Sol stays quiet until then.");
    expect(screen.queryByRole("button")).toBeNull();
  });

  it("names the person of the team who answers", () => {
    renderWithProviders(<WhoAnswers answering={{ state: "human", person: "Ana" }} assistantName="Sol" onAskForPerson={noop} busy={false} />);
    expect(screen.getByRole("status")).toHaveTextContent("Ana is answering you.");
  });
});

describe("answeringOf", () => {
  it("names the person when the opened conversation does, else the state alone", () => {
    expect(answeringOf({ state: "human", answeredBy: "Ana" }, { state: "human" })).toEqual({ state: "human", person: "Ana" });
    expect(answeringOf({ state: "waiting", answeredBy: null }, undefined)).toEqual({ state: "waiting", person: null });
    expect(answeringOf(undefined, { state: "human" })).toEqual({ state: "human", person: null });
    expect(answeringOf(undefined, undefined)).toEqual({ state: "assistant", person: null });
  });
});

describe("ChatPage with the team", () => {
  it("asks for a person, then says the member waits for the team", async () => {
    const state = { messages: [fromSol("Hola, soy Sol"), fromMember("Hola")], conversation: { state: "assistant" } };
    const api = chatApi(state);
    api.on(`POST /conversations/${C}/handoff`, () => {
      const notice = fromSol(NOTICE);
      state.messages = [notice, ...state.messages];
      state.conversation = { state: "waiting" };
      return json({ conversation: { ...conversation(), state: "waiting", answeredBy: null }, notice });
    });
    renderChat();
    const banner = await screen.findByRole("region", { name: "Who is answering" });
    await within(banner).findByText("Sol, the assistant, is answering you.");
    await userEvent.click(within(banner).getByRole("button", { name: "Talk to a person" }));
    await waitFor(() => expect(api.requests.some((r) => r.method === "POST" && r.path === `/conversations/${C}/handoff`)).toBe(true));
    expect(await within(banner).findByText(/Waiting for a person of the team/)).toBeInTheDocument();
    expect(await screen.findByText(/I've asked the team of Clínica Sol/)).toBeInTheDocument();
    expect(within(banner).queryByRole("button")).toBeNull();
    expect(screen.getByRole("textbox", { name: "Message" })).toHaveAttribute("placeholder", "Write to the team…");
  });

  it("sends while the team has the conversation: no reply, no error, nobody 'writing'", async () => {
    const state = {
      messages: [fromTeam("Soy Ana, ¿en qué te ayudo?"), fromSol(NOTICE), fromMember("/human")],
      conversation: { state: "human", answeredBy: "Ana" },
    };
    const api = chatApi(state);
    let release = () => {};
    api.on(`POST /conversations/${C}/messages`, async (request) => {
      const { content } = (await request.json()) as { content: string };
      await new Promise<void>((resolve) => (release = resolve));
      const sent = fromMember(content);
      state.messages = [sent, ...state.messages];
      return json({ message: sent, reply: null }, 201);
    });
    renderChat();
    const banner = await screen.findByRole("region", { name: "Who is answering" });
    expect(await within(banner).findByText("Ana is answering you.")).toBeInTheDocument();
    expect(screen.getByRole("textbox", { name: "Message" })).toHaveAttribute("placeholder", "Write to Ana…");
    await userEvent.type(screen.getByRole("textbox", { name: "Message" }), "Quiero cambiar la cita{Enter}");
    expect(await screen.findByText("Sending…", { selector: ".meta" })).toBeInTheDocument();
    expect(screen.queryByText(/is writing/)).toBeNull();
    release();
    const log = screen.getByRole("log", { name: "Messages" });
    expect(await within(log).findByText("Quiero cambiar la cita", { selector: "article p" })).toBeInTheDocument();
    await waitFor(() => expect(screen.queryByText("Sending…", { selector: ".meta" })).toBeNull());
    expect(screen.queryByRole("alert")).toBeNull();
    expect(screen.queryByText(/is writing/)).toBeNull();
  });

  it("shows a message the member deleted on WhatsApp as deleted, and one they edited as edited", async () => {
    chatApi({
      messages: [
        fromSol("Sunday we open at ten."),
        { ...fromMember("Do you open on Sunday?"), edited: true, editedAt: ISO },
        fromSol("Noted."),
        { ...fromMember("", "m-deleted"), deleted: true, deletedAt: ISO },
      ],
      conversation: { state: "assistant" },
    });
    renderChat();
    const log = await screen.findByRole("log", { name: "Messages" });
    expect(await within(log).findByText("This message was deleted")).toBeInTheDocument();
    const edited = within(log).getByText("Do you open on Sunday?").closest("article")!;
    expect(within(edited).getByText("edited")).toBeInTheDocument();
  });

  it("says what went wrong when asking for a person fails", async () => {
    const api = chatApi({ messages: [fromSol("Hola, soy Sol")], conversation: { state: "assistant" } });
    api.on(`POST /conversations/${C}/handoff`, () => json({ error: "conflict", message: "The conversation changed a moment ago." }, 409));
    renderChat();
    const banner = await screen.findByRole("region", { name: "Who is answering" });
    await userEvent.click(await within(banner).findByRole("button", { name: "Talk to a person" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("The conversation changed a moment ago.");
  });
});
