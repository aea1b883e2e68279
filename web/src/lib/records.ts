/** Words for records' statuses and notices, and their values shown as text. */
import type { OwnerNotice, RecordField, RecordStatus } from "../api/types";

export const STATUS: Record<RecordStatus, { label: string; tone: string }> = {
  draft: { label: "Waiting for the member", tone: "warning" },
  open: { label: "Open", tone: "neutral" },
  in_review: { label: "In review", tone: "info" },
  resolved: { label: "Resolved", tone: "success" },
  rejected: { label: "Rejected", tone: "danger" },
};

/** Where the team may move a record from each status (as the API allows). */
export const MOVES: Record<RecordStatus, RecordStatus[]> = {
  draft: [],
  open: ["in_review", "resolved", "rejected"],
  in_review: ["open", "resolved", "rejected"],
  resolved: ["open"],
  rejected: ["open"],
};

export const NOTICE: Record<OwnerNotice, string> = {
  text: "The member was told on WhatsApp.",
  template: "The member was told on WhatsApp through the workspace's template (outside the 24-hour window).",
  none: "The member was not told on WhatsApp: the 24-hour window is closed and the workspace has no template for it. They see it here.",
  web: "The member sees it in the web app (they have no WhatsApp conversation here).",
};

/** A value as a person reads it. */
export function shownValue(value: unknown, field?: Pick<RecordField, "kind">): string {
  if (value === null || value === undefined || value === "") return "—";
  if (field?.kind === "boolean" || typeof value === "boolean") return value ? "Yes" : "No";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}
