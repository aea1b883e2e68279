import { screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { session } from "../api/session";
import { AuthProvider } from "../auth/AuthProvider";
import { fakeApi, ISO, json, tokens, user } from "../test/fakeApi";
import { renderWithProviders } from "../test/render";
import { FilesPage } from "./FilesPage";

function file(overrides: Record<string, unknown>) {
  return {
    id: "f",
    userId: "u",
    fileName: "plan.pdf",
    fileType: "application/pdf",
    fileSize: 123_456,
    source: "web",
    conversationId: null,
    messageId: null,
    createdAt: ISO,
    extractionStatus: "extracted",
    extractionNote: null,
    syncStatus: "synced",
    syncError: null,
    syncedAt: ISO,
    remoteFileId: null,
    remoteStoreId: null,
    remoteUploadedAt: null,
    ...overrides,
  };
}

describe("FilesPage", () => {
  it("lists the library with where each file stands", async () => {
    fakeApi({
      "POST /auth/refresh": () => json(tokens()),
      "GET /users/me": () => json(user()),
      "GET /files": () =>
        json({
          items: [
            file({ id: "1", fileName: "plan.pdf" }),
            file({ id: "2", fileName: "voice.ogg", fileType: "audio/ogg", source: "whatsapp", syncStatus: "pending", extractionStatus: "pending" }),
            file({ id: "3", fileName: "scan.pdf", syncStatus: "failed", syncError: "The index refused it." }),
          ],
          nextCursor: null,
        }),
    });
    session.start(tokens());
    renderWithProviders(
      <AuthProvider>
        <FilesPage />
      </AuthProvider>,
    );
    const list = await screen.findByRole("list", { name: "Files" });
    const [plan, voice, scan] = within(list).getAllByRole("listitem");
    expect(plan).toHaveTextContent("Synced");
    expect(plan).toHaveTextContent("121 KB");
    expect(voice).toHaveTextContent("WhatsApp");
    expect(voice).toHaveTextContent("Syncing");
    expect(within(scan!).getByText("Sync failed")).toHaveAttribute("title", "The index refused it.");
    expect(screen.getByRole("button", { name: "Upload a file" })).toBeEnabled();
  });
});
