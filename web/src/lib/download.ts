import { fetchClient } from "../api/client";

/** Save one of the member's files, fetched with the access token (a plain link could not send it). */
export async function downloadFile(file: { id: string; fileName: string }): Promise<void> {
  const { data, error } = await fetchClient.GET("/files/{file_id}/download", {
    params: { path: { file_id: file.id } },
    parseAs: "blob",
  });
  save(data, error, file.fileName);
}

/** Save a document of a workspace's knowledge base, the same way. */
export async function downloadKnowledge(workspace: string, document: { id: string; fileName: string }): Promise<void> {
  const { data, error } = await fetchClient.GET("/workspaces/{workspace}/knowledge/{document_id}/download", {
    params: { path: { workspace, document_id: document.id } },
    parseAs: "blob",
  });
  save(data, error, document.fileName);
}

/** Save every member's answers to a workspace's workflow steps, as CSV (its admins). */
export async function downloadWorkflowAnswers(workspace: string): Promise<void> {
  const { data, error } = await fetchClient.GET("/workspaces/{workspace}/workflow/export.csv", {
    params: { path: { workspace } },
    parseAs: "blob",
  });
  save(data, error, `${workspace}-workflow.csv`);
}

function save(data: unknown, error: unknown, fileName: string): void {
  if (error || !data) throw error ?? new Error("The file could not be downloaded.");
  const url = URL.createObjectURL(data as Blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
