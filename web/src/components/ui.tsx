/** Small building blocks shared by every screen. */
import { type ReactNode, useEffect, useId, useRef, useState } from "react";
import { describeError } from "../api/errors";

export function ErrorNotice({ error, title }: { error: unknown; title?: string }) {
  if (!error) return null;
  return (
    <div className="notice notice-error" role="alert">
      {title ? <strong>{title} </strong> : null}
      {describeError(error)}
    </div>
  );
}

export function Notice({ children, tone = "info" }: { children: ReactNode; tone?: "info" | "success" | "warning" }) {
  return (
    <div className={`notice notice-${tone}`} role="status">
      {children}
    </div>
  );
}

export function Loading({ label = "Loading…" }: { label?: string }) {
  return (
    <p className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> {label}
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

export function Badge({ children, tone = "neutral", title }: { children: ReactNode; tone?: string; title?: string }) {
  return (
    <span className={`badge badge-${tone}`} title={title}>
      {children}
    </span>
  );
}

export function PageHeader({ title, children }: { title: string; children?: ReactNode }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · Ignacio`;
  }, [title]);
  return (
    <header className="page-header">
      <h1 ref={heading} tabIndex={-1}>
        {title}
      </h1>
      {children ? <div className="page-actions">{children}</div> : null}
    </header>
  );
}

export function LoadMore({
  hasMore,
  loading,
  onMore,
  label = "Load more",
}: {
  hasMore: boolean;
  loading: boolean;
  onMore: () => void;
  label?: string;
}) {
  if (!hasMore) return null;
  return (
    <div className="load-more">
      <button type="button" className="button secondary" onClick={onMore} disabled={loading}>
        {loading ? "Loading…" : label}
      </button>
    </div>
  );
}

/** A labelled progress bar (0 to 1). */
export function ProgressBar({ value, label }: { value: number; label: string }) {
  const id = useId();
  const percent = Math.round(value * 100);
  return (
    <div className="progress">
      <label htmlFor={id}>
        {label} <span aria-hidden="true">{percent}%</span>
      </label>
      <progress id={id} max={100} value={percent} aria-valuetext={`${percent}%`}>
        {percent}%
      </progress>
    </div>
  );
}

/** A button that asks again in place before doing something that cannot be undone. */
export function ConfirmButton({
  children,
  question,
  confirmLabel,
  onConfirm,
  disabled,
  tone = "danger",
}: {
  children: ReactNode;
  question: string;
  confirmLabel: string;
  onConfirm: () => void;
  disabled?: boolean;
  tone?: "danger" | "secondary";
}) {
  const [asking, setAsking] = useState(false);
  const opener = useRef<HTMLButtonElement>(null);
  const confirm = useRef<HTMLButtonElement>(null);
  const wasAsking = useRef(false);
  useEffect(() => {
    if (asking) confirm.current?.focus();
    else if (wasAsking.current) opener.current?.focus();
    wasAsking.current = asking;
  }, [asking]);
  return (
    <span className="confirm">
      <button
        ref={opener}
        type="button"
        className={`button ${tone} small`}
        onClick={() => setAsking(true)}
        disabled={disabled}
        aria-expanded={asking}
      >
        {children}
      </button>
      {asking ? (
        <span
          className="confirm-box"
          role="alertdialog"
          aria-label={question}
          onKeyDown={(event) => {
            if (event.key === "Escape") setAsking(false);
          }}
        >
          <span className="confirm-question">{question}</span>
          <button
            ref={confirm}
            type="button"
            className={`button ${tone} small`}
            onClick={() => {
              setAsking(false);
              onConfirm();
            }}
          >
            {confirmLabel}
          </button>
          <button type="button" className="button secondary small" onClick={() => setAsking(false)}>
            Cancel
          </button>
        </span>
      ) : null}
    </span>
  );
}

export function VisuallyHidden({ children }: { children: ReactNode }) {
  return <span className="visually-hidden">{children}</span>;
}

/** Move up, move down and remove, for a row of an ordered list being edited (workflow steps,
 * record fields); `name` says which row, for whoever hears the buttons. */
export function RowActions({
  name,
  first,
  last,
  onMove,
  onRemove,
}: {
  name: string;
  first: boolean;
  last: boolean;
  onMove: (by: number) => void;
  onRemove: () => void;
}) {
  return (
    <div className="step-actions">
      <button type="button" className="button secondary small" disabled={first} onClick={() => onMove(-1)} aria-label={`Move ${name} up`}>
        ↑
      </button>
      <button type="button" className="button secondary small" disabled={last} onClick={() => onMove(1)} aria-label={`Move ${name} down`}>
        ↓
      </button>
      <button type="button" className="button secondary small" onClick={onRemove} aria-label={`Remove ${name}`}>
        Remove
      </button>
    </div>
  );
}
