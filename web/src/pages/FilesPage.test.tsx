import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { session } from "../api/session";
import { AuthProvider } from "../auth/AuthProvider";
import { fakeApi, ISO, json, problem, tokens, user } from "../test/fakeApi";
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

  it("uploads a file into the library, or says why not", async () => {
    let library: ReturnType<typeof file>[] = [];
    const api = fakeApi({
      "POST /auth/refresh": () => json(tokens()),
      "GET /users/me": () => json(user()),
      "GET /files": () => json({ items: library, nextCursor: null }),
      "POST /files/upload": () => {
        if (library.length > 0) return problem(415, "unsupported_media_type", "This kind of file is not supported.");
        library = [file({ id: "1", fileName: "notes.txt", fileType: "text/plain" })];
        return json(library[0], 201);
      },
    });
    session.start(tokens());
    renderWithProviders(
      <AuthProvider>
        <FilesPage />
      </AuthProvider>,
    );
    await screen.findByText("No files yet.");
    const picker = screen.getByLabelText("Choose a file to upload");
    await userEvent.upload(picker, new File(["Demo day is on the 14th."], "notes.txt", { type: "text/plain" }));
    expect(await screen.findByText("notes.txt is in your library.")).toBeInTheDocument();
    expect(await screen.findByText("notes.txt", { selector: ".file-title" })).toBeInTheDocument();
    expect(api.requests.find((request) => request.method === "POST" && request.path === "/files/upload")?.authorization).toBe("Bearer access-1");

    await userEvent.upload(picker, new File(["?"], "notes.txt", { type: "text/plain" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Not uploaded. This kind of file is not supported.");
  });
});
