/**
 * One record: its values as its type lays them out, its status and the team's comments. Its
 * member confirms a draft here (as on WhatsApp); the team comments and moves it, and sees how
 * the member was told.
 */
import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useParams } from "react-router-dom";
import { $api } from "../api/client";
import type { OwnerNotice, RecordField, RecordStatus } from "../api/types";
import { useAuth } from "../auth/AuthProvider";
import { Badge, Empty, ErrorNotice, Loading, Notice, PageHeader } from "../components/ui";
import { formatDateTime } from "../lib/format";
import { MOVES, NOTICE, STATUS, shownValue } from "../lib/records";
import { seesWorkspacePage, useCurrentWorkspace } from "../lib/workspaces";

function Values({ values, fields }: { values: Record<string, unknown>; fields: RecordField[] | undefined }) {
  const keys = fields ? fields.map((field) => field.key) : Object.keys(values);
  return (
    <dl className="record-values">
      {keys.map((key) => {
        const field = fields?.find((each) => each.key === key);
        const value = values[key];
        return (
          <div key={key}>
            <dt>{field?.label ?? key}</dt>
            <dd>
              {field?.kind === "items" && Array.isArray(value) ? (
                <table className="record-items">
                  <thead>
                    <tr>
                      {(field.items ?? []).map((item) => (
                        <th key={item.key} scope="col">
                          {item.label}
                        </th>
                      ))}
                    </tr>
                  </thead>
                  <tbody>
                    {value.map((row: Record<string, unknown>, index) => (
                      <tr key={index}>
                        {(field.items ?? []).map((item) => (
                          <td key={item.key}>{shownValue(row[item.key], item)}</td>
                        ))}
                      </tr>
                    ))}
                  </tbody>
                </table>
              ) : (
                shownValue(value, field)
              )}
            </dd>
          </div>
        );
      })}
    </dl>
  );
}

export function RecordPage() {
  const { recordId = "" } = useParams();
  const { user } = useAuth();
  const workspace = useCurrentWorkspace();
  const team = seesWorkspacePage(user, workspace.current);
  const queryClient = useQueryClient();
  const [notice, setNotice] = useState<OwnerNotice | null>(null);
  const [comment, setComment] = useState("");
  const path = { params: { path: { record_id: recordId } } };
  const detail = $api.useQuery("get", "/records/{record_id}", path);
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["get", "/records/{record_id}"] });
  const confirm = $api.useMutation("post", "/records/{record_id}/confirm", { onSuccess: refresh });
  const addComment = $api.useMutation("post", "/records/{record_id}/comments", {
    onSuccess: (told) => {
      setNotice(told.notice);
      setComment("");
      void refresh();
    },
  });
  const move = $api.useMutation("post", "/records/{record_id}/status", {
    onSuccess: (told) => {
      setNotice(told.notice);
      void refresh();
    },
  });

  if (detail.isPending) return <main id="main" className="page"><Loading label="Loading the record…" /></main>;
  if (!detail.data) return <main id="main" className="page"><ErrorNotice error={detail.error} /></main>;
  const { record, recordType, comments } = detail.data;
  const status = STATUS[record.status];
  const mine = record.memberId === user?.id;

  return (
    <main id="main" className="page">
      <p>
        <Link to="/records">← {team ? "Records" : "My records"}</Link>
      </p>
      <PageHeader title={record.title}>
        <Badge tone={status.tone}>{status.label}</Badge>
      </PageHeader>
      <p className="muted">
        {recordType?.label ?? record.type}
        {!mine && record.memberName ? ` · for ${record.memberName}` : ""} · {formatDateTime(record.createdAt)}
        {record.source === "command" ? " · sent with a command" : ""}
      </p>
      {record.unfilled.length > 0 ? (
        <Notice tone="warning">Made without a model: the team completes {record.unfilled.join(", ")}.</Notice>
      ) : null}
      <Values values={record.values as Record<string, unknown>} fields={recordType?.fields} />
      {record.status === "draft" && mine ? (
        <div>
          <Notice>The assistant drafted this from what you said. Confirm it, or tell the assistant what to change.</Notice>
          <button type="button" className="button" disabled={confirm.isPending} onClick={() => confirm.mutate(path)}>
            Confirm
          </button>
          <ErrorNotice error={confirm.error} title="Not confirmed." />
        </div>
      ) : null}
      {team && MOVES[record.status].length > 0 ? (
        <div role="group" aria-label="Status">
          {MOVES[record.status].map((next: RecordStatus) => (
            <button
              key={next}
              type="button"
              className="button secondary small"
              disabled={move.isPending}
              onClick={() => move.mutate({ ...path, body: { status: next } })}
            >
              {next === "open" ? "Reopen" : `Mark ${STATUS[next].label.toLowerCase()}`}
            </button>
          ))}
          <ErrorNotice error={move.error} title="Not changed." />
        </div>
      ) : null}
      {notice ? <Notice tone={notice === "none" ? "warning" : "success"}>{NOTICE[notice]}</Notice> : null}
      <h2>Comments</h2>
      {comments.length === 0 ? <Empty>No comments yet.</Empty> : null}
      <ul className="record-comments" aria-label="Comments">
        {comments.map((each) => (
          <li key={each.id}>
            <p>{each.text}</p>
            <span className="muted">
              <span className="record-comment-author">{each.authorId === user?.id ? `${each.authorName} (you)` : each.authorName}</span>
              {" · "}
              {formatDateTime(each.createdAt)}
              {team && each.notice === "none" ? " · the member was not told on WhatsApp" : ""}
            </span>
          </li>
        ))}
      </ul>
      {team ? (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            if (comment.trim()) addComment.mutate({ ...path, body: { text: comment } });
          }}
        >
          <label htmlFor="record-comment">Comment for the member</label>
          <textarea id="record-comment" value={comment} maxLength={4000} onChange={(event) => setComment(event.target.value)} />
          <button type="submit" className="button" disabled={addComment.isPending || !comment.trim()}>
            Comment
          </button>
          <ErrorNotice error={addComment.error} title="Not sent." />
        </form>
      ) : null}
    </main>
  );
}
