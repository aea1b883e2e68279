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
  return { id: C, title: "Cita", channel: "whatsapp", userId: "u-marta", createdAt: ISO, updatedAt: ISO, ...overrides };
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

/** A member's chat on the fake API: `messages` newest first, as the API pages them. */
function chatApi(state: { messages: ReturnType<typeof message>[]; conversation?: ReturnType<typeof conversation> }) {
  return fakeApi({
    "POST /auth/refresh": () => json(tokens()),
    "GET /users/me": () => json(user({ id: "u-marta" })),
    "GET /workspaces": () => json({ items: [workspace()], nextCursor: null }),
    "GET /conversations": () => json({ items: [state.conversation ?? conversation()], nextCursor: null }),
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
  it("takes what the API says when it says it", () => {
    const said = { ...conversation(), state: "human", assignee: { id: "u-ana", name: "Ana" } };
    expect(answeringOf(said as never, [])).toEqual({ state: "human", person: "Ana" });
  });

  it("else reads it from the latest answer", () => {
    expect(answeringOf(conversation() as never, [])).toEqual({ state: "assistant", person: null });
    expect(answeringOf(conversation() as never, [fromMember("Hola"), fromSol("Hola, soy Sol")] as never)).toMatchObject({ state: "assistant" });
    expect(answeringOf(conversation() as never, [fromMember("/human"), fromSol(NOTICE), fromMember("¿Hola?")] as never)).toMatchObject({ state: "waiting" });
    expect(answeringOf(conversation() as never, [fromSol(NOTICE), fromTeam("Soy Ana"), fromMember("Gracias")] as never)).toMatchObject({ state: "human" });
  });
});

describe("ChatPage with the team", () => {
  it("asks for a person with /human, then says the member waits for the team", async () => {
    const state = { messages: [fromSol("Hola, soy Sol"), fromMember("Hola")] };
    const api = chatApi(state);
    api.on(`POST /conversations/${C}/messages`, async (request) => {
      const { content } = (await request.json()) as { content: string };
      const sent = fromMember(content);
      const notice = fromSol(NOTICE);
      state.messages = [notice, sent, ...state.messages];
      return json({ message: sent, reply: notice }, 201);
    });
    renderChat();
    const banner = await screen.findByRole("region", { name: "Who is answering" });
    await within(banner).findByText("Sol, the assistant, is answering you.");
    await userEvent.click(within(banner).getByRole("button", { name: "Talk to a person" }));
    await waitFor(() => expect(api.requests.find((r) => r.method === "POST" && r.path.endsWith("/messages"))?.body).toEqual({ content: "/human" }));
    expect(await within(banner).findByText(/Waiting for a person of the team/)).toBeInTheDocument();
    expect(screen.getByRole("textbox", { name: "Message" })).toHaveAttribute("placeholder", "Write to the team…");
  });

  it("sends while the team has the conversation: no reply, no error, nobody 'writing'", async () => {
    const state = { messages: [fromTeam("Soy Ana, ¿en qué te ayudo?"), fromSol(NOTICE), fromMember("/human")] };
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
    expect(await within(banner).findByText("A person of the team is answering you.")).toBeInTheDocument();
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

  it("names the person who answers once the API says who", async () => {
    chatApi({
      messages: [fromTeam("Hola")],
      conversation: { ...conversation(), state: "human", assignee: { id: "u-ana", name: "Ana" } } as never,
    });
    renderChat();
    const banner = await screen.findByRole("region", { name: "Who is answering" });
    expect(await within(banner).findByText("Ana is answering you.")).toBeInTheDocument();
    expect(screen.getByRole("textbox", { name: "Message" })).toHaveAttribute("placeholder", "Write to Ana…");
  });
});
