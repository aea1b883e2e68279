/** The member's own profile: their name, their number, and their sessions. */
import { type FormEvent, useId, useState } from "react";
import { $api } from "../api/client";
import { useAuth } from "../auth/AuthProvider";
import { ErrorNotice, Notice, PageHeader } from "../components/ui";
import { formatDay } from "../lib/format";

export function ProfilePage() {
  const { user, setUser, logout } = useAuth();
  const [name, setName] = useState(user?.name ?? "");
  const [saved, setSaved] = useState(false);
  const [leaving, setLeaving] = useState(false);
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
          <dd>{user.phoneNumber}</dd>
          <dt>Role</dt>
          <dd>{user.isAdmin ? "Admin" : "Member"}</dd>
          <dt>Member since</dt>
          <dd>{formatDay(user.createdAt)}</dd>
        </dl>
        <p className="hint">The number cannot be changed: it is how you log in and how Ignacio knows you on WhatsApp.</p>
      </section>
      <section className="card" aria-labelledby="sessions-title">
        <h2 id="sessions-title">Sessions</h2>
        <p>Log out here, or everywhere you are logged in (other browsers and phones too).</p>
        <div className="button-row">
          <button
            type="button"
            className="button secondary"
            disabled={leaving}
            onClick={() => {
              setLeaving(true);
              void logout().finally(() => setLeaving(false));
            }}
          >
            Log out
          </button>
          <button
            type="button"
            className="button danger"
            disabled={leaving}
            onClick={() => {
              setLeaving(true);
              void logout({ allDevices: true }).finally(() => setLeaving(false));
            }}
          >
            Log out of all devices
          </button>
        </div>
      </section>
    </main>
  );
}
