/**
 * A workspace's dashboard: what its team opens first. For the last 7, 30 or 90 days, on the
 * calendar of the browser's time zone: conversations and messages per day by channel, handoffs
 * and how long people waited for a person, how fast the assistant answered, deliveries that
 * failed and why, and the models' tokens. Charts, each with a sentence that says what it shows
 * and its numbers in a table; the figures are counted by the server's database when asked.
 *
 * Charts are drawn by uPlot: 22 KB gzipped with no dependencies, against about 70 KB for
 * Chart.js with react-chartjs-2 and well over 100 KB for Recharts with its dependencies; it is
 * made for series over time, which is all this page draws, and is actively kept (1.6.x). Its
 * canvas says nothing to a screen reader, which the captions and tables make up for. The page is
 * loaded only when opened, so members never download it.
 */
import { useMemo } from "react";
import { useSearchParams } from "react-router-dom";
import { $api } from "../api/client";
import type { JsonOf, Workspace } from "../api/types";
import { type DaySeries, DayChart, formatShortDay } from "../components/DayChart";
import { Empty, ErrorNotice, Loading } from "../components/ui";
import { WorkspaceFrame } from "./WorkspacePage";

type Dashboard = JsonOf<"/workspaces/{workspace}/dashboard", "get">;
type TimingSeries = Dashboard["answers"]["memberWait"];

export const PERIODS = [7, 30, 90] as const;
type Days = (typeof PERIODS)[number];
const DEFAULT_DAYS: Days = 30;

const COLORS = {
  web: "#2f6fb3",
  whatsapp: "#1f7a4d",
  members: "#2f6fb3",
  assistant: "#0f5f4a",
  team: "#b5651d",
  p50: "#0f5f4a",
  p95: "#b42318",
  model: "#6b4fbb",
  bars: "#2f6fb3",
};
const MODEL_COLORS = ["#0f5f4a", "#6b4fbb", "#b5651d", "#2f6fb3", "#8a5a00", "#b42318"];

const number = new Intl.NumberFormat();
const compact = new Intl.NumberFormat(undefined, { notation: "compact", maximumFractionDigits: 1 });

/** A duration in seconds as people say it: 0.8 s, 12 s, 4 min, 1.5 h. */
export function formatDuration(seconds: number): string {
  if (seconds < 10) return `${Number(seconds.toFixed(1))} s`;
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min`;
  return `${Number((seconds / 3600).toFixed(1))} h`;
}

function count(value: number): string {
  return number.format(Math.round(value));
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

/** The local calendar day `offset` days from today, as YYYY-MM-DD. */
function localDay(offset: number, today: Date = new Date()): string {
  const day = new Date(today.getFullYear(), today.getMonth(), today.getDate() + offset);
  const pad = (value: number) => String(value).padStart(2, "0");
  return `${day.getFullYear()}-${pad(day.getMonth() + 1)}-${pad(day.getDate())}`;
}

/** The browser's IANA time zone; UTC where it does not say. */
function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

function chosenDays(params: URLSearchParams): Days {
  const asked = Number(params.get("days"));
  return (PERIODS as readonly number[]).includes(asked) ? (asked as Days) : DEFAULT_DAYS;
}

export function DashboardPage() {
  return <WorkspaceFrame title="Dashboard">{(workspace) => <WorkspaceDashboard workspace={workspace} />}</WorkspaceFrame>;
}

function WorkspaceDashboard({ workspace }: { workspace: Workspace }) {
  const [params, setParams] = useSearchParams();
  const days = chosenDays(params);
  // Today is the last day: from `days - 1` days ago up to, not including, tomorrow.
  const query = { since: localDay(1 - days), until: localDay(1), timeZone: browserTimeZone() };
  const dashboard = $api.useQuery("get", "/workspaces/{workspace}/dashboard", {
    params: { path: { workspace: workspace.slug }, query },
  });

  return (
    <>
      <div className="dashboard-bar">
        <p className="lede">How {workspace.name} went, day by day, in your time zone ({query.timeZone}).</p>
        <fieldset className="segmented">
          <legend className="visually-hidden">Period</legend>
          {PERIODS.map((option) => (
            <label key={option} className={option === days ? "selected" : undefined}>
              <input
                type="radio"
                name="period"
                value={option}
                checked={option === days}
                onChange={() =>
                  setParams(
                    (current) => {
                      const next = new URLSearchParams(current);
                      next.set("days", String(option));
                      return next;
                    },
                    { replace: true },
                  )
                }
              />
              Last {option} days
            </label>
          ))}
        </fieldset>
      </div>
      {dashboard.isPending ? <Loading label="Counting…" /> : null}
      <ErrorNotice error={dashboard.error} />
      {dashboard.data ? <Charts data={dashboard.data} /> : null}
    </>
  );
}

function timingSummary(what: string, series: TimingSeries, none: string): string {
  const { count: cases, p50Seconds, p95Seconds } = series.overall;
  if (!cases || p50Seconds === null || p95Seconds === null) return none;
  return `${what}: half within ${formatDuration(p50Seconds)}, 95 in 100 within ${formatDuration(p95Seconds)} (${count(cases)} in all).`;
}

function busiest(days: string[], values: number[]): string {
  let best = 0;
  values.forEach((value, index) => {
    if (value > (values[best] ?? 0)) best = index;
  });
  const most = values[best] ?? 0;
  const day = days[best];
  return most > 0 && day ? ` The busiest day was ${formatShortDay(day)}, with ${count(most)}.` : "";
}

function Charts({ data }: { data: Dashboard }) {
  const charts = useMemo(() => {
    const { days, channels, handoffs, answers, failures, models } = data;
    const byChannel = (name: string) => channels.find((item) => item.channel === name);
    const web = byChannel("web");
    const whatsapp = byChannel("whatsapp");
    const total = (pick: (channel: Dashboard["channels"][number]) => number[]) =>
      days.map((_, index) => sum(channels.map((channel) => pick(channel)[index] ?? 0)));

    const active: DaySeries[] = [
      { label: "WhatsApp", values: whatsapp?.conversationsActive ?? [], color: COLORS.whatsapp },
      { label: "Web", values: web?.conversationsActive ?? [], color: COLORS.web },
    ];
    const started = channels.map((channel) => `${count(sum(channel.conversationsStarted))} on ${channel.channel === "web" ? "the web" : "WhatsApp"}`);
    const fromMembers = total((channel) => channel.messagesFromMembers);
    const fromAssistant = total((channel) => channel.messagesFromAssistant);
    const fromTeam = total((channel) => channel.messagesFromTeam);
    const messages: DaySeries[] = [
      { label: "From members", values: fromMembers, color: COLORS.members },
      { label: "From the assistant", values: fromAssistant, color: COLORS.assistant },
      { label: "From the team", values: fromTeam, color: COLORS.team },
    ];
    const answerTimes: DaySeries[] = [
      { label: "Member's wait, median", values: answers.memberWait.p50Seconds, color: COLORS.p50 },
      { label: "Member's wait, 95th percentile", values: answers.memberWait.p95Seconds, color: COLORS.p95 },
      { label: "Model's time, median", values: answers.modelTime.p50Seconds, color: COLORS.model, dashed: true },
      { label: "Model's time, 95th percentile", values: answers.modelTime.p95Seconds, color: COLORS.team, dashed: true },
    ];
    const waits: DaySeries[] = [
      { label: "Median", values: handoffs.waitForPerson.p50Seconds, color: COLORS.p50 },
      { label: "95th percentile", values: handoffs.waitForPerson.p95Seconds, color: COLORS.p95 },
    ];
    const tokens: DaySeries[] = models.map((usage, index) => ({
      label: usage.model,
      values: usage.inputTokens.map((input, day) => input + (usage.outputTokens[day] ?? 0)),
      color: MODEL_COLORS[index % MODEL_COLORS.length] ?? COLORS.model,
    }));
    const period = `Over the ${days.length} days`;
    return {
      days,
      active,
      activeSummary: `${period}, conversations with at least one message each day, by channel; conversations started: ${started.join(", ")}.${busiest(days, total((channel) => channel.conversationsActive))}`,
      messages,
      messagesSummary: `${period}: ${count(sum(fromMembers))} messages from members, ${count(sum(fromAssistant))} from the assistant and ${count(sum(fromTeam))} written by the team.${busiest(days, fromMembers)}`,
      handoffBars: [{ label: "Handoffs", values: handoffs.perDay, color: COLORS.bars, bars: true }] as DaySeries[],
      handoffSummary: `${count(sum(handoffs.perDay))} conversations were handed to the team: ${count(handoffs.taken)} taken by a person, ${count(handoffs.stillWaiting)} still waiting, ${count(handoffs.dismissed)} closed or given back to the assistant without anyone taking them.`,
      waits,
      waitSummary: timingSummary("Wait for a person after a handoff", handoffs.waitForPerson, "Nobody of the team took a handed-off conversation in this period."),
      answerTimes,
      answerSummary: [
        timingSummary("On WhatsApp, members waited for an answer", answers.memberWait, "No answers on WhatsApp in this period."),
        timingSummary("The model took", answers.modelTime, "No answer recorded the model's time in this period."),
      ].join(" "),
      failureBars: [{ label: "Failed parts", values: failures.perDay, color: COLORS.p95, bars: true }] as DaySeries[],
      failures,
      tokens,
      tokenSummary:
        models.length === 0
          ? "No model answered in this period."
          : `Tokens used by each model (prompt and answer together): ${models
              .map((usage) => `${usage.model} ${compact.format(usage.totalInputTokens + usage.totalOutputTokens)} (${compact.format(usage.totalInputTokens)} in, ${compact.format(usage.totalOutputTokens)} out)`)
              .join("; ")}.`,
    };
  }, [data]);

  return (
    <div className="chart-grid">
      <DayChart title="Conversations per day" summary={charts.activeSummary} days={charts.days} series={charts.active} format={count} whole />
      <DayChart title="Messages per day" summary={charts.messagesSummary} days={charts.days} series={charts.messages} format={count} whole />
      <DayChart title="Handoffs to the team" summary={charts.handoffSummary} days={charts.days} series={charts.handoffBars} format={count} whole />
      <DayChart title="Wait for a person" summary={charts.waitSummary} days={charts.days} series={charts.waits} format={formatDuration} />
      <DayChart title="Answer time" summary={charts.answerSummary} days={charts.days} series={charts.answerTimes} format={formatDuration} />
      <DayChart title="Tokens per day" summary={charts.tokenSummary} days={charts.days} series={charts.tokens} format={(value) => compact.format(value)} />
      <FailureReasons days={charts.days} perDay={charts.failureBars} failures={charts.failures} />
    </div>
  );
}

/** Failed deliveries: per day, and by reason as bars whose length is their share. */
function FailureReasons({ days, perDay, failures }: { days: string[]; perDay: DaySeries[]; failures: Dashboard["failures"] }) {
  const total = sum(failures.perDay);
  const top = failures.byReason[0];
  const summary =
    total === 0 || !top
      ? "Every message part sent in this period was accepted by the provider."
      : `${count(total)} message parts could not be delivered; most often: ${top.title ?? "no reason given"}${top.code ? ` (${top.code})` : ""}, ${count(top.count)}.`;
  return (
    <>
      <DayChart title="Failed deliveries" summary={summary} days={days} series={perDay} format={count} whole />
      <section className="card chart" aria-labelledby="failure-reasons">
        <h2 id="failure-reasons">Why deliveries failed</h2>
        {failures.byReason.length === 0 ? (
          <Empty>No failures in this period.</Empty>
        ) : (
          <ul className="reasons">
            {failures.byReason.map((reason) => (
              <li key={`${reason.code}-${reason.title}`}>
                <span className="reason-label">
                  {reason.title ?? "No reason given"}
                  {reason.code ? <span className="muted"> · {reason.code}</span> : null}
                </span>
                <span className="reason-count">{count(reason.count)}</span>
                <meter className="reason-bar" min={0} max={top?.count ?? reason.count} value={reason.count} aria-hidden="true" />
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}
