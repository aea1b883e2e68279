/**
 * The workspace this tab's requests act in. The API answers someone in several workspaces only
 * when a request names one (the `Ignacio-Workspace` header), so the client and the upload send
 * it; the web app decides which one (lib/workspaces.ts) and keeps it here, outside React, where
 * the middleware can read it.
 */

/** The header the API reads (`WORKSPACE_HEADER` in src/ignacio/application/workspaces.py). */
export const WORKSPACE_HEADER = "Ignacio-Workspace";

let current: string | null = null;

export const workspaceScope = {
  /** The workspace's id, or null to let the API choose (someone in one workspace). */
  get id(): string | null {
    return current;
  },

  set(id: string | null): void {
    current = id;
  },
};

/**
 * Whether a path acts in a workspace at all. The workspaces' own paths name theirs in the path,
 * and logging in or out precedes any workspace; the API ignores the header there, but sending it
 * would suggest otherwise.
 */
export function actsInWorkspace(path: string): boolean {
  return !(path === "/health" || path.startsWith("/auth/") || path === "/workspaces" || path.startsWith("/workspaces/"));
}
