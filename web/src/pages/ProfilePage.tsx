/** The member's own profile: their name, their number, and where they are logged in. */
import { useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useId, useState } from "react";
import { $api } from "../api/client";
import type { Session } from "../api/types";
import { workspaceScope } from "../api/workspace";
import { useAuth } from "../auth/AuthProvider";
import { MessageLogin } from "../components/MessageLogin";
import { Badge, ConfirmButton, ErrorNotice, Loading, Notice, PageHeader } from "../components/ui";
import { formatDay, formatWhen } from "../lib/format";

export function ProfilePage() {
  const { user, setUser, logout } = useAuth();
  const [name, setName] = useState(user?.name ?? "");
  const [saved, setSaved] = useState(false);
  const nameId = useId();
  const update = $api.useMutation("put", "/users/me", {
    onSuccess: (updated) => {
      setUser(updated);
      setSaved(true);
    },
  });
  if (!user) return null;

  function onSave(event: FormEvent) {
    event.preventDefault();
    setSaved(false);
    update.mutate({ body: { name: name.trim() || null } });
  }

  return (
    <main id="main" className="page narrow">
      <PageHeader title="Profile" />
      <form className="card form" onSubmit={onSave}>
        <label htmlFor={nameId}>Your name</label>
        <input id={nameId} type="text" autoComplete="name" maxLength={255} value={name} onChange={(event) => setName(event.target.value)} />
        <p className="hint">Ignacio and the admins see this name.</p>
        <ErrorNotice error={update.error} title="Not saved." />
        {saved ? <Notice tone="success">Saved.</Notice> : null}
        <button type="submit" className="button primary" disabled={update.isPending}>
          {update.isPending ? "Saving…" : "Save"}
        </button>
      </form>
      <section className="card" aria-labelledby="account-title">
        <h2 id="account-title">Account</h2>
        <dl className="facts">
          <dt>WhatsApp number</dt>
          <dd>{user.phoneNumber ?? <span className="muted">Not known: you write on WhatsApp under a username</span>}</dd>
          <dt>Role</dt>
          <dd>{user.isAdmin ? "Admin" : "Member"}</dd>
          <dt>Member since</dt>
          <dd>{formatDay(user.createdAt)}</dd>
        </dl>
        <p className="hint">The number cannot be changed: it is how you log in and how Ignacio knows you on WhatsApp.</p>
      </section>
      <LinkWhatsApp />
      <Sessions onLogout={logout} />
    </main>
  );
}

/** Link the WhatsApp one writes from to this account, by sending a code from it. */
function LinkWhatsApp() {
  const [linking, setLinking] = useState(false);
  return (
    <section className="card" aria-labelledby="whatsapp-title">
      <h2 id="whatsapp-title">WhatsApp</h2>
      <p className="hint">
        Send a code from WhatsApp to link it to this account (a WhatsApp that already has an account of its own is not
        moved).
      </p>
      {linking ? (
        <MessageLogin purpose="link" workspace={workspaceScope.id ?? undefined} />
      ) : (
        <button type="button" className="button" onClick={() => setLinking(true)}>
          Link WhatsApp
        </button>
      )}
    </section>
  );
}

const SESSIONS = ["get", "/auth/sessions"] as const;

/** What the list calls a session's device when its browser said nothing useful. */
function deviceName(session: Session): string {
  return session.device ?? "Unknown device";
}

/**
 * Where the member is logged in, this device first: each other one can be signed out (its
 * tokens stop working at once), and so can every other one, or all of them with this one.
 */
function Sessions({ onLogout }: { onLogout: (options?: { allDevices?: boolean }) => Promise<void> }) {
  const queryClient = useQueryClient();
  const [leaving, setLeaving] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const sessions = $api.useQuery(...SESSIONS);
  const refresh = () => queryClient.invalidateQueries({ queryKey: SESSIONS });
  const signOut = $api.useMutation("delete", "/auth/sessions/{session_id}", { onSettled: refresh });
  const others = $api.useMutation("post", "/auth/logout-all", {
    onSuccess: ({ sessionsEnded }) =>
      setDone(sessionsEnded === 1 ? "1 other device is signed out." : `${sessionsEnded} other devices are signed out.`),
    onSettled: refresh,
  });
  const items = [...(sessions.data?.items ?? [])].sort((a, b) => Number(b.current) - Number(a.current));
  const hasOthers = items.some((item) => !item.current);
  const busy = leaving || signOut.isPending || others.isPending;

  function leave(options?: { allDevices?: boolean }) {
    setLeaving(true);
    void onLogout(options).finally(() => setLeaving(false));
  }

  return (
    <section className="card" aria-labelledby="sessions-title">
      <h2 id="sessions-title">Sessions</h2>
      <p>Where you are logged in. Sign out a device you no longer use or do not recognise: it has to log in again.</p>
      {sessions.isPending ? <Loading label="Loading your sessions…" /> : null}
      <ErrorNotice error={sessions.error} title="Your sessions could not be loaded." />
      <ErrorNotice error={signOut.error ?? others.error} title="Not signed out." />
      {done ? <Notice tone="success">{done}</Notice> : null}
      {items.length > 0 ? (
        <ul className="session-list" aria-label="Sessions">
          {items.map((item) => (
            <li key={item.id} className="session-card">
              <div className="session-main">
                <span className="session-device">
                  {deviceName(item)} {item.current ? <Badge tone="success">This device</Badge> : null}
                </span>
                <span className="muted">
                  {item.current ? "Active now" : `Last used ${formatWhen(item.lastUsedAt)}`} · since {formatDay(item.createdAt)}
                  {item.network ? ` · network ${item.network}` : ""}
                </span>
              </div>
              {item.current ? (
                <button type="button" className="button secondary small" disabled={busy} onClick={() => leave()}>
                  Log out <span className="visually-hidden">of this device</span>
                </button>
              ) : (
                <ConfirmButton
                  question={`Sign out ${deviceName(item)}? It will have to log in again.`}
                  confirmLabel="Sign out"
                  tone="secondary"
                  disabled={busy}
                  onConfirm={() => {
                    setDone(null);
                    signOut.mutate(
                      { params: { path: { session_id: item.id } } },
                      { onSuccess: () => setDone(`${deviceName(item)} is signed out.`) },
                    );
                  }}
                >
                  Sign out <span className="visually-hidden">{deviceName(item)}</span>
                </ConfirmButton>
              )}
            </li>
          ))}
        </ul>
      ) : null}
      <div className="button-row">
        {hasOthers ? (
          <ConfirmButton
            question="Sign out every other device? They will have to log in again."
            confirmLabel="Sign out the others"
            tone="secondary"
            disabled={busy}
            onConfirm={() => {
              setDone(null);
              others.mutate({ params: { query: { keepCurrent: true } } });
            }}
          >
            Sign out other devices
          </ConfirmButton>
        ) : null}
        <ConfirmButton
          question="Sign out everywhere, this device too?"
          confirmLabel="Sign out everywhere"
          disabled={busy}
          onConfirm={() => leave({ allDevices: true })}
        >
          Sign out everywhere
        </ConfirmButton>
      </div>
    </section>
  );
}
