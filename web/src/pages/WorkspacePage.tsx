/**
 * The people who run a workspace: its settings (its name, its assistant, who may write to it on
 * WhatsApp), its own WhatsApp numbers and its team. Its admins (and platform admins) change them;
 * its agents read the settings and the team. `WorkspaceFrame` is shared with the knowledge base.
 */
import { useQueryClient } from "@tanstack/react-query";
import { type FormEvent, Fragment, type ReactNode, useId, useState } from "react";
import { useSearchParams } from "react-router-dom";
import { $api } from "../api/client";
import type { WhatsAppAccess, Workspace, WorkspaceMember, WorkspaceRole } from "../api/types";
import { useAuth } from "../auth/AuthProvider";
import { Badge, ConfirmButton, Empty, ErrorNotice, Loading, LoadMore, Notice, PageHeader } from "../components/ui";
import { displayName, formatDay, numberOf, shownName } from "../lib/format";
import { allItems, cursorPaging } from "../lib/pages";
import { DEFAULT_ASSISTANT_NAME, runsWorkspace, useCurrentWorkspace } from "../lib/workspaces";
import { WorkspaceNumbers } from "./WorkspaceNumbers";

export const MAX_INSTRUCTIONS = 4000;
const MAX_ASSISTANT_NAME = 60;
const MAX_WORKSPACE_NAME = 120;

const ROLES: { value: WorkspaceRole; label: string; hint: string }[] = [
  { value: "member", label: "Member", hint: "talks to the assistant" },
  { value: "agent", label: "Agent", hint: "handles the workspace's conversations" },
  { value: "admin", label: "Admin", hint: "its settings and team" },
];
const ROLE_LABEL: Record<WorkspaceRole, string> = { member: "Member", agent: "Agent", admin: "Admin" };

const ACCESS: { value: WhatsAppAccess | ""; label: string }[] = [
  { value: "", label: "Deployment default" },
  { value: "open", label: "Open: anyone who writes" },
  { value: "registered", label: "Registered: people with an account only" },
  { value: "whitelist", label: "Allow-list: listed numbers only" },
];

/** Every workspace's queries start with these keys (the list, and one workspace's members). */
function useInvalidateWorkspaces() {
  const queryClient = useQueryClient();
  return () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: ["get", "/workspaces"] }),
      queryClient.invalidateQueries({ queryKey: ["get", "/workspaces/{workspace}/members"] }),
    ]);
}

export function WorkspacePage() {
  return (
    <WorkspaceFrame title="Workspace">
      {(workspace, canManage) => <WorkspaceScreen workspace={workspace} canManage={canManage} />}
    </WorkspaceFrame>
  );
}

/** A page's content for one workspace; `canManage`: the caller changes it, not only reads it. */
type WorkspaceContent = (workspace: Workspace, canManage: boolean) => ReactNode;

/**
 * A page for the people who run a workspace (the Workspace page, its knowledge base): about the
 * workspace the caller acts in, if they run it. A new workspace starts the content afresh.
 */
export function WorkspaceFrame({ title, children }: { title: string; children: WorkspaceContent }) {
  const { user } = useAuth();
  const platformAdmin = Boolean(user?.isAdmin);
  const { workspaces, current, settled, error } = useCurrentWorkspace();
  if (platformAdmin) return <AnyWorkspaceFrame title={title} current={current} content={children} />;
  // Everyone else sees the workspace they act in (the one the switcher shows), if they run it.
  const workspace = current?.role === "admin" || current?.role === "agent" ? current : undefined;
  const elsewhere = workspaces.filter((item) => item.role === "admin" || item.role === "agent");
  return (
    <main id="main" className="page">
      <PageHeader title={title} />
      {!settled ? <Loading label="Loading workspaces…" /> : null}
      <ErrorNotice error={error} />
      {settled && !error && !workspace ? (
        <p>
          This page is for the people who run a workspace.{" "}
          {elsewhere.length > 0
            ? `Choose ${elsewhere.map((item) => item.name).join(" or ")} under Workspace in the menu to see it.`
            : "Ask one of its admins if you need access."}
        </p>
      ) : null}
      {workspace ? <Fragment key={workspace.id}>{children(workspace, runsWorkspace(user, workspace))}</Fragment> : null}
    </main>
  );
}

/** Platform admins look after every workspace, starting from the one they act in. */
function AnyWorkspaceFrame({
  title,
  current,
  content,
}: {
  title: string;
  current: Workspace | undefined;
  content: WorkspaceContent;
}) {
  const { user } = useAuth();
  const selectId = useId();
  const [params, setParams] = useSearchParams();
  const list = $api.useQuery("get", "/workspaces", { params: { query: { limit: 200, every: true } } });
  const choices = list.data?.items ?? [];
  const wanted = params.get("workspace") ?? current?.id;
  const workspace = choices.find((item) => item.slug === wanted || item.id === wanted) ?? choices[0];

  return (
    <main id="main" className="page">
      <PageHeader title={title} />
      {list.isPending ? <Loading label="Loading workspaces…" /> : null}
      <ErrorNotice error={list.error} />
      {choices.length > 1 && workspace ? (
        <div className="toolbar">
          <label htmlFor={selectId}>Workspace to look after</label>
          <select
            id={selectId}
            value={workspace.slug}
            onChange={(event) => setParams({ workspace: event.target.value }, { replace: true })}
          >
            {choices.map((item) => (
              <option key={item.id} value={item.slug}>
                {item.name}
              </option>
            ))}
          </select>
        </div>
      ) : null}
      {workspace ? <Fragment key={workspace.id}>{content(workspace, runsWorkspace(user, workspace))}</Fragment> : null}
    </main>
  );
}

function WorkspaceScreen({ workspace, canManage }: { workspace: Workspace; canManage: boolean }) {
  return (
    <>
      <p className="lede">
        {workspace.name}
        {workspace.role ? ` · your role: ${ROLE_LABEL[workspace.role].toLowerCase()}` : " · you are a platform admin"}
      </p>
      {canManage ? <SettingsForm workspace={workspace} /> : <SettingsSummary workspace={workspace} />}
      {canManage ? <WorkspaceNumbers workspace={workspace} /> : null}
      <Team workspace={workspace} canManage={canManage} />
    </>
  );
}

function accessLabel(access: WhatsAppAccess | null): string {
  return ACCESS.find((option) => option.value === (access ?? ""))?.label ?? String(access);
}

/** What an agent sees of the settings: read, not changed. */
function SettingsSummary({ workspace }: { workspace: Workspace }) {
  const titleId = useId();
  const { assistant } = workspace;
  return (
    <section className="card" aria-labelledby={titleId}>
      <h2 id={titleId}>Settings</h2>
      <dl className="facts">
        <dt>Name</dt>
        <dd>{workspace.name}</dd>
        <dt>Short name</dt>
        <dd>{workspace.slug}</dd>
        <dt>Assistant</dt>
        <dd>{assistant.name || DEFAULT_ASSISTANT_NAME}</dd>
        <dt>Language</dt>
        <dd>{assistant.language || "The language each person writes in"}</dd>
        <dt>Time zone</dt>
        <dd>{assistant.timezone || "UTC"}</dd>
        <dt>WhatsApp access</dt>
        <dd>{accessLabel(workspace.access)}</dd>
        <dt>Template after 24 hours</dt>
        <dd>
          {workspace.replyTemplate ? (
            <>
              <code>{workspace.replyTemplate.name}</code> ({workspace.replyTemplate.language})
              {workspace.replyTemplate.variables?.length ? `: ${workspace.replyTemplate.variables.join(", ")}` : ""}
            </>
          ) : (
            "None"
          )}
        </dd>
      </dl>
      {assistant.instructions ? (
        <>
          <h3>Instructions</h3>
          <p className="plain">{assistant.instructions}</p>
        </>
      ) : null}
      <p className="hint">Only the workspace's admins change its settings and team.</p>
    </section>
  );
}

function SettingsForm({ workspace }: { workspace: Workspace }) {
  const id = useId();
  const [name, setName] = useState(workspace.name);
  const [assistantName, setAssistantName] = useState(workspace.assistant.name ?? "");
  const [instructions, setInstructions] = useState(workspace.assistant.instructions ?? "");
  const [language, setLanguage] = useState(workspace.assistant.language ?? "");
  const [timezone, setTimezone] = useState(workspace.assistant.timezone ?? "");
  const [access, setAccess] = useState<WhatsAppAccess | "">(workspace.access ?? "");
  const [templateName, setTemplateName] = useState(workspace.replyTemplate?.name ?? "");
  const [templateLanguage, setTemplateLanguage] = useState(workspace.replyTemplate?.language ?? "");
  const [templateVariables, setTemplateVariables] = useState((workspace.replyTemplate?.variables ?? []).join("\n"));
  const [saved, setSaved] = useState(false);
  const invalidate = useInvalidateWorkspaces();
  const update = $api.useMutation("patch", "/workspaces/{workspace}", {
    onSuccess: async () => {
      await invalidate();
      setSaved(true);
    },
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    setSaved(false);
    update.mutate({
      params: { path: { workspace: workspace.slug } },
      body: {
        name: name.trim(),
        // PATCH replaces the assistant's settings whole: what this form does not show (the
        // model, web search) goes back as it was.
        assistant: {
          ...workspace.assistant,
          name: assistantName.trim() || null,
          instructions: instructions.trim() || null,
          language: language.trim() || null,
          timezone: timezone.trim() || null,
        },
        access: access || null,
        // Without a name, no template: the inbox then has nothing to send outside the window.
        replyTemplate: templateName.trim()
          ? {
              name: templateName.trim(),
              language: templateLanguage.trim() || "en",
              variables: templateVariables
                .split("\n")
                .map((line) => line.trim())
                .filter(Boolean),
            }
          : null,
      },
    });
  }

  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Settings</h2>
      <form className="form" onSubmit={submit} aria-label="Workspace settings">
        <div className="form-grid">
          <div>
            <label htmlFor={`${id}-name`}>Workspace name</label>
            <input
              id={`${id}-name`}
              type="text"
              maxLength={MAX_WORKSPACE_NAME}
              value={name}
              onChange={(event) => setName(event.target.value)}
              required
            />
          </div>
          <div>
            <label htmlFor={`${id}-slug`}>Short name</label>
            <input id={`${id}-slug`} type="text" value={workspace.slug} readOnly aria-describedby={`${id}-slug-hint`} />
            <p className="hint" id={`${id}-slug-hint`}>
              It names the workspace in links and commands, and never changes.
            </p>
          </div>
          <div>
            <label htmlFor={`${id}-assistant`}>Assistant's name</label>
            <input
              id={`${id}-assistant`}
              type="text"
              maxLength={MAX_ASSISTANT_NAME}
              placeholder={DEFAULT_ASSISTANT_NAME}
              value={assistantName}
              onChange={(event) => setAssistantName(event.target.value)}
              aria-describedby={`${id}-assistant-hint`}
            />
            <p className="hint" id={`${id}-assistant-hint`}>
              The name it introduces itself with. Empty: {DEFAULT_ASSISTANT_NAME}.
            </p>
          </div>
          <div>
            <label htmlFor={`${id}-instructions`}>Instructions</label>
            <textarea
              id={`${id}-instructions`}
              rows={6}
              maxLength={MAX_INSTRUCTIONS}
              value={instructions}
              onChange={(event) => setInstructions(event.target.value)}
              aria-describedby={`${id}-instructions-hint`}
            />
            <p className="hint" id={`${id}-instructions-hint`}>
              What the assistant should know or do for this workspace.{" "}
              <span>
                {instructions.length} / {MAX_INSTRUCTIONS} characters
              </span>
            </p>
          </div>
          <div>
            <label htmlFor={`${id}-language`}>Language</label>
            <input
              id={`${id}-language`}
              type="text"
              maxLength={35}
              placeholder="es"
              autoComplete="off"
              spellCheck={false}
              value={language}
              onChange={(event) => setLanguage(event.target.value)}
              aria-describedby={`${id}-language-hint`}
            />
            <p className="hint" id={`${id}-language-hint`}>
              A language tag such as en, es or pt-BR. Empty: the language each person writes in.
            </p>
          </div>
          <div>
            <label htmlFor={`${id}-timezone`}>Time zone</label>
            <input
              id={`${id}-timezone`}
              type="text"
              maxLength={60}
              placeholder="Europe/Madrid"
              autoComplete="off"
              spellCheck={false}
              value={timezone}
              onChange={(event) => setTimezone(event.target.value)}
              aria-describedby={`${id}-timezone-hint`}
            />
            <p className="hint" id={`${id}-timezone-hint`}>
              Where dates such as “by Friday” in members' records are read. Empty: UTC.
            </p>
          </div>
          <div>
            <label htmlFor={`${id}-access`}>Who may write on WhatsApp</label>
            <select
              id={`${id}-access`}
              value={access}
              onChange={(event) => setAccess(event.target.value as WhatsAppAccess | "")}
              aria-describedby={`${id}-access-hint`}
            >
              {ACCESS.map((option) => (
                <option key={option.value} value={option.value}>
                  {option.label}
                </option>
              ))}
            </select>
            <p className="hint" id={`${id}-access-hint`}>
              The deployment default is the server's <code>IGNACIO_WHATSAPP_ACCESS</code>.
            </p>
          </div>
        </div>
        <fieldset className="template-settings" aria-describedby={`${id}-template-hint`}>
          <legend>Approved template, for replies after WhatsApp's 24-hour window</legend>
          <p className="hint" id={`${id}-template-hint`}>
            Once a member last wrote more than 24 hours ago, WhatsApp only takes a template approved for your number; the
            team sends this one from the inbox, filling in its variables.
          </p>
          <div className="form-grid">
            <div>
              <label htmlFor={`${id}-template-name`}>Template name</label>
              <input
                id={`${id}-template-name`}
                type="text"
                maxLength={512}
                placeholder="follow_up"
                autoComplete="off"
                spellCheck={false}
                value={templateName}
                onChange={(event) => setTemplateName(event.target.value)}
                aria-describedby={`${id}-template-name-hint`}
              />
              <p className="hint" id={`${id}-template-name-hint`}>
                Its name at Meta, or on Twilio its Content SID (HX…). Empty: no template.
              </p>
            </div>
            <div>
              <label htmlFor={`${id}-template-language`}>Template language</label>
              <input
                id={`${id}-template-language`}
                type="text"
                maxLength={10}
                placeholder="en"
                autoComplete="off"
                spellCheck={false}
                value={templateLanguage}
                onChange={(event) => setTemplateLanguage(event.target.value)}
              />
            </div>
            <div>
              <label htmlFor={`${id}-template-variables`}>Its variables, one per line</label>
              <textarea
                id={`${id}-template-variables`}
                rows={3}
                value={templateVariables}
                onChange={(event) => setTemplateVariables(event.target.value)}
                aria-describedby={`${id}-template-variables-hint`}
              />
              <p className="hint" id={`${id}-template-variables-hint`}>
                What {"{{1}}"}, {"{{2}}"}… stand for, in order (such as “member's first name”), for the team filling them in.
              </p>
            </div>
          </div>
        </fieldset>
        <ErrorNotice error={update.error} title="Not saved." />
        {saved ? <Notice tone="success">Saved.</Notice> : null}
        <button type="submit" className="button primary" disabled={update.isPending || !name.trim()}>
          {update.isPending ? "Saving…" : "Save settings"}
        </button>
      </form>
    </section>
  );
}

function Team({ workspace, canManage }: { workspace: Workspace; canManage: boolean }) {
  const titleId = useId();
  const [notice, setNotice] = useState<string | null>(null);
  const members = $api.useInfiniteQuery(
    "get",
    "/workspaces/{workspace}/members",
    { params: { path: { workspace: workspace.slug }, query: { limit: 50 } } },
    cursorPaging,
  );
  const items = allItems(members.data);
  return (
    <section aria-labelledby={titleId}>
      <h2 id={titleId}>Team</h2>
      {canManage ? <InviteForm workspace={workspace} onDone={setNotice} /> : null}
      {notice ? <Notice tone="success">{notice}</Notice> : null}
      {members.isPending ? <Loading label="Loading the team…" /> : null}
      <ErrorNotice error={members.error} />
      {members.isSuccess && items.length === 0 ? <Empty>Nobody in this workspace yet.</Empty> : null}
      {items.length > 0 ? (
        <div className="table-scroll">
          <table className="table">
            <caption className="visually-hidden">The team of {workspace.name}</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">WhatsApp number</th>
                <th scope="col">Role</th>
                <th scope="col">Joined</th>
                {canManage ? (
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                ) : null}
              </tr>
            </thead>
            <tbody>
              {items.map((member) => (
                <MemberRow key={member.user.id} workspace={workspace} member={member} canManage={canManage} onNotice={setNotice} />
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <LoadMore hasMore={members.hasNextPage} loading={members.isFetchingNextPage} onMore={() => void members.fetchNextPage()} />
    </section>
  );
}

function InviteForm({ workspace, onDone }: { workspace: Workspace; onDone: (notice: string) => void }) {
  const id = useId();
  const [phone, setPhone] = useState("");
  const [role, setRole] = useState<WorkspaceRole>("member");
  const [name, setName] = useState("");
  const invalidate = useInvalidateWorkspaces();
  const invite = $api.useMutation("post", "/workspaces/{workspace}/members", {
    onSuccess: async (member) => {
      await invalidate();
      setPhone("");
      setName("");
      setRole("member");
      onDone(`${displayName(member.user)} joined as ${ROLE_LABEL[member.role].toLowerCase()}.`);
    },
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    invite.mutate({
      params: { path: { workspace: workspace.slug } },
      body: { phoneNumber: phone.trim(), role, name: name.trim() || null },
    });
  }
  return (
    <form className="card form" onSubmit={submit} aria-label="Invite someone">
      <h3>Invite someone</h3>
      <p className="hint">A number with no account yet gets one, and logs in with a code sent on WhatsApp.</p>
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
          <label htmlFor={`${id}-role`}>Role</label>
          <select id={`${id}-role`} value={role} onChange={(event) => setRole(event.target.value as WorkspaceRole)}>
            {ROLES.map((option) => (
              <option key={option.value} value={option.value}>
                {option.label}: {option.hint}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor={`${id}-name`}>Name (optional)</label>
          <input id={`${id}-name`} type="text" maxLength={255} value={name} onChange={(event) => setName(event.target.value)} />
        </div>
      </div>
      <ErrorNotice error={invite.error} title="Not invited." />
      <button type="submit" className="button primary" disabled={invite.isPending || !phone.trim()}>
        {invite.isPending ? "Inviting…" : "Invite"}
      </button>
    </form>
  );
}

function MemberRow({
  workspace,
  member,
  canManage,
  onNotice,
}: {
  workspace: Workspace;
  member: WorkspaceMember;
  canManage: boolean;
  onNotice: (notice: string) => void;
}) {
  const { user: me } = useAuth();
  const roleId = useId();
  const invalidate = useInvalidateWorkspaces();
  const label = displayName(member.user);
  const path = { workspace: workspace.slug, user_id: member.user.id };
  const change = $api.useMutation("put", "/workspaces/{workspace}/members/{user_id}", {
    onSuccess: async (updated) => {
      await invalidate();
      onNotice(`${label} is now ${ROLE_LABEL[updated.role].toLowerCase()}.`);
    },
  });
  const remove = $api.useMutation("delete", "/workspaces/{workspace}/members/{user_id}", {
    onSuccess: async () => {
      await invalidate();
      onNotice(`${label} was removed from ${workspace.name}.`);
    },
  });
  const busy = change.isPending || remove.isPending;
  const error = change.error ?? remove.error;
  return (
    <>
      <tr>
        <td data-label="Name">
          {shownName(member.user) || <span className="muted">No name</span>} {me?.id === member.user.id ? <Badge>You</Badge> : null}
        </td>
        <td data-label="Number">{member.user.phoneNumber ?? <span className="muted">{numberOf(member.user)}</span>}</td>
        <td data-label="Role">
          {canManage ? (
            <>
              <label htmlFor={roleId} className="visually-hidden">
                Role of {label}
              </label>
              <select
                id={roleId}
                value={member.role}
                disabled={busy}
                onChange={(event) => {
                  change.reset();
                  remove.reset();
                  change.mutate({ params: { path }, body: { role: event.target.value as WorkspaceRole } });
                }}
              >
                {ROLES.map((option) => (
                  <option key={option.value} value={option.value}>
                    {option.label}
                  </option>
                ))}
              </select>
            </>
          ) : member.role === "admin" ? (
            <Badge tone="admin">Admin</Badge>
          ) : (
            ROLE_LABEL[member.role]
          )}
        </td>
        <td data-label="Joined">{formatDay(member.joinedAt)}</td>
        {canManage ? (
          <td className="actions">
            <ConfirmButton
              question={`Remove ${label} from ${workspace.name}? Their account stays.`}
              confirmLabel="Remove"
              disabled={busy}
              onConfirm={() => {
                change.reset();
                remove.mutate({ params: { path } });
              }}
            >
              Remove <span className="visually-hidden">{label}</span>
            </ConfirmButton>
          </td>
        ) : null}
      </tr>
      {error ? (
        <tr>
          <td colSpan={canManage ? 5 : 4}>
            <ErrorNotice error={error} title={`${label}:`} />
          </td>
        </tr>
      ) : null}
    </>
  );
}
