import { fetchClient } from "../api/client";

/** Save one of the member's files, fetched with the access token (a plain link could not send it). */
export async function downloadFile(file: { id: string; fileName: string }): Promise<void> {
  const { data, error } = await fetchClient.GET("/files/{file_id}/download", {
    params: { path: { file_id: file.id } },
    parseAs: "blob",
  });
  if (error || !data) throw error ?? new Error("The file could not be downloaded.");
  const url = URL.createObjectURL(data as Blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = file.fileName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
