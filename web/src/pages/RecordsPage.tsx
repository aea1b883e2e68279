/**
 * Records: a member's own (what they asked the assistant, or a command, to keep for the team),
 * or, for the workspace's team, everyone's, filtered by type and status.
 */
import { useId, useState } from "react";
import { Link } from "react-router-dom";
import { $api } from "../api/client";
import type { RecordStatus } from "../api/types";
import { useAuth } from "../auth/AuthProvider";
import { Badge, Empty, ErrorNotice, Loading, LoadMore, PageHeader } from "../components/ui";
import { formatDateTime } from "../lib/format";
import { allItems, cursorPaging } from "../lib/pages";
import { STATUS } from "../lib/records";
import { runsWorkspace, seesWorkspacePage, useCurrentWorkspace } from "../lib/workspaces";

const STATUSES = Object.keys(STATUS) as RecordStatus[];

export function RecordsPage() {
  const { user } = useAuth();
  const workspace = useCurrentWorkspace();
  const team = seesWorkspacePage(user, workspace.current);
  const id = useId();
  const [type, setType] = useState("");
  const [status, setStatus] = useState<RecordStatus | "">("");
  const slug = workspace.current?.slug;
  const types = $api.useQuery(
    "get",
    "/workspaces/{workspace}/record-types",
    { params: { path: { workspace: slug ?? "" } } },
    { enabled: Boolean(slug) },
  );
  const records = $api.useInfiniteQuery(
    "get",
    "/records",
    {
      params: {
        query: {
          limit: 50,
          ...(type ? { type } : {}),
          ...(status ? { status } : {}),
          ...(team ? {} : user ? { member: user.id } : {}),
        },
      },
    },
    cursorPaging,
  );
  const items = allItems(records.data);
  const labels = new Map((types.data ?? []).map((kind) => [kind.name, kind.label]));

  return (
    <main id="main" className="page">
      <PageHeader title={team ? "Records" : "My records"}>
        {workspace.current && runsWorkspace(user, workspace.current) ? (
          <Link className="button secondary" to="/workspace/record-types">
            Record types
          </Link>
        ) : null}
      </PageHeader>
      <p className="lede">
        {team
          ? "Reports, proposals and other records members made with the assistant or a command. Comment on them and resolve them; the member is told on WhatsApp."
          : "What you asked the assistant to record for the team (or sent with /report and /proposal), and what the team says about it."}
      </p>
      <div className="filters" role="group" aria-label="Filters">
        {/* Labels beside their selects, not around them: a select inside its label would be
            named with its chosen option too ("Type All types"). */}
        <div className="field">
          <label htmlFor={`${id}-type`}>Type</label>
          <select id={`${id}-type`} value={type} onChange={(event) => setType(event.target.value)}>
            <option value="">All types</option>
            {(types.data ?? []).map((kind) => (
              <option key={kind.name} value={kind.name}>
                {kind.label}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-status`}>Status</label>
          <select id={`${id}-status`} value={status} onChange={(event) => setStatus(event.target.value as RecordStatus | "")}>
            <option value="">Any status</option>
            {STATUSES.map((value) => (
              <option key={value} value={value}>
                {STATUS[value].label}
              </option>
            ))}
          </select>
        </div>
      </div>
      {records.isPending ? <Loading label="Loading records…" /> : null}
      <ErrorNotice error={records.error} />
      {records.isSuccess && items.length === 0 ? <Empty>No records yet.</Empty> : null}
      {items.length > 0 ? (
        <ul className="file-list" aria-label="Records">
          {items.map((record) => (
            <li key={record.id} className="file-card">
              <div className="file-main">
                <Link className="file-title" to={`/records/${record.id}`}>
                  {record.title}
                </Link>
                <span className="muted">
                  {labels.get(record.type) ?? record.type}
                  {team && record.memberName ? ` · ${record.memberName}` : ""} · {formatDateTime(record.createdAt)}
                  {record.unfilled.length > 0 ? ` · to complete: ${record.unfilled.join(", ")}` : ""}
                </span>
              </div>
              <div className="file-status">
                <Badge tone={STATUS[record.status].tone}>{STATUS[record.status].label}</Badge>
              </div>
            </li>
          ))}
        </ul>
      ) : null}
      <LoadMore hasMore={records.hasNextPage} loading={records.isFetchingNextPage} onMore={() => void records.fetchNextPage()} />
    </main>
  );
}
