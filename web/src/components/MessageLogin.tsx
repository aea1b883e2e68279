/**
 * Log in (or link WhatsApp) by sending a code from WhatsApp: the page shows `VERIFY <code>`, a
 * link that opens WhatsApp with it typed in, and a QR code of that link for a phone; it polls
 * until the sender answers YES over WhatsApp, then hands the session over once.
 */
import { useCallback, useEffect, useRef, useState } from "react";
import { fetchClient } from "../api/client";
import { describeError } from "../api/errors";
import type { JsonOf, Login } from "../api/types";
import { QrCode } from "./QrCode";
import { ErrorNotice, Loading } from "./ui";

type Started = JsonOf<"/auth/message-login", "post", 201>;
type Polled = JsonOf<"/auth/message-login/{login_id}/poll", "post">;
type State = Polled["state"];

export const POLL_MS = 2000;

const STATUS: Record<State, string> = {
  waiting: "Waiting for your message…",
  claimed: "Answer YES on WhatsApp to finish.",
  confirmed: "Confirmed.",
  refused: "Refused on WhatsApp: nobody was logged in.",
  expired: "The code has expired.",
  used: "This code was used already.",
};
const FINISHED = new Set<State>(["confirmed", "refused", "expired", "used"]);

interface Props {
  purpose?: "login" | "link";
  /** The workspace whose number the code goes to; the default one otherwise. */
  workspace?: string;
  /** A login confirmed: the session, as verify-otp gives it. */
  onLoggedIn?: (login: Login) => void;
  /** A link confirmed. */
  onLinked?: () => void;
  /** How often to ask how it stands (tests ask sooner). */
  pollMs?: number;
}

export function MessageLogin({ purpose = "login", workspace, onLoggedIn, onLinked, pollMs = POLL_MS }: Props) {
  const [started, setStarted] = useState<Started | null>(null);
  const [state, setState] = useState<State>("waiting");
  const [error, setError] = useState<unknown>(null);
  const [starting, setStarting] = useState(false);
  const now = useNow(started !== null && !FINISHED.has(state));

  const start = useCallback(async () => {
    setStarting(true);
    setError(null);
    const body = { purpose, ...(workspace ? { workspace } : {}) };
    try {
      const { data, error: problem } = await fetchClient.POST("/auth/message-login", { body });
      if (data) {
        setStarted(data);
        setState("waiting");
      } else {
        setError(problem);
      }
    } catch (failure) {
      setError(failure);
    } finally {
      setStarting(false);
    }
  }, [purpose, workspace]);

  const begun = useRef(false);
  useEffect(() => {
    if (begun.current) return;
    begun.current = true;
    void start();
  }, [start]);

  const secondsLeft = started ? Math.max(0, Math.floor((Date.parse(started.expiresAt) - now) / 1000)) : 0;
  const shownState: State = started && secondsLeft === 0 && !FINISHED.has(state) ? "expired" : state;

  const handlers = useRef({ onLoggedIn, onLinked });
  handlers.current = { onLoggedIn, onLinked };
  useEffect(() => {
    if (!started || FINISHED.has(shownState)) return;
    let stopped = false;
    const timer = setInterval(() => {
      void (async () => {
        const { data, error: problem } = await fetchClient
          .POST("/auth/message-login/{login_id}/poll", {
            params: { path: { login_id: started.id } },
            body: { browserToken: started.browserToken },
          })
          .catch(() => ({ data: undefined, error: undefined }));
        // A network hiccup: the next poll asks again.
        if (stopped || (!data && !problem)) return;
        if (!data) {
          setError(problem);
          setState("refused");
          return;
        }
        setState(data.state);
        if (data.state === "confirmed") {
          if (data.login) handlers.current.onLoggedIn?.(data.login);
          else handlers.current.onLinked?.();
        }
      })();
    }, pollMs);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [started, shownState, pollMs]);

  if (!started) {
    return (
      <div className="message-login">
        {starting ? <Loading label="Making a code…" /> : null}
        <ErrorNotice error={error} title="No code could be made." />
        {error ? (
          <button type="button" className="button primary wide" onClick={() => void start()}>
            Try again
          </button>
        ) : null}
      </div>
    );
  }

  const finished = FINISHED.has(shownState);
  return (
    <div className="message-login">
      {finished ? null : (
        <>
          <p>
            Send this message from WhatsApp to <strong>{started.number}</strong> ({started.workspaceName}):
          </p>
          <div className="verify-text" role="group" aria-label="The message to send">
            <code>{started.text}</code>
          </div>
          <a className="button primary wide" href={started.link} target="_blank" rel="noopener noreferrer">
            Open WhatsApp
          </a>
          <QrCode value={started.link} label="QR code of the link that opens WhatsApp with the message" />
          <p className="hint">On a computer, scan the code with your phone&rsquo;s camera to open WhatsApp there.</p>
          <p className="hint" aria-live="off">
            The code expires in <time>{formatLeft(secondsLeft)}</time>.
          </p>
        </>
      )}
      <div
        className={`notice notice-${shownState === "confirmed" ? "success" : finished ? "warning" : "info"}`}
        role="status"
        aria-live="polite"
      >
        {purpose === "link" && shownState === "confirmed" ? "✅ WhatsApp linked." : STATUS[shownState]}
        {purpose === "link" && shownState === "refused"
          ? " That WhatsApp belongs to another account, or the link was refused."
          : null}
      </div>
      {error && finished ? (
        <div className="notice notice-error" role="alert">
          {describeError(error)}
        </div>
      ) : null}
      {finished && shownState !== "confirmed" ? (
        <button type="button" className="button primary wide" onClick={() => void start()} disabled={starting}>
          Get a new code
        </button>
      ) : null}
    </div>
  );
}

/** The clock, ticking every second while `running`. */
function useNow(running: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!running) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [running]);
  return now;
}

function formatLeft(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  return `${minutes}:${String(seconds % 60).padStart(2, "0")}`;
}
