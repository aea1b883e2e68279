/**
 * A member's progress through their workspace's workflow steps, for the team: a badge in the
 * inbox list, and a panel in the conversation where each answer can be set, corrected or cleared.
 */
import { useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useId, useState } from "react";
import { $api } from "../api/client";
import type { MemberProgress, ProgressSummary, StepAnswer, WorkflowStep } from "../api/types";
import { formatDateTime } from "../lib/format";
import { personName } from "../lib/inbox";
import { Badge, ErrorNotice } from "./ui";

const PROGRESS = "/workspaces/{workspace}/inbox/{conversation_id}/progress";
const ANSWER = "/workspaces/{workspace}/inbox/{conversation_id}/progress/{key}";
const POLL_MS = 15_000;

/** "Qualified", or how many steps are answered; nothing where the workspace has no steps. */
export function ProgressBadge({ progress }: { progress: ProgressSummary | null | undefined }) {
  if (!progress || progress.total === 0) return null;
  if (progress.qualified) {
    return (
      <Badge tone="success" title="Every required step is answered">
        Qualified
      </Badge>
    );
  }
  return (
    <Badge title={`${progress.requiredDone} of ${progress.required} required steps answered`}>
      {progress.done}/{progress.total} steps
    </Badge>
  );
}

/** Who set an answer, and when. */
function setBy(answer: StepAnswer, assistant: string): string {
  const who = answer.setBy ? personName(answer.setBy) : assistant;
  return `${who}, ${formatDateTime(answer.setAt)}`;
}

export function ProgressPanel({
  workspace,
  conversationId,
  assistant,
}: {
  workspace: string;
  conversationId: string;
  assistant: string;
}) {
  const titleId = useId();
  const path = { workspace, conversation_id: conversationId };
  // Live events refresh it as the assistant records answers; this is for when they are off.
  const progress = $api.useQuery("get", PROGRESS, { params: { path } }, { refetchInterval: POLL_MS });
  const data = progress.data;
  if (!data || (data.steps.length === 0 && data.otherAnswers.length === 0)) {
    return <ErrorNotice error={progress.error} />;
  }
  const { summary } = data;
  return (
    <section className="thread-summary workflow-progress" aria-labelledby={`${titleId}-title`}>
      <h3 id={`${titleId}-title`}>
        Workflow steps{" "}
        {summary.qualified ? (
          <Badge tone="success">Qualified</Badge>
        ) : (
          <span className="muted">
            {summary.done} of {summary.total} answered ({summary.requiredDone} of {summary.required} required)
          </span>
        )}
      </h3>
      <ul className="workflow-answers" aria-label="The member's workflow steps">
        {data.steps.map(({ step, answer }) => (
          <StepRow key={step.key} path={path} step={step} answer={answer} assistant={assistant} />
        ))}
      </ul>
      {data.otherAnswers.length > 0 ? (
        <>
          <p className="muted">Answers to steps no longer in the workflow (kept, not counted):</p>
          <ul className="workflow-answers" aria-label="Earlier answers">
            {data.otherAnswers.map((answer) => (
              <li key={answer.key}>
                <span className="step-key">{answer.key}</span>: {answer.value}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}

function StepRow({
  path,
  step,
  answer,
  assistant,
}: {
  path: { workspace: string; conversation_id: string };
  step: WorkflowStep;
  answer: StepAnswer | null;
  assistant: string;
}) {
  const id = useId();
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [value, setValue] = useState(answer?.value ?? "");
  const [problem, setProblem] = useState<unknown>(null);
  const after = {
    onSuccess: (fresh: MemberProgress) => {
      queryClient.setQueryData(["get", PROGRESS, { params: { path } }], fresh);
      void queryClient.invalidateQueries({ queryKey: ["get", "/workspaces/{workspace}/inbox"] });
      setEditing(false);
      setProblem(null);
    },
    onError: (error: unknown) => setProblem(error),
  };
  const save = $api.useMutation("put", ANSWER, after);
  const clear = $api.useMutation("delete", ANSWER, after);
  const where = { params: { path: { ...path, key: step.key } } };

  function submit(event: FormEvent) {
    event.preventDefault();
    save.mutate({ ...where, body: { value } });
  }

  return (
    <li className={answer?.counts ? "answered" : undefined}>
      <div className="step-line">
        <span className="step-key">{step.key}</span>
        {step.required ? null : <span className="muted"> (optional)</span>}
        {": "}
        {answer ? (
          <>
            <strong>{answer.value}</strong>
            {answer.counts ? null : <Badge tone="warning">Does not fit the step any more</Badge>}{" "}
            <span className="muted">({setBy(answer, assistant)})</span>
          </>
        ) : (
          <span className="muted">open</span>
        )}
        {!editing ? (
          <span className="step-actions">
            <button
              type="button"
              className="button secondary small"
              aria-label={`${answer ? "Edit" : "Set"} ${step.key}`}
              onClick={() => {
                setValue(answer?.value ?? "");
                setEditing(true);
              }}
            >
              {answer ? "Edit" : "Set"}
            </button>
            {answer ? (
              <button
                type="button"
                className="button secondary small"
                aria-label={`Clear ${step.key}`}
                disabled={clear.isPending}
                onClick={() => clear.mutate(where)}
              >
                Clear
              </button>
            ) : null}
          </span>
        ) : null}
      </div>
      <p className="muted step-prompt">{step.prompt}</p>
      {editing ? (
        <form className="step-form" onSubmit={submit}>
          <label htmlFor={id}>Answer to {step.key}</label>
          {step.type === "choice" ? (
            <select id={id} value={value} onChange={(event) => setValue(event.target.value)} required>
              <option value="">Choose…</option>
              {step.options.map((option) => (
                <option key={option} value={option}>
                  {option}
                </option>
              ))}
            </select>
          ) : (
            <input
              id={id}
              type={step.type === "date" ? "date" : step.type === "email" ? "email" : step.type === "phone" ? "tel" : "text"}
              inputMode={step.type === "number" ? "decimal" : undefined}
              value={value}
              onChange={(event) => setValue(event.target.value)}
              required
            />
          )}
          <button type="submit" className="button small" disabled={save.isPending}>
            Save
          </button>
          <button type="button" className="button secondary small" onClick={() => setEditing(false)}>
            Cancel
          </button>
        </form>
      ) : null}
      <ErrorNotice error={problem} title="Not saved." />
    </li>
  );
}
