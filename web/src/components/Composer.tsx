/** Where the member writes: a message, and optionally a file to attach (with upload progress). */
import { type FormEvent, type KeyboardEvent, useId, useRef, useState } from "react";
import { formatSize } from "../lib/format";
import { PaperclipIcon } from "./icons";
import { ProgressBar } from "./ui";

export const MAX_FILE_BYTES = 25 * 1024 * 1024;
export const ACCEPTED_DOCUMENTS = ".pdf,.doc,.docx,.txt,.rtf,.ppt,.pptx,.xls,.xlsx,.csv,.md";
export const ACCEPTED_FILES = `image/*,audio/*,video/*,${ACCEPTED_DOCUMENTS}`;

export interface Draft {
  text: string;
  file: File | null;
}

export function Composer({
  onSubmit,
  busy,
  uploadProgress,
  disabled = false,
  assistantName = "Ignacio",
  placeholder,
  allowFiles = true,
  label = "Write a message",
}: {
  /** Rejects to keep the draft (the caller shows the error). */
  onSubmit: (draft: Draft) => Promise<void>;
  busy: boolean;
  /** 0 to 1 while a file is uploading, else null. */
  uploadProgress: number | null;
  disabled?: boolean;
  /** Who the message goes to (the workspace's assistant). */
  assistantName?: string;
  /** What the empty box says; by default, that the message goes to the assistant. */
  placeholder?: string;
  /** Whether a file can go with the message. */
  allowFiles?: boolean;
  /** The form's accessible name. */
  label?: string;
}) {
  const [text, setText] = useState("");
  const [file, setFile] = useState<File | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const picker = useRef<HTMLInputElement>(null);
  const textArea = useRef<HTMLTextAreaElement>(null);
  const textId = useId();
  const pickerId = useId();

  const canSend = !busy && !disabled && (text.trim() !== "" || file !== null);

  async function submit(event?: FormEvent) {
    event?.preventDefault();
    if (!canSend) return;
    try {
      await onSubmit({ text: text.trim(), file });
      setText("");
      setFile(null);
      if (picker.current) picker.current.value = "";
      textArea.current?.focus();
    } catch {
      // The caller shows what went wrong; the draft stays for another try.
    }
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      void submit();
    }
  }

  function choose(chosen: File | null) {
    setProblem(null);
    if (chosen && chosen.size > MAX_FILE_BYTES) {
      setProblem(`${chosen.name} is ${formatSize(chosen.size)}; files can be 25 MB at most.`);
      if (picker.current) picker.current.value = "";
      return;
    }
    setFile(chosen);
  }

  return (
    <form className="composer" onSubmit={submit} aria-label={label}>
      {file ? (
        <div className="attached">
          <span className="file-name">
            <PaperclipIcon /> {file.name} <span className="muted">({formatSize(file.size)})</span>
          </span>
          {uploadProgress !== null ? (
            <ProgressBar value={uploadProgress} label={`Uploading ${file.name}`} />
          ) : (
            <button
              type="button"
              className="button secondary small"
              onClick={() => choose(null)}
              disabled={busy}
            >
              Remove <span className="visually-hidden">{file.name}</span>
            </button>
          )}
        </div>
      ) : null}
      {problem ? (
        <p className="error-text" role="alert">
          {problem}
        </p>
      ) : null}
      <div className="composer-row">
        {allowFiles ? (
          <>
            <input
              ref={picker}
              id={pickerId}
              className="visually-hidden"
              type="file"
              accept={ACCEPTED_FILES}
              aria-label="Attach a file"
              tabIndex={-1}
              onChange={(event) => choose(event.target.files?.[0] ?? null)}
            />
            <button
              type="button"
              className="button secondary icon"
              onClick={() => picker.current?.click()}
              disabled={busy || disabled}
              title="Attach a file (25 MB at most)"
            >
              <PaperclipIcon />
              <span className="visually-hidden">Attach a file</span>
            </button>
          </>
        ) : null}
        <label htmlFor={textId} className="visually-hidden">
          Message
        </label>
        <textarea
          ref={textArea}
          id={textId}
          rows={1}
          value={text}
          placeholder={placeholder ?? `Write to ${assistantName}…`}
          onChange={(event) => setText(event.target.value)}
          onKeyDown={onKeyDown}
          disabled={disabled}
          maxLength={32000}
        />
        <button type="submit" className="button primary" disabled={!canSend}>
          {busy ? "Sending…" : "Send"}
        </button>
      </div>
      <p className="hint">Enter sends; Shift+Enter starts a new line.</p>
    </form>
  );
}
