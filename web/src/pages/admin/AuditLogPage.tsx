/** What admins did: who, what, to whom, when. */
import { useId } from "react";
import { useSearchParams } from "react-router-dom";
import { $api } from "../../api/client";
import { Empty, ErrorNotice, Loading, LoadMore, PageHeader } from "../../components/ui";
import { formatDateTime } from "../../lib/format";
import { allItems, cursorPaging } from "../../lib/pages";
import { useDebounced } from "../../lib/useDebounced";
import { useUserDirectory } from "./useUserNames";

function describeDetails(details: Record<string, unknown>): string {
  return Object.entries(details)
    .map(([key, value]) => `${key}: ${typeof value === "object" ? JSON.stringify(value) : String(value)}`)
    .join(", ");
}

export function AuditLogPage() {
  const [params, setParams] = useSearchParams();
  const id = useId();
  const actorId = params.get("actorId") ?? "";
  const action = params.get("action") ?? "";
  // Changes first: every page an admin opens is audited too, and would bury them.
  const shown = params.get("kind") ?? "changes";
  const kind = shown === "changes" || shown === "reads" ? shown : undefined;
  // The platform's own actions (people, workspaces) first: this page sits in the platform
  // admins' section; a workspace's actions are one choice away.
  const platform = (params.get("scope") ?? "platform") === "platform";
  const term = useDebounced(action.trim(), 250);
  const { users, nameOf } = useUserDirectory();
  const admins = users.filter((user) => user.isAdmin);

  function setFilter(name: string, value: string) {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    setParams(next, { replace: true });
  }

  const entries = $api.useInfiniteQuery(
    "get",
    "/admin/audit-log",
    {
      params: {
        query: {
          limit: 50,
          ...(platform ? { platform: true } : {}),
          ...(actorId ? { actorId } : {}),
          ...(term ? { action: term } : {}),
          ...(kind ? { kind } : {}),
        },
      },
    },
    cursorPaging,
  );
  const items = allItems(entries.data);

  return (
    <main id="main" className="page">
      <PageHeader title="Audit log" />
      <p className="lede">Every admin action, newest first: what admins changed, and what they looked at.</p>
      <form className="filters" role="search" aria-label="Filter the audit log" onSubmit={(event) => event.preventDefault()}>
        <div>
          <label htmlFor={`${id}-scope`}>Scope</label>
          <select id={`${id}-scope`} value={platform ? "platform" : "workspace"} onChange={(event) => setFilter("scope", event.target.value === "platform" ? "" : event.target.value)}>
            <option value="platform">The platform (people, workspaces)</option>
            <option value="workspace">This workspace</option>
          </select>
        </div>
        <div>
          <label htmlFor={`${id}-kind`}>Show</label>
          <select id={`${id}-kind`} value={kind ?? "all"} onChange={(event) => setFilter("kind", event.target.value === "changes" ? "" : event.target.value)}>
            <option value="changes">Changes</option>
            <option value="reads">Reads (lists, views, downloads)</option>
            <option value="all">Everything</option>
          </select>
        </div>
        <div>
          <label htmlFor={`${id}-actor`}>Admin</label>
          <select id={`${id}-actor`} value={actorId} onChange={(event) => setFilter("actorId", event.target.value)}>
            <option value="">Any admin</option>
            {admins.map((user) => (
              <option key={user.id} value={user.id}>
                {nameOf(user.id)}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor={`${id}-action`}>Action</label>
          <input
            id={`${id}-action`}
            type="search"
            placeholder="e.g. user.update"
            value={action}
            onChange={(event) => setFilter("action", event.target.value)}
          />
        </div>
      </form>
      {entries.isPending ? <Loading label="Loading the audit log…" /> : null}
      <ErrorNotice error={entries.error} />
      {entries.isSuccess && items.length === 0 ? <Empty>Nothing recorded yet.</Empty> : null}
      {items.length > 0 ? (
        <div className="table-scroll">
          <table className="table">
            <caption className="visually-hidden">Audit log</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">Action</th>
                <th scope="col">Target</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {items.map((entry) => (
                <tr key={entry.id}>
                  <td data-label="When">{formatDateTime(entry.createdAt)}</td>
                  <td data-label="Who">{entry.actorId ? nameOf(entry.actorId) : "The system"}</td>
                  <td data-label="Action">
                    <code>{entry.action}</code>
                  </td>
                  <td data-label="Target">
                    {entry.targetType}
                    {entry.targetId ? (entry.targetType === "user" ? ` ${nameOf(entry.targetId)}` : ` ${entry.targetId.slice(0, 8)}…`) : ""}
                  </td>
                  <td data-label="Details" className="details">
                    {describeDetails(entry.details) || "—"}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <LoadMore hasMore={entries.hasNextPage} loading={entries.isFetchingNextPage} onMore={() => void entries.fetchNextPage()} />
    </main>
  );
}
