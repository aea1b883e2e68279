import { describe, expect, it } from "vitest";
import type { StateChange } from "../api/types";
import { describeChange, formatLeft, replyWindow, stateLabel } from "./inbox";

const ISO = "2026-11-22T10:00:00Z";
const ana = { id: "u-ana", name: "Ana" };
const bea = { id: "u-bea", name: "Bea" };

function change(overrides: Partial<StateChange>): StateChange {
  return {
    id: "s-1",
    transition: "handoff",
    fromState: "assistant",
    toState: "waiting",
    actor: "team",
    actorPerson: null,
    assignee: null,
    reason: null,
    createdAt: ISO,
    ...overrides,
  };
}

describe("describeChange", () => {
  it.each([
    [change({ actor: "member", actorPerson: { id: "u-m", name: "Marta" }, reason: "The member asked for a person." }), "Marta asked for a person of the team"],
    [change({ actor: "assistant", reason: "The question is about a bill." }), "Handed to the team: The question is about a bill."],
    [change({ transition: "take", toState: "human", actorPerson: ana, assignee: ana }), "Ana took the conversation"],
    [change({ transition: "take", toState: "human", actorPerson: ana, assignee: bea }), "Ana gave the conversation to Bea"],
    [change({ transition: "hand_back", toState: "assistant", actorPerson: ana }), "Ana handed the conversation back to Sol"],
    [change({ transition: "close", toState: "closed", actorPerson: { id: "u-x", name: null } }), "A teammate closed the conversation"],
    [change({ transition: "reopen", actor: "member", fromState: "closed", toState: "assistant" }), "Marta wrote again: the conversation is open, with Sol"],
    [change({ transition: "release", actor: "team", assignee: bea }), "Bea left the team: back to the waiting line"],
  ])("%#: %s", (given, text) => {
    expect(describeChange(given, "Marta", "Sol")).toBe(text);
  });
});

describe("the reply window", () => {
  const now = Date.parse(ISO);
  it("counts down in hours and minutes", () => {
    expect(formatLeft(23 * 3_600_000 + 5 * 60_000 + 59_000)).toBe("23 h 5 min");
    expect(formatLeft(2 * 3_600_000)).toBe("2 h");
    expect(formatLeft(4 * 60_000)).toBe("4 min");
    expect(formatLeft(30_000)).toBe("less than a minute");
  });

  it("is WhatsApp's alone, open until it closes", () => {
    expect(replyWindow({ channel: "web", windowClosesAt: null }, now)).toEqual({ kind: "none" });
    expect(replyWindow({ channel: "whatsapp", windowClosesAt: "2026-11-22T10:30:00Z" }, now)).toEqual({
      kind: "open",
      closesAt: "2026-11-22T10:30:00Z",
      left: "30 min",
      closingSoon: true,
    });
    expect(replyWindow({ channel: "whatsapp", windowClosesAt: "2026-11-22T09:00:00Z" }, now)).toEqual({ kind: "closed", closedAt: "2026-11-22T09:00:00Z" });
    expect(replyWindow({ channel: "whatsapp", windowClosesAt: null }, now)).toEqual({ kind: "closed", closedAt: null });
  });
});

describe("stateLabel", () => {
  it("names who has it, the caller as You", () => {
    expect(stateLabel({ state: "human", assignee: ana }, "u-ana").label).toBe("You");
    expect(stateLabel({ state: "human", assignee: ana }, "u-bea").label).toBe("Ana");
    expect(stateLabel({ state: "waiting", assignee: null }, "u-ana").label).toBe("Waiting");
  });
});
