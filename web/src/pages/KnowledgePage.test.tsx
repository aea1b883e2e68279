import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { session } from "../api/session";
import { AuthProvider } from "../auth/AuthProvider";
import { fakeApi, ISO, json, problem, tokens, user } from "../test/fakeApi";
import { renderWithProviders } from "../test/render";
import { KnowledgePage } from "./KnowledgePage";

const bea = user({ id: "u-bea", name: "Bea", phoneNumber: "+34612345679" });
const carlos = user({ id: "u-carlos", name: "Carlos", phoneNumber: "+34612345670" });
const LIST = "/workspaces/clinic/knowledge";

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

function doc(overrides: Record<string, unknown> = {}) {
  return {
    id: "d-horario",
    fileName: "Horario.txt",
    fileType: "text/plain",
    fileSize: 2048,
    uploadedBy: "u-bea",
    createdAt: ISO,
    extractionStatus: "extracted",
    extractionNote: null,
    syncStatus: "synced",
    syncError: null,
    syncedAt: ISO,
    ...overrides,
  };
}

function page(items: ReturnType<typeof doc>[]) {
  return json({ items, nextCursor: null });
}

function signedIn(me: ReturnType<typeof user>, role: string) {
  return {
    "POST /auth/refresh": () => json(tokens()),
    "GET /users/me": () => json(me),
    "GET /workspaces": () => json({ items: [workspace(role)], nextCursor: null }),
  };
}

function renderPage() {
  session.start(tokens());
  return renderWithProviders(
    <AuthProvider>
      <KnowledgePage />
    </AuthProvider>,
    { path: "/workspace/knowledge" },
  );
}

/** The listed document named `name` (its buttons name it too, out of sight). */
async function cardOf(name: string) {
  return (await screen.findByText(name, { selector: ".file-title" })).closest("li")!;
}

function choose(file: File) {
  return userEvent.upload(screen.getByLabelText("Choose a document for the knowledge base"), file);
}

const horario = () => new File(["La Clínica Sol abre los sábados de diez a dos."], "Horario.txt", { type: "text/plain" });

describe("KnowledgePage", () => {
  it("shows an admin what it is for, the upload, and where each document stands", async () => {
    fakeApi({
      ...signedIn(bea, "admin"),
      [`GET ${LIST}`]: () =>
        page([
          doc(),
          doc({ id: "d-precios", fileName: "Precios.pdf", fileType: "application/pdf", syncStatus: "pending", syncedAt: null }),
          doc({ id: "d-seguros", fileName: "Seguros.docx", syncStatus: "failed", syncError: "The vector store refused it.", syncedAt: null }),
          doc({ id: "d-normas", fileName: "Normas.txt", syncStatus: "expired" }),
          doc({
            id: "d-scan",
            fileName: "Escaneo.pdf",
            fileType: "application/pdf",
            extractionStatus: "no_text",
            extractionNote: "scanned or image-only PDF: no text layer",
          }),
        ]),
    });
    renderPage();
    expect(await screen.findByText("Documents here answer every member of Clínica Sol; answers cite them by name.")).toBeInTheDocument();
    expect(screen.getByRole("heading", { name: "Knowledge base", level: 1 })).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Upload a document" })).toBeEnabled();

    const list = await screen.findByRole("list", { name: "The knowledge base of Clínica Sol" });
    expect(within(list).getAllByRole("listitem")).toHaveLength(5);
    const ready = await cardOf("Horario.txt");
    expect(within(ready).getByText("Ready")).toHaveClass("badge-success");
    expect(ready).toHaveTextContent("2.0 KB");
    expect(ready).toHaveTextContent("Text · 2.0 KB · uploaded");
    expect(within(await cardOf("Precios.pdf")).getByText("Indexing…")).toBeInTheDocument();
    const failed = await cardOf("Seguros.docx");
    expect(within(failed).getByText("Failed")).toHaveClass("badge-danger");
    expect(failed).toHaveTextContent("The vector store refused it.");
    expect(within(await cardOf("Normas.txt")).getByText("Re-indexing…")).toBeInTheDocument();
    expect(await cardOf("Escaneo.pdf")).toHaveTextContent(
      "No text found in it (scanned or image-only PDF: no text layer): answers cannot quote it.",
    );
    for (const action of ["Download", "Re-index", "Delete"]) {
      expect(within(ready).getByRole("button", { name: `${action} Horario.txt` })).toBeInTheDocument();
    }
  });

  it("uploads a document with progress, then follows it from Indexing… to Ready", async () => {
    let documents: ReturnType<typeof doc>[] = [];
    let arrive = () => {};
    const api = fakeApi({
      ...signedIn(bea, "admin"),
      [`GET ${LIST}`]: () => {
        const answer = page(documents);
        // Indexed by the time the list is asked for again.
        documents = documents.map((item) => ({ ...item, syncStatus: "synced", syncedAt: ISO }));
        return answer;
      },
      [`POST ${LIST}`]: async () => {
        await new Promise<void>((resolve) => (arrive = resolve));
        documents = [doc({ syncStatus: "pending", syncedAt: null })];
        return json(documents[0], 201);
      },
    });
    renderPage();
    expect(await screen.findByText("No documents yet. Upload one, and answers cite it once it is ready.")).toBeInTheDocument();

    await choose(horario());
    expect(await screen.findByRole("progressbar", { name: /Uploading Horario.txt/ })).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Upload a document" })).toBeDisabled();
    arrive();
    expect(await screen.findByText("Horario.txt was added: answers cite it once it is ready.")).toBeInTheDocument();
    expect(screen.queryByRole("progressbar")).not.toBeInTheDocument();

    const upload = api.requests.find((request) => request.method === "POST" && request.path.includes("/knowledge"))!;
    expect(upload.path).toBe(LIST);
    expect(upload.authorization).toBe("Bearer access-1");
    // The workspace is in the path; the header is for the paths that do not name one.
    expect(upload.workspace).toBeNull();
    expect(((upload.body as FormData).get("file") as File).name).toBe("Horario.txt");

    const card = await cardOf("Horario.txt");
    expect(within(card).getByText("Indexing…")).toBeInTheDocument();
    // Asked for again while it is indexing, until it is ready; then no more.
    expect(await within(card).findByText("Ready", {}, { timeout: 5_000 })).toBeInTheDocument();
    const asked = api.requests.filter((request) => request.method === "GET" && request.path === LIST).length;
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(api.requests.filter((request) => request.method === "GET" && request.path === LIST)).toHaveLength(asked);
  }, 15_000);

  it.each([
    [415, "unsupported_media_type", "This kind of file is not supported (decided from its content, not its name)."],
    [413, "too_large", "The file is larger than 25 MB. Send a smaller file or split it."],
    [403, "forbidden", "Only an admin of this workspace can do this."],
  ])("shows why an upload was refused (%i)", async (status, error, message) => {
    fakeApi({
      ...signedIn(bea, "admin"),
      [`GET ${LIST}`]: () => page([]),
      [`POST ${LIST}`]: () => problem(status, error, message),
    });
    renderPage();
    await screen.findByText(/No documents yet/);
    // The picker offers documents; the server decides from the content.
    await choose(new File(["\u0000\u0001"], "Horario.txt", { type: "text/plain" }));
    expect(await screen.findByRole("alert")).toHaveTextContent(`Not uploaded. ${message}`);
    expect(screen.getByRole("button", { name: "Upload a document" })).toBeEnabled();
  });

  it("refuses a file over 25 MB before sending it", async () => {
    const api = fakeApi({ ...signedIn(bea, "admin"), [`GET ${LIST}`]: () => page([]) });
    renderPage();
    await screen.findByText(/No documents yet/);
    const big = new File(["x"], "Manual.pdf", { type: "application/pdf" });
    Object.defineProperty(big, "size", { value: 26 * 1024 * 1024 });
    await choose(big);
    expect(await screen.findByRole("alert")).toHaveTextContent("Not uploaded. Manual.pdf is 26 MB; files can be 25 MB at most.");
    expect(api.requests.some((request) => request.method === "POST" && request.path.includes("/knowledge"))).toBe(false);
  });

  it("deletes a document only after asking, and re-indexes one", async () => {
    let documents = [doc(), doc({ id: "d-seguros", fileName: "Seguros.docx", syncStatus: "failed", syncError: "Refused." })];
    const api = fakeApi({
      ...signedIn(bea, "admin"),
      [`GET ${LIST}`]: () => page(documents),
      [`DELETE ${LIST}/d-horario`]: () => {
        documents = documents.filter((item) => item.id !== "d-horario");
        return new Response(null, { status: 204 });
      },
      [`POST ${LIST}/d-seguros/resync`]: () => {
        documents = documents.map((item) => (item.id === "d-seguros" ? { ...item, syncStatus: "pending", syncError: null } : item));
        return json(documents.find((item) => item.id === "d-seguros"), 202);
      },
    });
    renderPage();
    const horarioCard = await cardOf("Horario.txt");
    await userEvent.click(within(horarioCard).getByRole("button", { name: "Delete Horario.txt" }));
    const dialog = within(horarioCard).getByRole("alertdialog");
    expect(dialog).toHaveTextContent("Delete Horario.txt from the knowledge base? Answers will no longer cite it.");
    await userEvent.click(within(dialog).getByRole("button", { name: "Cancel" }));
    expect(api.requests.some((request) => request.method === "DELETE")).toBe(false);
    await userEvent.click(within(horarioCard).getByRole("button", { name: "Delete Horario.txt" }));
    await userEvent.click(within(within(horarioCard).getByRole("alertdialog")).getByRole("button", { name: "Delete" }));
    expect(await screen.findByText("Horario.txt was deleted: answers no longer cite it.")).toBeInTheDocument();
    expect(screen.queryByText("Horario.txt", { selector: ".file-title" })).not.toBeInTheDocument();

    const seguros = await cardOf("Seguros.docx");
    await userEvent.click(within(seguros).getByRole("button", { name: "Re-index Seguros.docx" }));
    expect(await screen.findByText("Seguros.docx is being indexed again.")).toBeInTheDocument();
    expect(await within(seguros).findByText("Indexing…")).toBeInTheDocument();
    expect(seguros).not.toHaveTextContent("Refused.");
    expect(api.requests.filter((request) => request.method !== "GET" && request.path.startsWith(LIST)).map((request) => `${request.method} ${request.path}`)).toEqual([
      `DELETE ${LIST}/d-horario`,
      `POST ${LIST}/d-seguros/resync`,
    ]);
  });

  it("shows an agent the list to read and download, with no way to change it", async () => {
    fakeApi({ ...signedIn(carlos, "agent"), [`GET ${LIST}`]: () => page([doc()]) });
    renderPage();
    const card = await cardOf("Horario.txt");
    expect(within(card).getByText("Ready")).toBeInTheDocument();
    expect(within(card).getByRole("button", { name: "Download Horario.txt" })).toBeInTheDocument();
    expect(screen.getByText("Only the workspace's admins add, re-index or delete documents.")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: /Upload|Re-index|Delete/ })).not.toBeInTheDocument();
    expect(screen.queryByLabelText("Choose a document for the knowledge base")).not.toBeInTheDocument();
  });

  it("is not for a workspace's plain members", async () => {
    const api = fakeApi(signedIn(carlos, "member"));
    renderPage();
    expect(await screen.findByText(/This page is for the people who run a workspace/)).toBeInTheDocument();
    expect(screen.queryByRole("list")).not.toBeInTheDocument();
    expect(api.requests.some((request) => request.path.includes("/knowledge"))).toBe(false);
  });
});
