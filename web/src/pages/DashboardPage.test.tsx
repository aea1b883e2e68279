import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { session } from "../api/session";
import { AuthProvider } from "../auth/AuthProvider";
import { fakeApi, ISO, json, tokens, user } from "../test/fakeApi";
import { renderWithProviders } from "../test/render";
import { DashboardPage, formatDuration } from "./DashboardPage";

// jsdom has no canvas: uPlot is replaced by a stand-in that keeps what it was asked to draw.
const drawn = vi.hoisted(() => [] as { labels: string[]; data: unknown[][] }[]);
vi.mock("uplot", () => {
  class Plot {
    static paths = { bars: () => () => null };
    constructor(options: { series: { label?: string }[] }, data: unknown[][]) {
      drawn.push({ labels: options.series.slice(1).map((line) => line.label ?? ""), data });
    }
    setSize() {}
    destroy() {}
  }
  return { default: Plot };
});

const DASHBOARD = "/workspaces/clinic/dashboard";
const carlos = user({ id: "u-carlos", name: "Carlos" });

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

function signedIn(role: string) {
  return {
    "POST /auth/refresh": () => json(tokens()),
    "GET /users/me": () => json(carlos),
    "GET /workspaces": () => json({ items: [workspace(role)], nextCursor: null }),
  };
}

function daysBetween(since: string, until: string): string[] {
  const days: string[] = [];
  for (let day = new Date(`${since}T00:00:00Z`); day < new Date(`${until}T00:00:00Z`); day.setUTCDate(day.getUTCDate() + 1)) {
    days.push(day.toISOString().slice(0, 10));
  }
  return days;
}

/** What the server would answer for the period asked: activity on the last two days. */
function dashboardFor(url: URL) {
  const days = daysBetween(url.searchParams.get("since")!, url.searchParams.get("until")!);
  const n = days.length;
  const last = (yesterday: number, today: number) => [...Array<number>(n - 2).fill(0), yesterday, today];
  const timing = (p50: (number | null)[], p95: (number | null)[], overall: { count: number; p50Seconds: number | null; p95Seconds: number | null }) => ({
    count: p50.map((value) => (value === null ? 0 : 3)),
    p50Seconds: p50,
    p95Seconds: p95,
    overall,
  });
  const none = Array<null>(n - 2).fill(null);
  return {
    since: days[0],
    until: url.searchParams.get("until"),
    timeZone: url.searchParams.get("timeZone"),
    days,
    channels: [
      {
        channel: "web",
        conversationsStarted: last(1, 0),
        conversationsActive: last(1, 1),
        messagesFromMembers: last(2, 1),
        messagesFromAssistant: last(2, 1),
        messagesFromTeam: last(0, 0),
      },
      {
        channel: "whatsapp",
        conversationsStarted: last(2, 1),
        conversationsActive: last(2, 3),
        messagesFromMembers: last(4, 6),
        messagesFromAssistant: last(4, 5),
        messagesFromTeam: last(0, 2),
      },
    ],
    handoffs: {
      perDay: last(1, 2),
      waitForPerson: timing([...none, 600, null], [...none, 600, null], { count: 1, p50Seconds: 600, p95Seconds: 600 }),
      taken: 1,
      stillWaiting: 1,
      dismissed: 1,
    },
    answers: {
      memberWait: timing([...none, 3.2, 2.5], [...none, 40, 9.1], { count: 9, p50Seconds: 2.8, p95Seconds: 35.5 }),
      modelTime: timing([...none, 1.9, 1.7], [...none, 4.2, 3.9], { count: 12, p50Seconds: 1.8, p95Seconds: 4.1 }),
    },
    failures: {
      perDay: last(0, 3),
      byReason: [
        { code: 131047, title: "Re-engagement message", count: 2 },
        { code: null, title: "Timed out waiting for the provider", count: 1 },
      ],
    },
    models: [
      {
        model: "gpt-4o-mini",
        answers: last(5, 6),
        inputTokens: last(5000, 7000),
        outputTokens: last(500, 700),
        totalInputTokens: 12000,
        totalOutputTokens: 1200,
      },
    ],
  };
}

function renderPage(path = "/dashboard") {
  session.start(tokens());
  return renderWithProviders(
    <AuthProvider>
      <DashboardPage />
    </AuthProvider>,
    { path },
  );
}

function localDay(offset: number): string {
  const today = new Date();
  const day = new Date(today.getFullYear(), today.getMonth(), today.getDate() + offset);
  return `${day.getFullYear()}-${String(day.getMonth() + 1).padStart(2, "0")}-${String(day.getDate()).padStart(2, "0")}`;
}

describe("DashboardPage", () => {
  it("shows an agent the last 30 days as charts, each with what it says and its numbers", async () => {
    drawn.length = 0;
    const api = fakeApi({ ...signedIn("agent"), [`GET ${DASHBOARD}`]: (_request, url) => json(dashboardFor(url)) });
    renderPage();
    expect(await screen.findByRole("heading", { name: "Dashboard", level: 1 })).toBeInTheDocument();

    const conversations = await screen.findByRole("figure", { name: "Conversations per day" });
    expect(conversations).toHaveAccessibleDescription(
      "Over the 30 days, conversations with at least one message each day, by channel; conversations started: 1 on the web, 3 on WhatsApp. The busiest day was " +
        `${new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short" }).format(new Date(`${localDay(0)}T00:00:00`))}, with 4.`,
    );
    expect(screen.getByRole("figure", { name: "Messages per day" })).toHaveAccessibleDescription(
      expect.stringContaining("13 messages from members, 12 from the assistant and 2 written by the team"),
    );
    expect(screen.getByRole("figure", { name: "Handoffs to the team" })).toHaveAccessibleDescription(
      "3 conversations were handed to the team: 1 taken by a person, 1 still waiting, 1 closed or given back to the assistant without anyone taking them.",
    );
    expect(screen.getByRole("figure", { name: "Wait for a person" })).toHaveAccessibleDescription(
      "Wait for a person after a handoff: half within 10 min, 95 in 100 within 10 min (1 in all).",
    );
    expect(screen.getByRole("figure", { name: "Answer time" })).toHaveAccessibleDescription(
      "On WhatsApp, members waited for an answer: half within 2.8 s, 95 in 100 within 36 s (9 in all). The model took: half within 1.8 s, 95 in 100 within 4.1 s (12 in all).",
    );
    expect(screen.getByRole("figure", { name: "Tokens per day" })).toHaveAccessibleDescription(
      "Tokens used by each model (prompt and answer together): gpt-4o-mini 13.2K (12K in, 1.2K out).",
    );
    expect(screen.getByRole("figure", { name: "Failed deliveries" })).toHaveAccessibleDescription(
      "3 message parts could not be delivered; most often: Re-engagement message (131047), 2.",
    );
    const reasons = within(screen.getByRole("region", { name: "Why deliveries failed" })).getAllByRole("listitem");
    expect(reasons.map((item) => item.textContent)).toEqual(["Re-engagement message · 1310472", "Timed out waiting for the provider1"]);

    // The numbers behind a chart, day by day, in a table.
    const table = within(conversations).getByRole("table", { name: "Conversations per day, day by day" });
    const rows = within(table).getAllByRole("row");
    expect(rows).toHaveLength(31);
    expect(rows[30]).toHaveTextContent(/3\s*1$/);
    expect(within(screen.getByRole("figure", { name: "Answer time" })).getAllByRole("row")[1]).toHaveTextContent("––––");

    // The period asked for: the 30 days ending today, in the browser's time zone.
    const asked = api.requests.find((request) => request.path === DASHBOARD)!;
    expect(asked.workspace).toBeNull();
    const url = new URL(`http://x${asked.path}`);
    expect(url.pathname).toBe(DASHBOARD);
    // Seven charts drawn, each with one value per day.
    await waitFor(() => expect(drawn).toHaveLength(7));
    const messages = drawn.find((chart) => chart.labels.includes("From members"))!;
    expect(messages.labels).toEqual(["From members", "From the assistant", "From the team"]);
    expect(messages.data[0]).toHaveLength(30);
    expect(messages.data[1]?.slice(-2)).toEqual([6, 7]);
    expect(drawn.find((chart) => chart.labels.includes("gpt-4o-mini"))!.data[1]?.slice(-2)).toEqual([5500, 7700]);
  });

  it("asks again for the period chosen, and keeps it in the address", async () => {
    const asked: URL[] = [];
    fakeApi({
      ...signedIn("admin"),
      [`GET ${DASHBOARD}`]: (_request, url) => {
        asked.push(url);
        return json(dashboardFor(url));
      },
    });
    renderPage();
    await screen.findByRole("figure", { name: "Messages per day" });
    expect(screen.getByRole("radio", { name: "Last 30 days" })).toBeChecked();
    expect(asked[0]?.searchParams.get("since")).toBe(localDay(-29));
    expect(asked[0]?.searchParams.get("until")).toBe(localDay(1));
    expect(asked[0]?.searchParams.get("timeZone")).toBe(Intl.DateTimeFormat().resolvedOptions().timeZone);

    await userEvent.click(screen.getByRole("radio", { name: "Last 7 days" }));
    expect(screen.getByRole("radio", { name: "Last 7 days" })).toBeChecked();
    await waitFor(() => expect(asked.at(-1)?.searchParams.get("since")).toBe(localDay(-6)));
    expect(await screen.findByRole("figure", { name: "Handoffs to the team" })).toHaveAccessibleDescription(expect.stringContaining("3 conversations"));
    const table = within(screen.getByRole("figure", { name: "Messages per day" })).getByRole("table");
    await waitFor(() => expect(within(table).getAllByRole("row")).toHaveLength(8));

    await userEvent.click(screen.getByRole("radio", { name: "Last 90 days" }));
    await waitFor(() => expect(asked.at(-1)?.searchParams.get("since")).toBe(localDay(-89)));
  });

  it("opens on the period in the address", async () => {
    const asked: URL[] = [];
    fakeApi({
      ...signedIn("admin"),
      [`GET ${DASHBOARD}`]: (_request, url) => {
        asked.push(url);
        return json(dashboardFor(url));
      },
    });
    renderPage("/dashboard?days=90");
    await screen.findByRole("figure", { name: "Messages per day" });
    expect(screen.getByRole("radio", { name: "Last 90 days" })).toBeChecked();
    expect(asked[0]?.searchParams.get("since")).toBe(localDay(-89));
  });

  it("says why when the dashboard cannot be read", async () => {
    fakeApi({
      ...signedIn("agent"),
      [`GET ${DASHBOARD}`]: () => json({ error: "invalid_input", message: "'Mars/Base' is not a time zone." }, 400),
    });
    renderPage();
    expect(await screen.findByRole("alert")).toHaveTextContent("'Mars/Base' is not a time zone.");
  });

  it("is not for a workspace's plain members", async () => {
    const api = fakeApi(signedIn("member"));
    renderPage();
    expect(await screen.findByText(/This page is for the people who run a workspace/)).toBeInTheDocument();
    expect(api.requests.some((request) => request.path === DASHBOARD)).toBe(false);
  });
});

describe("formatDuration", () => {
  it.each([
    [0.84, "0.8 s"],
    [9.96, "10 s"],
    [42, "42 s"],
    [600, "10 min"],
    [5400, "1.5 h"],
    [43200, "12 h"],
  ])("reads %f seconds as %s", (seconds, said) => {
    expect(formatDuration(seconds)).toBe(said);
  });
});
