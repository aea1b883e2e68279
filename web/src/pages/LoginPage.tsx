/**
 * Log in with a code sent over WhatsApp (the number first, then the code), or by sending a code
 * from WhatsApp instead (MessageLogin).
 */
import { type FormEvent, useEffect, useId, useRef, useState } from "react";
import { Navigate, useLocation, useNavigate } from "react-router-dom";
import { $api } from "../api/client";
import { describeError, errorCode } from "../api/errors";
import { useAuth } from "../auth/AuthProvider";
import { MessageLogin } from "../components/MessageLogin";
import { Notice } from "../components/ui";

type Step = "phone" | "code" | "message";

const CODE_PROBLEMS: Record<string, string> = {
  invalid_code: "Wrong code.",
  code_expired: "The code has expired.",
  too_many_attempts: "Too many wrong codes.",
  rate_limited: "Too many attempts.",
  authentication_failed: "You cannot log in.",
};
/** After these, the code cannot be used any more: a new one is the way on. */
const NEEDS_NEW_CODE = new Set(["code_expired", "too_many_attempts"]);

export function LoginPage() {
  const { status, notice, loggedIn } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const [step, setStep] = useState<Step>("phone");
  const [phone, setPhone] = useState("");
  const [code, setCode] = useState("");
  const [sentMessage, setSentMessage] = useState<string | null>(null);
  const phoneId = useId();
  const codeId = useId();
  const codeInput = useRef<HTMLInputElement>(null);
  const phoneInput = useRef<HTMLInputElement>(null);

  const requestCode = $api.useMutation("post", "/auth/request-otp");
  const verifyCode = $api.useMutation("post", "/auth/verify-otp");

  useEffect(() => {
    document.title = "Log in · Ignacio";
  }, []);
  useEffect(() => {
    if (step === "code") codeInput.current?.focus();
    else if (step === "phone") phoneInput.current?.focus();
  }, [step]);

  if (status === "authenticated") {
    const from = (location.state as { from?: string } | null)?.from;
    return <Navigate to={from && from !== "/login" ? from : "/chat"} replace />;
  }

  async function onPhone(event: FormEvent) {
    event.preventDefault();
    verifyCode.reset();
    try {
      const answer = await requestCode.mutateAsync({ body: { phoneNumber: phone.trim() } });
      setSentMessage(answer.message);
      setCode("");
      setStep("code");
    } catch {
      phoneInput.current?.focus();
    }
  }

  function enter(login: Parameters<typeof loggedIn>[0]) {
    loggedIn(login);
    const from = (location.state as { from?: string } | null)?.from;
    navigate(from && from !== "/login" ? from : "/chat", { replace: true });
  }

  async function onCode(event: FormEvent) {
    event.preventDefault();
    try {
      const login = await verifyCode.mutateAsync({ body: { phoneNumber: phone.trim(), code: code.trim() } });
      enter(login);
    } catch {
      setCode("");
      codeInput.current?.focus();
    }
  }

  const codeProblem = verifyCode.error ? errorCode(verifyCode.error) : undefined;

  return (
    <main id="main" className="login">
      <div className="login-card">
        <p className="brand-large" aria-hidden="true">
          Ignacio
        </p>
        <h1>Log in</h1>
        {notice && step === "phone" ? <Notice tone="warning">{notice}</Notice> : null}
        {step === "message" ? (
          <>
            <MessageLogin onLoggedIn={enter} />
            <div className="login-links">
              <button type="button" className="button link" onClick={() => setStep("phone")}>
                Get a code sent to you instead
              </button>
            </div>
          </>
        ) : step === "phone" ? (
          <form onSubmit={onPhone} noValidate>
            <p>We will send a six-digit code to your WhatsApp.</p>
            <label htmlFor={phoneId}>Your WhatsApp number</label>
            <input
              ref={phoneInput}
              id={phoneId}
              type="tel"
              name="phone"
              autoComplete="tel"
              inputMode="tel"
              placeholder="+34 612 345 678"
              value={phone}
              onChange={(event) => setPhone(event.target.value)}
              aria-describedby={`${phoneId}-hint`}
              aria-invalid={requestCode.isError}
              required
            />
            <p id={`${phoneId}-hint`} className="hint">
              In international form, with the country code.
            </p>
            {requestCode.isError ? (
              <div className="notice notice-error" role="alert">
                {describeError(requestCode.error)}
              </div>
            ) : null}
            <button type="submit" className="button primary wide" disabled={requestCode.isPending || !phone.trim()}>
              {requestCode.isPending ? "Sending the code…" : "Send me a code"}
            </button>
            <div className="login-links">
              <button
                type="button"
                className="button link"
                onClick={() => {
                  requestCode.reset();
                  setStep("message");
                }}
              >
                Send a message instead
              </button>
            </div>
          </form>
        ) : (
          <form onSubmit={onCode} noValidate>
            {sentMessage ? <Notice>{sentMessage}</Notice> : null}
            <label htmlFor={codeId}>The six-digit code</label>
            <input
              ref={codeInput}
              id={codeId}
              type="text"
              name="code"
              inputMode="numeric"
              autoComplete="one-time-code"
              pattern="[0-9]*"
              maxLength={6}
              value={code}
              onChange={(event) => setCode(event.target.value.replace(/\D/g, ""))}
              aria-invalid={verifyCode.isError}
              required
            />
            {verifyCode.isError ? (
              <div className="notice notice-error" role="alert">
                {codeProblem && CODE_PROBLEMS[codeProblem] ? <strong>{CODE_PROBLEMS[codeProblem]} </strong> : null}
                {describeError(verifyCode.error)}
              </div>
            ) : null}
            <button
              type="submit"
              className="button primary wide"
              disabled={verifyCode.isPending || code.length !== 6}
            >
              {verifyCode.isPending ? "Checking…" : "Log in"}
            </button>
            <div className="login-links">
              <button
                type="button"
                className={`button ${codeProblem && NEEDS_NEW_CODE.has(codeProblem) ? "primary" : "link"}`}
                onClick={(event) => void onPhone(event)}
                disabled={requestCode.isPending}
              >
                Send a new code
              </button>
              <button
                type="button"
                className="button link"
                onClick={() => {
                  verifyCode.reset();
                  requestCode.reset();
                  setStep("phone");
                }}
              >
                Use another number
              </button>
            </div>
            {requestCode.isError ? (
              <div className="notice notice-error" role="alert">
                {describeError(requestCode.error)}
              </div>
            ) : null}
          </form>
        )}
      </div>
    </main>
  );
}
