/** The caller's workspaces: who runs which, and what their assistant is called. */
import { $api } from "../api/client";
import type { User, Workspace } from "../api/types";

/** The assistant's name when a workspace sets none (the deployment's default). */
export const DEFAULT_ASSISTANT_NAME = "Ignacio";

/** One page is plenty: people belong to a handful of workspaces. */
const MINE = { params: { query: { limit: 50 } } };

/** The caller's own workspaces (oldest first), with their role in each. */
export function useMyWorkspaces(enabled = true) {
  return $api.useQuery("get", "/workspaces", MINE, { enabled, staleTime: 60_000 });
}

/** The name the assistant speaks under for the caller: their first workspace's. */
export function useAssistantName(): string {
  const workspaces = useMyWorkspaces();
  return assistantName(workspaces.data?.items[0]);
}

export function assistantName(workspace: Pick<Workspace, "assistant"> | undefined): string {
  return workspace?.assistant.name?.trim() || DEFAULT_ASSISTANT_NAME;
}

/** Whether the person may open the Workspace page at all (its admins and agents see it). */
export function seesWorkspacePage(user: Pick<User, "isAdmin"> | null, workspaces: Pick<Workspace, "role">[]): boolean {
  return Boolean(user?.isAdmin) || workspaces.some((workspace) => workspace.role === "admin" || workspace.role === "agent");
}

/** Whether the person changes the workspace's settings and team (not only reads them). */
export function runsWorkspace(user: Pick<User, "isAdmin"> | null, workspace: Pick<Workspace, "role">): boolean {
  return Boolean(user?.isAdmin) || workspace.role === "admin";
}
