/**
 * A workspace's workflow steps: what its assistant finds out from every member, woven into the
 * conversation one at a time. Its admins (and platform admins) edit the steps and export the
 * answers as CSV; its agents read them (each member's answers are in their inbox conversation).
 */
import { useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useId, useState } from "react";
import { $api } from "../api/client";
import type { StepType, Workspace, WorkflowStep } from "../api/types";
import { Empty, ErrorNotice, Loading, Notice, RowActions } from "../components/ui";
import { downloadWorkflowAnswers } from "../lib/download";
import { WorkspaceFrame } from "./WorkspacePage";

const WORKFLOW = "/workspaces/{workspace}/workflow";
const MAX_STEPS = 30;

const TYPES: { value: StepType; label: string }[] = [
  { value: "text", label: "Text" },
  { value: "number", label: "Number" },
  { value: "date", label: "Date" },
  { value: "email", label: "Email" },
  { value: "phone", label: "Phone number" },
  { value: "choice", label: "One of a list" },
];

/** A step as the form edits it: the options as one per line. */
interface Draft {
  id: number;
  key: string;
  prompt: string;
  type: StepType;
  required: boolean;
  options: string;
}

let drafted = 0;

function draftOf(step?: WorkflowStep): Draft {
  drafted += 1;
  return {
    id: drafted,
    key: step?.key ?? "",
    prompt: step?.prompt ?? "",
    type: step?.type ?? "text",
    required: step?.required ?? true,
    options: (step?.options ?? []).join("\n"),
  };
}

function bodyOf(draft: Draft) {
  return {
    key: draft.key.trim(),
    prompt: draft.prompt.trim(),
    type: draft.type,
    required: draft.required,
    options:
      draft.type === "choice"
        ? draft.options
            .split("\n")
            .map((option) => option.trim())
            .filter(Boolean)
        : [],
  };
}

export function WorkflowPage() {
  return (
    <WorkspaceFrame title="Workflow steps">
      {(workspace, canManage) => <Workflow workspace={workspace} canManage={canManage} />}
    </WorkspaceFrame>
  );
}

function Workflow({ workspace, canManage }: { workspace: Workspace; canManage: boolean }) {
  const workflow = $api.useQuery("get", WORKFLOW, { params: { path: { workspace: workspace.slug } } });
  return (
    <>
      <p className="lede">
        What {workspace.name}'s assistant finds out from every member, one step at a time as the conversation allows.
        A member is <strong>qualified</strong> once every required step is answered; the inbox filters by it.
      </p>
      {workflow.isPending ? <Loading label="Loading the steps…" /> : null}
      <ErrorNotice error={workflow.error} />
      {workflow.data ? (
        canManage ? (
          <Editor workspace={workspace} steps={workflow.data.steps} />
        ) : (
          <ReadOnly steps={workflow.data.steps} />
        )
      ) : null}
    </>
  );
}

function ReadOnly({ steps }: { steps: WorkflowStep[] }) {
  if (steps.length === 0) return <Empty>No steps yet. The workspace's admins add them here.</Empty>;
  return (
    <>
      <ol className="workflow-steps" aria-label="Workflow steps">
        {steps.map((step) => (
          <li key={step.key}>
            <strong>{step.key}</strong> · {TYPES.find((type) => type.value === step.type)?.label}
            {step.options.length > 0 ? ` (${step.options.join(", ")})` : ""} · {step.required ? "required" : "optional"}
            <p className="muted">{step.prompt}</p>
          </li>
        ))}
      </ol>
      <p className="hint">Only the workspace's admins change the steps.</p>
    </>
  );
}

function Editor({ workspace, steps }: { workspace: Workspace; steps: WorkflowStep[] }) {
  const queryClient = useQueryClient();
  const [drafts, setDrafts] = useState<Draft[]>(() => steps.map(draftOf));
  const [notice, setNotice] = useState<string | null>(null);
  const [problem, setProblem] = useState<unknown>(null);
  const save = $api.useMutation("put", WORKFLOW, {
    onSuccess: (saved) => {
      queryClient.setQueryData(["get", WORKFLOW, { params: { path: { workspace: workspace.slug } } }], saved);
      setDrafts(saved.steps.map(draftOf));
      setNotice("The steps are saved. Answers already collected are kept.");
      setProblem(null);
    },
    onError: (error) => {
      setNotice(null);
      setProblem(error);
    },
  });

  function change(id: number, fields: Partial<Draft>) {
    setDrafts((current) => current.map((draft) => (draft.id === id ? { ...draft, ...fields } : draft)));
  }

  function move(index: number, by: number) {
    setDrafts((current) => {
      const next = [...current];
      const [moved] = next.splice(index, 1);
      if (moved) next.splice(index + by, 0, moved);
      return next;
    });
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    setNotice(null);
    save.mutate({ params: { path: { workspace: workspace.slug } }, body: { steps: drafts.map(bodyOf) } });
  }

  async function exportAnswers() {
    setProblem(null);
    try {
      await downloadWorkflowAnswers(workspace.slug);
    } catch (error) {
      setProblem(error);
    }
  }

  return (
    <form className="workflow-editor" onSubmit={submit} aria-label="Edit the workflow steps">
      {drafts.length === 0 ? <Empty>No steps yet. Add the first thing the assistant should find out.</Empty> : null}
      <ol className="workflow-steps">
        {drafts.map((draft, index) => (
          <StepEditor
            key={draft.id}
            draft={draft}
            number={index + 1}
            first={index === 0}
            last={index === drafts.length - 1}
            onChange={(fields) => change(draft.id, fields)}
            onMove={(by) => move(index, by)}
            onRemove={() => setDrafts((current) => current.filter((item) => item.id !== draft.id))}
          />
        ))}
      </ol>
      <div className="toolbar">
        <button
          type="button"
          className="button secondary"
          disabled={drafts.length >= MAX_STEPS}
          onClick={() => setDrafts((current) => [...current, draftOf()])}
        >
          Add a step
        </button>
        <button type="submit" className="button" disabled={save.isPending}>
          {save.isPending ? "Saving…" : "Save the steps"}
        </button>
        <button type="button" className="button secondary" onClick={() => void exportAnswers()}>
          Export the answers (CSV)
        </button>
      </div>
      {notice ? <Notice tone="success">{notice}</Notice> : null}
      <ErrorNotice error={problem} title="Not done." />
    </form>
  );
}

function StepEditor({
  draft,
  number,
  first,
  last,
  onChange,
  onMove,
  onRemove,
}: {
  draft: Draft;
  number: number;
  first: boolean;
  last: boolean;
  onChange: (fields: Partial<Draft>) => void;
  onMove: (by: number) => void;
  onRemove: () => void;
}) {
  const id = useId();
  const name = draft.key || `step ${number}`;
  return (
    <li className="workflow-step" aria-label={`Step ${number}`}>
      <div className="field">
        <label htmlFor={`${id}-key`}>Key of step {number}</label>
        <input
          id={`${id}-key`}
          value={draft.key}
          onChange={(event) => onChange({ key: event.target.value })}
          placeholder="email"
          pattern="[a-z][a-z0-9_]*"
          maxLength={40}
          required
        />
      </div>
      <div className="field">
        <label htmlFor={`${id}-prompt`}>What to find out</label>
        <textarea
          id={`${id}-prompt`}
          value={draft.prompt}
          onChange={(event) => onChange({ prompt: event.target.value })}
          placeholder="Ask for the email address we should write to."
          maxLength={300}
          rows={2}
          required
        />
      </div>
      <div className="field">
        <label htmlFor={`${id}-type`}>Type of step {number}</label>
        <select id={`${id}-type`} value={draft.type} onChange={(event) => onChange({ type: event.target.value as StepType })}>
          {TYPES.map((type) => (
            <option key={type.value} value={type.value}>
              {type.label}
            </option>
          ))}
        </select>
      </div>
      {draft.type === "choice" ? (
        <div className="field">
          <label htmlFor={`${id}-options`}>Options, one per line</label>
          <textarea
            id={`${id}-options`}
            value={draft.options}
            onChange={(event) => onChange({ options: event.target.value })}
            rows={3}
            required
          />
        </div>
      ) : null}
      <span className="checkbox">
        <input
          id={`${id}-required`}
          type="checkbox"
          checked={draft.required}
          onChange={(event) => onChange({ required: event.target.checked })}
        />
        <label htmlFor={`${id}-required`}>Required to qualify</label>
      </span>
      <RowActions name={name} first={first} last={last} onMove={onMove} onRemove={onRemove} />
    </li>
  );
}
