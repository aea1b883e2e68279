/**
 * The caller's workspaces: who runs which, what their assistant is called, and which one the web
 * app acts in (the current workspace, which a person in several chooses).
 */
import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useLayoutEffect, useSyncExternalStore } from "react";
import { $api } from "../api/client";
import { session } from "../api/session";
import type { User, Workspace } from "../api/types";
import { workspaceScope } from "../api/workspace";
import { useAuth } from "../auth/AuthProvider";

/** The assistant's name when a workspace sets none (the deployment's default). */
export const DEFAULT_ASSISTANT_NAME = "Ignacio";

/** One page is plenty: people belong to a handful of workspaces. */
const MINE = { params: { query: { limit: 50 } } };

/** The caller's own workspaces (oldest first), with their role in each. */
export function useMyWorkspaces(enabled = true) {
  return $api.useQuery("get", "/workspaces", MINE, { enabled, staleTime: 60_000 });
}

// Per person, since people may share a browser.
const STORAGE_PREFIX = "ignacio.workspace.";
// This tab's choices, read from localStorage once per session: switching in another tab does not
// move this one (both follow the latest choice after a reload or the next login).
const chosen = new Map<string, string | null>();
const listeners = new Set<() => void>();
session.subscribe((event) => {
  if (event.type === "ended") chosen.clear();
});

function chosenBy(userId: string): string | null {
  if (!chosen.has(userId)) {
    let stored: string | null = null;
    try {
      stored = localStorage.getItem(STORAGE_PREFIX + userId);
    } catch {
      // Storage refused (a privacy setting): nothing was kept.
    }
    chosen.set(userId, stored);
  }
  return chosen.get(userId) ?? null;
}

function remember(userId: string, workspaceId: string): void {
  chosen.set(userId, workspaceId);
  try {
    localStorage.setItem(STORAGE_PREFIX + userId, workspaceId);
  } catch {
    // Storage refused: the choice lasts until the page reloads.
  }
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The workspace chosen among `workspaces`; the first one when none was, or when the caller
 * has left the one chosen. */
export function currentOf<W extends Pick<Workspace, "id">>(workspaces: W[], chosenId: string | null): W | undefined {
  return workspaces.find((workspace) => workspace.id === chosenId) ?? workspaces[0];
}

export interface CurrentWorkspace {
  /** The caller's own workspaces (empty until they load, or for a platform admin in none). */
  workspaces: Workspace[];
  current: Workspace | undefined;
  /** Whether the list has loaded or failed: until then, which workspace is current is unknown. */
  settled: boolean;
  /** Why the list did not load, if it did not. */
  error: unknown;
  /** Act in another of the caller's workspaces from now on (and after a reload). */
  choose: (workspaceId: string) => void;
}

export function useCurrentWorkspace(): CurrentWorkspace {
  const { user } = useAuth();
  const userId = user?.id ?? null;
  const queryClient = useQueryClient();
  const list = useMyWorkspaces();
  const chosenId = useSyncExternalStore(subscribe, () => (userId ? chosenBy(userId) : null));
  const workspaces = list.data?.items ?? [];
  const choose = useCallback(
    (workspaceId: string) => {
      if (!userId) return;
      remember(userId, workspaceId);
      workspaceScope.set(workspaceId);
      // Every cached answer but the list of workspaces came from the previous workspace: reset
      // rather than invalidate, so none of it shows under the new one's name while its own loads.
      void queryClient.resetQueries({ predicate: (query) => query.queryKey[1] !== "/workspaces" });
    },
    [userId, queryClient],
  );
  return { workspaces, current: currentOf(workspaces, chosenId), settled: !list.isPending, error: list.error, choose };
}

/**
 * Makes the client name `workspace` on every request while the caller is mounted (the logged-in
 * frame), and nothing once it is gone (logged out). A layout effect, so it runs before the
 * screens rendered with it start their queries (those start in passive effects).
 */
export function useWorkspaceScope(workspace: Pick<Workspace, "id"> | undefined): void {
  const id = workspace?.id ?? null;
  useLayoutEffect(() => {
    workspaceScope.set(id);
    return () => workspaceScope.set(null);
  }, [id]);
}

/** The name the assistant speaks under for the caller: the current workspace's. */
export function useAssistantName(): string {
  return assistantName(useCurrentWorkspace().current);
}

export function assistantName(workspace: Pick<Workspace, "assistant"> | undefined): string {
  return workspace?.assistant.name?.trim() || DEFAULT_ASSISTANT_NAME;
}

/** Whether the person may open the Workspace page: platform admins, and the current
 * workspace's admins and agents. */
export function seesWorkspacePage(user: Pick<User, "isAdmin"> | null, current: Pick<Workspace, "role"> | undefined): boolean {
  return Boolean(user?.isAdmin) || current?.role === "admin" || current?.role === "agent";
}

/** Whether the person changes the workspace's settings and team (not only reads them). */
export function runsWorkspace(user: Pick<User, "isAdmin"> | null, workspace: Pick<Workspace, "role">): boolean {
  return Boolean(user?.isAdmin) || workspace.role === "admin";
}
