/**
 * Choosing a file and sending it with a progress bar, one at a time: the Files page's and the
 * knowledge base's (the chat's composer attaches a file first and sends it with the message).
 */
import { useRef, useState } from "react";
import type { UploadProgress } from "../api/upload";
import { formatSize } from "../lib/format";
import { MAX_FILE_BYTES } from "./Composer";
import { ProgressBar } from "./ui";

export interface Uploading {
  name: string;
  /** 0 to 1. */
  progress: number;
}

/**
 * `start(file)` sends it with `send` (an `upload(...)` call), showing its progress in
 * `uploading`; resolves with what the API created, or undefined when it was refused (`problem`
 * says why). A file over 25 MB is refused here, before it is sent.
 */
export function useUpload<T>(send: (file: File, onProgress: (progress: UploadProgress) => void) => Promise<T>) {
  const [uploading, setUploading] = useState<Uploading | null>(null);
  const [problem, setProblem] = useState<unknown>(null);

  async function start(file: File): Promise<T | undefined> {
    setProblem(null);
    if (file.size > MAX_FILE_BYTES) {
      setProblem(new Error(`${file.name} is ${formatSize(file.size)}; files can be 25 MB at most.`));
      return undefined;
    }
    setUploading({ name: file.name, progress: 0 });
    try {
      return await send(file, (step) => setUploading({ name: file.name, progress: step.fraction }));
    } catch (error) {
      setProblem(error);
      return undefined;
    } finally {
      setUploading(null);
    }
  }

  return { uploading, problem, setProblem, start };
}

/** A button that opens the file picker (the input itself is hidden, but labelled for tests and
 * assistive technology). */
export function UploadButton({
  children,
  pickerLabel,
  accept,
  disabled,
  onChosen,
}: {
  children: string;
  pickerLabel: string;
  accept: string;
  disabled: boolean;
  onChosen: (file: File) => void;
}) {
  const picker = useRef<HTMLInputElement>(null);
  return (
    <>
      <input
        ref={picker}
        className="visually-hidden"
        type="file"
        accept={accept}
        aria-label={pickerLabel}
        tabIndex={-1}
        onChange={(event) => {
          const file = event.target.files?.[0];
          // Emptied, so that choosing the same file again (after fixing it) sends it again.
          event.target.value = "";
          if (file) onChosen(file);
        }}
      />
      <button type="button" className="button primary" onClick={() => picker.current?.click()} disabled={disabled}>
        {children}
      </button>
    </>
  );
}

export function UploadProgressBar({ uploading }: { uploading: Uploading | null }) {
  return uploading ? <ProgressBar value={uploading.progress} label={`Uploading ${uploading.name}`} /> : null;
}
