import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { Message } from "../api/types";
import { session } from "../api/session";
import { fakeApi, json, message, tokens } from "../test/fakeApi";
import { renderWithProviders } from "../test/render";
import { MessageList } from "./Messages";

const m = (overrides: Record<string, unknown>) => message(overrides) as Message;

describe("MessageList", () => {
  it("shows the channel, and the delivery status of answers sent over WhatsApp", () => {
    fakeApi();
    renderWithProviders(
      <MessageList
        messages={[
          m({ id: "a", author: "member", isFromUser: true, content: "Hola", channel: "whatsapp", deliveryStatus: "received" }),
          m({ id: "b", content: "**Hi** there", channel: "whatsapp", deliveryStatus: "delivered" }),
          m({ id: "c", content: "On the web", channel: "web", deliveryStatus: "sent" }),
        ]}
      />,
    );
    const [fromMember, whatsappAnswer, webAnswer] = screen.getAllByRole("article");
    expect(within(fromMember!).getByText("WhatsApp")).toBeInTheDocument();
    expect(within(fromMember!).queryByText("Received")).toBeNull();
    expect(within(whatsappAnswer!).getByText("Delivered")).toBeInTheDocument();
    expect(within(whatsappAnswer!).getByText("Hi").tagName).toBe("STRONG");
    expect(within(webAnswer!).queryByText("WhatsApp")).toBeNull();
    expect(within(webAnswer!).queryByText("Sent")).toBeNull();
  });

  it("names the assistant as its workspace does", () => {
    fakeApi();
    renderWithProviders(<MessageList messages={[m({ content: "Hola" })]} assistantName="Sol" thinking />);
    expect(screen.getByRole("article", { name: /^Sol, / })).toHaveTextContent("Sol");
    expect(screen.getByRole("status")).toHaveTextContent("Sol is writing…");
  });

  it("names the person of the team who wrote a reply by hand", () => {
    fakeApi();
    renderWithProviders(
      <MessageList
        messages={[
          m({ id: "s", author: "staff", content: "Hi, I'm Ana", sentByName: "Ana" }),
          m({ id: "t", author: "staff", content: "Hello", sentByName: null }),
        ]}
      />,
    );
    expect(screen.getByRole("article", { name: /^Ana, / })).toHaveTextContent("Hi, I'm Ana");
    expect(screen.getByRole("article", { name: /^Staff, / })).toHaveTextContent("Hello");
  });

  it("shows a failed WhatsApp delivery", () => {
    fakeApi();
    renderWithProviders(<MessageList messages={[m({ channel: "whatsapp", deliveryStatus: "failed" })]} />);
    expect(screen.getByText("Not delivered")).toBeInTheDocument();
  });

  it("shows a message its member deleted as deleted, and one they edited as edited", () => {
    fakeApi();
    renderWithProviders(
      <MessageList
        messages={[
          m({ id: "a", author: "member", isFromUser: true, content: "", channel: "whatsapp", deleted: true, deletedAt: "2026-11-22T10:05:00Z" }),
          m({ id: "b", author: "member", isFromUser: true, content: "Where are you?", channel: "whatsapp", edited: true, editedAt: "2026-11-22T10:06:00Z" }),
        ]}
      />,
    );
    const [deleted, edited] = screen.getAllByRole("article");
    expect(deleted).toHaveTextContent("This message was deleted");
    expect(within(deleted!).queryByText("edited")).toBeNull();
    expect(within(edited!).getByText("Where are you?")).toBeInTheDocument();
    expect(within(edited!).getByText("edited")).toHaveAttribute("title", expect.stringMatching(/^Edited /));
    // A member's own view has no "before the edit".
    expect(within(edited!).queryByText("Before the edit")).toBeNull();
  });

  it("shows the team what an edited message first said", async () => {
    fakeApi();
    renderWithProviders(
      <MessageList
        messages={[
          { ...m({ author: "member", isFromUser: true, content: "Where are you?", edited: true, editedAt: "2026-11-22T10:06:00Z" }), originalText: "What time do you open?" } as Message,
        ]}
      />,
    );
    const article = screen.getByRole("article");
    await userEvent.click(within(article).getByText("Before the edit"));
    expect(within(article).getByText("What time do you open?")).toBeVisible();
  });

  it("shows a member's message as plain text, never as Markdown", () => {
    fakeApi();
    renderWithProviders(<MessageList messages={[m({ author: "member", isFromUser: true, content: "**not bold**" })]} />);
    expect(screen.getByText("**not bold**")).toBeInTheDocument();
  });

  it("shows a photo inline, fetched with the access token", async () => {
    const api = fakeApi({
      "GET /files/f1": () =>
        json({
          id: "f1",
          userId: "u1",
          fileName: "photo.jpg",
          fileType: "image/jpeg",
          fileSize: 2048,
          source: "whatsapp",
          conversationId: null,
          messageId: "a",
          createdAt: "2026-11-22T10:00:00Z",
          extractionStatus: "not_applicable",
          extractionNote: null,
          syncStatus: "synced",
          syncedAt: null,
        }),
      "GET /files/f1/download": () => new Response(new Blob(["jpeg"], { type: "image/jpeg" }), { status: 200 }),
    });
    session.start(tokens("access-1"));
    globalThis.URL.createObjectURL = () => "blob:photo";
    globalThis.URL.revokeObjectURL = () => undefined;
    renderWithProviders(
      <MessageList
        messages={[m({ id: "a", author: "member", isFromUser: true, content: "", messageType: "image", fileId: "f1", filePath: "users/u1/files/f1", channel: "whatsapp" })]}
      />,
    );
    const image = await screen.findByRole("img", { name: "photo.jpg" });
    expect(image).toHaveAttribute("src", "blob:photo");
    const download = api.requests.find((request) => request.path === "/files/f1/download");
    expect(download?.authorization).toBe("Bearer access-1");
  });

  it("shows a voice note's transcript", () => {
    fakeApi();
    renderWithProviders(
      <MessageList
        messages={[
          m({ id: "v", author: "member", isFromUser: true, content: "", messageType: "audio", transcript: "Can we meet on Friday?" }),
        ]}
      />,
    );
    expect(screen.getByText("Can we meet on Friday?")).toBeInTheDocument();
    expect(screen.getByText(/Voice note/)).toBeInTheDocument();
  });
});
