/** Admins manage people: add, rename, deactivate or reactivate, make admin, delete. */
import { useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useId, useState } from "react";
import { Link } from "react-router-dom";
import { $api } from "../../api/client";
import type { User } from "../../api/types";
import { useAuth } from "../../auth/AuthProvider";
import { Badge, ConfirmButton, Empty, ErrorNotice, Loading, LoadMore, Notice, PageHeader } from "../../components/ui";
import { displayName, formatDay, numberOf, shownName } from "../../lib/format";
import { allItems, cursorPaging } from "../../lib/pages";
import { useDebounced } from "../../lib/useDebounced";

export function UsersPage() {
  const [search, setSearch] = useState("");
  const term = useDebounced(search.trim(), 250);
  const searchId = useId();
  const [adding, setAdding] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const users = $api.useInfiniteQuery(
    "get",
    "/users",
    { params: { query: { limit: 50, ...(term ? { search: term } : {}) } } },
    cursorPaging,
  );
  const items = allItems(users.data);

  return (
    <main id="main" className="page">
      <PageHeader title="Users">
        <button type="button" className="button primary" onClick={() => setAdding((open) => !open)} aria-expanded={adding}>
          Add a user
        </button>
      </PageHeader>
      {adding ? (
        <AddUser
          onDone={(user) => {
            setAdding(false);
            setNotice(`${displayName(user)} was added${user.isAdmin ? " as an admin" : ""}.`);
          }}
          onCancel={() => setAdding(false)}
        />
      ) : null}
      {notice ? <Notice tone="success">{notice}</Notice> : null}
      <div className="toolbar">
        <label htmlFor={searchId}>Search</label>
        <input
          id={searchId}
          type="search"
          placeholder="Name or phone number"
          value={search}
          onChange={(event) => setSearch(event.target.value)}
        />
      </div>
      {users.isPending ? <Loading label="Loading users…" /> : null}
      <ErrorNotice error={users.error} />
      {users.isSuccess && items.length === 0 ? <Empty>{term ? `Nobody matches “${term}”.` : "No users yet."}</Empty> : null}
      {items.length > 0 ? (
        <div className="table-scroll">
          <table className="table users-table">
            <caption className="visually-hidden">Users</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">WhatsApp number</th>
                <th scope="col">Role</th>
                <th scope="col">Status</th>
                <th scope="col">Since</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((user) => (
                <UserRow key={user.id} user={user} onNotice={setNotice} />
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <LoadMore hasMore={users.hasNextPage} loading={users.isFetchingNextPage} onMore={() => void users.fetchNextPage()} />
    </main>
  );
}

function useInvalidateUsers() {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: ["get", "/users"] });
}

function AddUser({ onDone, onCancel }: { onDone: (user: User) => void; onCancel: () => void }) {
  const [phone, setPhone] = useState("");
  const [name, setName] = useState("");
  const [isAdmin, setIsAdmin] = useState(false);
  const id = useId();
  const invalidate = useInvalidateUsers();
  const create = $api.useMutation("post", "/users", {
    onSuccess: async (user) => {
      await invalidate();
      onDone(user);
    },
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    create.mutate({ body: { phoneNumber: phone.trim(), name: name.trim() || null, isAdmin } });
  }
  return (
    <form className="card form" onSubmit={submit} aria-label="Add a user">
      <h2>Add a user</h2>
      <div className="form-grid">
        <div>
          <label htmlFor={`${id}-phone`}>WhatsApp number</label>
          <input
            id={`${id}-phone`}
            type="tel"
            autoComplete="off"
            placeholder="+34 612 345 678"
            value={phone}
            onChange={(event) => setPhone(event.target.value)}
            required
          />
        </div>
        <div>
          <label htmlFor={`${id}-name`}>Name</label>
          <input id={`${id}-name`} type="text" maxLength={255} value={name} onChange={(event) => setName(event.target.value)} />
        </div>
      </div>
      <div className="checkbox">
        <input id={`${id}-admin`} type="checkbox" checked={isAdmin} onChange={(event) => setIsAdmin(event.target.checked)} />
        <label htmlFor={`${id}-admin`}>Admin (can manage users and read every conversation)</label>
      </div>
      <ErrorNotice error={create.error} title="Not added." />
      <div className="button-row">
        <button type="submit" className="button primary" disabled={create.isPending || !phone.trim()}>
          {create.isPending ? "Adding…" : "Add"}
        </button>
        <button type="button" className="button secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function UserRow({ user, onNotice }: { user: User; onNotice: (text: string) => void }) {
  const { user: me } = useAuth();
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(user.name ?? "");
  const nameId = useId();
  const invalidate = useInvalidateUsers();
  const update = $api.useMutation("put", "/users/{user_id}", {
    onSuccess: async (updated) => {
      await invalidate();
      setEditing(false);
      onNotice(`${displayName(updated)} was updated.`);
    },
  });
  const remove = $api.useMutation("delete", "/users/{user_id}", {
    onSuccess: async () => {
      await invalidate();
      onNotice(`${displayName(user)} was deleted.`);
    },
  });
  const isMe = me?.id === user.id;
  const path = { user_id: user.id };
  const label = displayName(user);

  return (
    <>
      <tr className={user.isActive ? undefined : "inactive"}>
        <td data-label="Name">
          {editing ? (
            <form
              className="inline-form"
              onSubmit={(event) => {
                event.preventDefault();
                update.mutate({ params: { path }, body: { name: name.trim() || null } });
              }}
            >
              <label htmlFor={nameId} className="visually-hidden">
                Name of {label}
              </label>
              <input id={nameId} type="text" value={name} maxLength={255} onChange={(event) => setName(event.target.value)} autoFocus />
              <button type="submit" className="button primary small" disabled={update.isPending}>
                Save
              </button>
              <button type="button" className="button secondary small" onClick={() => setEditing(false)}>
                Cancel
              </button>
            </form>
          ) : (
            <>
              {shownName(user) || <span className="muted">No name</span>} {isMe ? <Badge>You</Badge> : null}
            </>
          )}
        </td>
        <td data-label="Number">{user.phoneNumber ?? <span className="muted">{numberOf(user)}</span>}</td>
        <td data-label="Role">{user.isAdmin ? <Badge tone="admin">Admin</Badge> : "Member"}</td>
        <td data-label="Status">
          {user.isActive ? <Badge tone="success">Active</Badge> : <Badge tone="danger">Deactivated</Badge>}
        </td>
        <td data-label="Since">{formatDay(user.createdAt)}</td>
        <td className="actions">
          <div className="action-group" role="group" aria-label={`Actions for ${label}`}>
            {!editing ? (
              <button type="button" className="button secondary small" onClick={() => setEditing(true)}>
                Edit <span className="visually-hidden">{label}</span>
              </button>
            ) : null}
            <button
              type="button"
              className="button secondary small"
              disabled={update.isPending}
              onClick={() => update.mutate({ params: { path }, body: { isAdmin: !user.isAdmin } })}
            >
              {user.isAdmin ? "Remove admin" : "Make admin"} <span className="visually-hidden">{label}</span>
            </button>
            {user.isActive ? (
              <ConfirmButton
                question={`Deactivate ${label}? They are logged out and cannot log in until reactivated.`}
                confirmLabel="Deactivate"
                disabled={isMe || update.isPending}
                onConfirm={() => update.mutate({ params: { path }, body: { isActive: false } })}
              >
                Deactivate <span className="visually-hidden">{label}</span>
              </ConfirmButton>
            ) : (
              <button
                type="button"
                className="button secondary small"
                disabled={update.isPending}
                onClick={() => update.mutate({ params: { path }, body: { isActive: true } })}
              >
                Reactivate <span className="visually-hidden">{label}</span>
              </button>
            )}
            <Link className="button secondary small" to={`/admin/conversations?userId=${user.id}`}>
              Conversations <span className="visually-hidden">of {label}</span>
            </Link>
            <Link className="button secondary small" to={`/files?userId=${user.id}`}>
              Files <span className="visually-hidden">of {label}</span>
            </Link>
            <ConfirmButton
              question={`Delete ${label} and all their conversations? This cannot be undone.`}
              confirmLabel="Delete for good"
              disabled={isMe || remove.isPending}
              onConfirm={() => remove.mutate({ params: { path } })}
            >
              Delete <span className="visually-hidden">{label}</span>
            </ConfirmButton>
          </div>
        </td>
      </tr>
      {update.error || remove.error ? (
        <tr>
          <td colSpan={6}>
            <ErrorNotice error={update.error ?? remove.error} title={`${label}:`} />
          </td>
        </tr>
      ) : null}
    </>
  );
}
