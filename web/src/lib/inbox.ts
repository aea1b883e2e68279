/** How the team inbox puts things in words: who answers, what changed, how long is left. */
import { useEffect, useState } from "react";
import type { ConversationState, InboxConversation, StateChange } from "../api/types";
import { displayName, formatWhen } from "./format";

/** The member a conversation is with, by name or number. */
export function memberName(conversation: Pick<InboxConversation, "member">): string {
  return conversation.member ? displayName(conversation.member) : "A member";
}

/** A person of the team by name ("A teammate" for someone without one). */
export function personName(person: { name: string | null } | null | undefined): string {
  return person?.name?.trim() || "A teammate";
}

/** Who answers, as a short label for a badge. */
export function stateLabel(
  conversation: Pick<InboxConversation, "state" | "assignee">,
  me: string | undefined,
): { label: string; tone: string; hint: string } {
  const state: ConversationState = conversation.state;
  switch (state) {
    case "assistant":
      return { label: "Assistant", tone: "neutral", hint: "The assistant answers" };
    case "waiting":
      return { label: "Waiting", tone: "warning", hint: "Handed to the team: nobody has taken it yet" };
    case "human": {
      const mine = conversation.assignee?.id === me;
      const name = mine ? "You" : personName(conversation.assignee);
      return { label: name, tone: mine ? "success" : "admin", hint: `${mine ? "You have" : `${name} has`} this conversation` };
    }
    case "closed":
      return { label: "Closed", tone: "neutral", hint: "Closed: the member's next message opens it again" };
  }
}

/** One change of who answers, as a line in the thread ("Ana took the conversation"). */
export function describeChange(change: StateChange, member: string, assistant: string): string {
  const actor = change.actor === "member" ? member : change.actor === "assistant" ? assistant : personName(change.actorPerson);
  const reason = change.reason ? `: ${change.reason}` : "";
  switch (change.transition) {
    case "handoff":
      if (change.actor === "member") return `${member} asked for a person of the team`;
      return `Handed to the team${reason}`;
    case "take":
      if (change.assignee && change.actorPerson && change.assignee.id !== change.actorPerson.id) {
        return `${actor} gave the conversation to ${personName(change.assignee)}`;
      }
      return `${actor} took the conversation`;
    case "hand_back":
      return `${actor} handed the conversation back to ${assistant}`;
    case "close":
      return `${actor} closed the conversation`;
    case "reopen":
      return `${member} wrote again: the conversation is open, with ${assistant}`;
    case "release":
      return `${personName(change.assignee ?? change.actorPerson)} left the team: back to the waiting line${reason}`;
  }
}

/** The current time, renewed every `everyMs` (for countdowns). */
export function useNow(everyMs = 30_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

/** A duration in words: "23 h 5 min", "4 min", "less than a minute". */
export function formatLeft(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return "less than a minute";
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (hours === 0) return `${rest} min`;
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
}

export type ReplyWindow =
  | { kind: "none" }
  | { kind: "open"; closesAt: string; left: string; closingSoon: boolean }
  | { kind: "closed"; closedAt: string | null };

/** WhatsApp's 24-hour window for free text to the member (none on the web). */
export function replyWindow(
  conversation: Pick<InboxConversation, "channel" | "windowClosesAt">,
  now: number,
): ReplyWindow {
  if (conversation.channel !== "whatsapp") return { kind: "none" };
  if (!conversation.windowClosesAt) return { kind: "closed", closedAt: null };
  const left = Date.parse(conversation.windowClosesAt) - now;
  if (left <= 0) return { kind: "closed", closedAt: conversation.windowClosesAt };
  return { kind: "open", closesAt: conversation.windowClosesAt, left: formatLeft(left), closingSoon: left < 60 * 60_000 };
}

/** When a conversation last moved, for the list. */
export function lastActivity(conversation: Pick<InboxConversation, "lastMessage" | "updatedAt">): string {
  return conversation.lastMessage?.createdAt ?? conversation.updatedAt;
}

export function formatLastActivity(conversation: Pick<InboxConversation, "lastMessage" | "updatedAt">): string {
  return formatWhen(lastActivity(conversation));
}
