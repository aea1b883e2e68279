/**
 * The team inbox: a workspace's conversations for its agents and admins (and platform admins),
 * newest activity first, and the one open beside them, where the team takes it over, replies by
 * hand on its channel, hands it back to the assistant or closes it. Live: the workspace's event
 * stream refreshes what changed; without it, the list and the thread poll.
 */
import { useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useId, useRef, useState } from "react";
import { Link, NavLink, useLocation, useParams, useSearchParams } from "react-router-dom";
import { $api } from "../api/client";
import { upload } from "../api/upload";
import type {
  Channel,
  ConversationSummary,
  InboxConversation,
  Message,
  ReplyTemplate,
  TeamMessage,
  Workspace,
} from "../api/types";
import { useAuth } from "../auth/AuthProvider";
import { Composer, type Draft } from "../components/Composer";
import { type AuthorOf, DELETED, MessageList, type SystemNote } from "../components/Messages";
import { Badge, Empty, ErrorNotice, Loading, LoadMore, Notice } from "../components/ui";
import { ProgressBadge, ProgressPanel } from "../components/WorkflowProgress";
import { invalidateInbox, useWorkspaceEvents } from "../lib/events";
import { displayName, formatDateTime, formatWhen, numberOf, shownName } from "../lib/format";
import {
  describeChange,
  formatLastActivity,
  lastActivity,
  memberName,
  personName,
  replyWindow,
  stateLabel,
  useNow,
} from "../lib/inbox";
import { allItems, cursorPaging } from "../lib/pages";
import { useDebounced } from "../lib/useDebounced";
import { assistantName as assistantNameOf, runsWorkspace, seesWorkspacePage, useCurrentWorkspace } from "../lib/workspaces";

const PAGE = 50;
/** Without the live stream: how often the list and the open thread are asked for again. */
const LIST_POLL_MS = 10_000;
const THREAD_POLL_MS = 5_000;
/** With it: a slow safety net, in case an event was missed. */
const LIVE_POLL_MS = 60_000;

const INBOX = "/workspaces/{workspace}/inbox";
const THREAD = "/workspaces/{workspace}/inbox/{conversation_id}";
const MESSAGES = "/workspaces/{workspace}/inbox/{conversation_id}/messages";
const FILES = "/workspaces/{workspace}/inbox/{conversation_id}/files";

export type InboxView = "all" | "waiting" | "mine" | "assistant" | "closed";

const VIEWS: { id: InboxView; label: string }[] = [
  { id: "all", label: "All" },
  { id: "waiting", label: "Waiting" },
  { id: "mine", label: "Mine" },
  { id: "assistant", label: "Assistant" },
  { id: "closed", label: "Closed" },
];

const VIEW_QUERY: Record<InboxView, { state?: ("assistant" | "waiting" | "human" | "closed")[]; mine?: boolean }> = {
  all: {},
  waiting: { state: ["waiting"] },
  mine: { mine: true },
  assistant: { state: ["assistant"] },
  closed: { state: ["closed"] },
};

const EMPTY: Record<InboxView, string> = {
  all: "No conversations yet.",
  waiting: "Nobody is waiting for a person.",
  mine: "You have no conversations.",
  assistant: "The assistant has no conversations.",
  closed: "No closed conversations.",
};

function viewOf(value: string | null): InboxView {
  return VIEWS.some((view) => view.id === value) ? (value as InboxView) : "all";
}

export function InboxPage() {
  const { user } = useAuth();
  const { current, settled, error } = useCurrentWorkspace();
  const team = current !== undefined && seesWorkspacePage(user, current);
  useEffect(() => {
    document.title = "Inbox · Ignacio";
  }, []);
  if (!team) {
    return (
      <main id="main" className="page">
        <h1 tabIndex={-1}>Inbox</h1>
        {!settled ? <Loading label="Loading workspaces…" /> : null}
        <ErrorNotice error={error} />
        {settled && !error ? (
          <p>The inbox is for the people who handle a workspace's conversations. Ask one of its admins if you need access.</p>
        ) : null}
      </main>
    );
  }
  return <Inbox key={current.id} workspace={current} />;
}

function Inbox({ workspace }: { workspace: Workspace }) {
  const { conversationId } = useParams();
  const live = useWorkspaceEvents(workspace.slug);
  return (
    <div className="chat inbox" data-open={conversationId ? "thread" : "list"} data-live={live ? "yes" : "no"}>
      <InboxList workspace={workspace} live={live} />
      {conversationId ? (
        <Thread key={conversationId} workspace={workspace} conversationId={conversationId} live={live} />
      ) : (
        <section className="thread thread-empty" aria-label="No conversation open">
          <p>Choose a conversation to read it, take it over and reply.</p>
        </section>
      )}
    </div>
  );
}

function InboxList({ workspace, live }: { workspace: Workspace; live: boolean }) {
  const { user } = useAuth();
  const id = useId();
  const [params, setParams] = useSearchParams();
  // Another view keeps the open conversation open beside it.
  const { pathname } = useLocation();
  const view = viewOf(params.get("view"));
  const channel = (params.get("channel") ?? "") as Channel | "";
  const unread = params.get("unread") === "1";
  const qualified = params.get("qualified") ?? "";
  const search = params.get("search") ?? "";
  const term = useDebounced(search.trim(), 250);
  const assistant = assistantNameOf(workspace);

  function setFilter(name: string, value: string) {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    setParams(next, { replace: true });
  }

  const query = {
    limit: PAGE,
    ...VIEW_QUERY[view],
    ...(channel ? { channel } : {}),
    ...(unread ? { unread: true } : {}),
    ...(qualified ? { qualified: qualified === "yes" } : {}),
    ...(term ? { search: term } : {}),
  };
  const conversations = $api.useInfiniteQuery(
    "get",
    INBOX,
    { params: { path: { workspace: workspace.slug }, query } },
    { ...cursorPaging, refetchInterval: live ? LIVE_POLL_MS : LIST_POLL_MS },
  );
  const items = allItems(conversations.data);
  const filtered = Boolean(channel || unread || qualified || term);
  const viewSearch = (next: InboxView) => {
    const copy = new URLSearchParams(params);
    if (next === "all") copy.delete("view");
    else copy.set("view", next);
    const text = copy.toString();
    return text ? `?${text}` : "";
  };

  return (
    <section className="conversation-list inbox-list" aria-labelledby={`${id}-title`}>
      <div className="list-header">
        <h1 id={`${id}-title`} tabIndex={-1}>
          Inbox
        </h1>
        <span className={live ? "live-dot on" : "live-dot"} title={live ? "Live: changes show as they happen" : "Refreshing every few seconds"}>
          <span className="visually-hidden">{live ? "Live updates on" : "Live updates off: refreshing every few seconds"}</span>
        </span>
      </div>
      <nav aria-label="Inbox views" className="inbox-views">
        <ul>
          {VIEWS.map((item) => (
            <li key={item.id}>
              <Link
                to={{ pathname, search: viewSearch(item.id) }}
                aria-current={view === item.id ? "page" : undefined}
                className={view === item.id ? "active" : undefined}
              >
                {item.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <form className="inbox-filters" role="search" aria-label="Filter the inbox" onSubmit={(event) => event.preventDefault()}>
        <div>
          <label htmlFor={`${id}-search`} className="visually-hidden">
            Search by title
          </label>
          <input
            id={`${id}-search`}
            type="search"
            placeholder="Search by title"
            value={search}
            onChange={(event) => setFilter("search", event.target.value)}
          />
        </div>
        <div className="inbox-filter-row">
          <label htmlFor={`${id}-channel`} className="visually-hidden">
            Channel
          </label>
          <select id={`${id}-channel`} value={channel} onChange={(event) => setFilter("channel", event.target.value)}>
            <option value="">Web and WhatsApp</option>
            <option value="whatsapp">WhatsApp</option>
            <option value="web">Web</option>
          </select>
          <label htmlFor={`${id}-qualified`} className="visually-hidden">
            Workflow steps
          </label>
          <select id={`${id}-qualified`} value={qualified} onChange={(event) => setFilter("qualified", event.target.value)}>
            <option value="">Qualified or not</option>
            <option value="yes">Qualified</option>
            <option value="no">In progress</option>
          </select>
          <span className="checkbox">
            <input
              id={`${id}-unread`}
              type="checkbox"
              checked={unread}
              onChange={(event) => setFilter("unread", event.target.checked ? "1" : "")}
            />
            <label htmlFor={`${id}-unread`}>Unread only</label>
          </span>
        </div>
      </form>
      {conversations.isPending ? <Loading label="Loading the inbox…" /> : null}
      <ErrorNotice error={conversations.error} />
      {conversations.isSuccess && items.length === 0 ? (
        <Empty>{filtered ? "No conversation matches these filters." : EMPTY[view]}</Empty>
      ) : null}
      <ul className="conversations inbox-rows" aria-label="Conversations">
        {items.map((conversation) => (
          <InboxRow
            key={conversation.id}
            conversation={conversation}
            search={params.toString()}
            me={user?.id}
            assistant={assistant}
          />
        ))}
      </ul>
      <LoadMore
        hasMore={conversations.hasNextPage}
        loading={conversations.isFetchingNextPage}
        onMore={() => void conversations.fetchNextPage()}
        label="Older conversations"
      />
    </section>
  );
}

function preview(conversation: InboxConversation, assistant: string): string {
  const last = conversation.lastMessage;
  if (!last) return "No messages yet.";
  const who = last.author === "assistant" ? `${assistant}: ` : last.author === "staff" ? "Team: " : "";
  const text = last.deleted ? DELETED : last.transcript || last.content;
  return who + text.replace(/\s+/g, " ").trim();
}

function InboxRow({
  conversation,
  search,
  me,
  assistant,
}: {
  conversation: InboxConversation;
  search: string;
  me: string | undefined;
  assistant: string;
}) {
  const name = memberName(conversation);
  const state = stateLabel(conversation, me);
  const unread = conversation.unread ?? 0;
  const when = lastActivity(conversation);
  return (
    <li>
      <NavLink to={{ pathname: `/inbox/${conversation.id}`, search }} className={unread > 0 ? "unread" : undefined}>
        <span className="inbox-row-top">
          <span className="conversation-title">{name}</span>
          <time dateTime={when} title={formatDateTime(when)}>
            {formatLastActivity(conversation)}
          </time>
        </span>
        <span className="inbox-preview">{preview(conversation, assistant)}</span>
        <span className="conversation-meta">
          <Badge tone={state.tone} title={state.hint}>
            {conversation.state === "human" ? <span className="visually-hidden">With </span> : null}
            {state.label}
          </Badge>{" "}
          {conversation.channel === "whatsapp" ? <Badge tone="whatsapp">WhatsApp</Badge> : <Badge>Web</Badge>}
          {conversation.progress ? <> <ProgressBadge progress={conversation.progress} /></> : null}
          {unread > 0 ? (
            <>
              {" "}
              <Badge tone="unread">
                {unread >= 100 ? "100+" : unread}
                <span className="visually-hidden"> unread</span>
              </Badge>
            </>
          ) : null}
        </span>
      </NavLink>
    </li>
  );
}

function Thread({ workspace, conversationId, live }: { workspace: Workspace; conversationId: string; live: boolean }) {
  const { user } = useAuth();
  const queryClient = useQueryClient();
  const [params] = useSearchParams();
  const assistant = assistantNameOf(workspace);
  const path = { workspace: workspace.slug, conversation_id: conversationId };
  const thread = $api.useQuery("get", THREAD, { params: { path } }, { refetchInterval: live ? LIVE_POLL_MS : THREAD_POLL_MS });
  const messages = $api.useInfiniteQuery(
    "get",
    MESSAGES,
    { params: { path, query: { limit: PAGE, order: "desc" as const } } },
    { ...cursorPaging, refetchInterval: live ? LIVE_POLL_MS : THREAD_POLL_MS },
  );
  const conversation = thread.data?.conversation;
  const name = conversation ? memberName(conversation) : "Conversation";
  useEffect(() => {
    document.title = `${name} · Inbox · Ignacio`;
  }, [name]);

  const [notice, setNotice] = useState<string | null>(null);
  const [problem, setProblem] = useState<unknown>(null);
  const after = {
    onSuccess: () => invalidateInbox(queryClient, conversationId),
    onError: (error: unknown) => {
      setProblem(error);
      // Someone changed it a moment ago (409), or it is gone: show where it stands now.
      void invalidateInbox(queryClient, conversationId);
    },
  };
  const take = $api.useMutation("post", "/workspaces/{workspace}/inbox/{conversation_id}/take", after);
  const handBack = $api.useMutation("post", "/workspaces/{workspace}/inbox/{conversation_id}/hand-back", after);
  const close = $api.useMutation("post", "/workspaces/{workspace}/inbox/{conversation_id}/close", after);
  const markRead = $api.useMutation("post", "/workspaces/{workspace}/inbox/{conversation_id}/read", {
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["get", INBOX] }),
  });
  const markUnread = $api.useMutation("delete", "/workspaces/{workspace}/inbox/{conversation_id}/read", after);
  const reply = $api.useMutation("post", "/workspaces/{workspace}/inbox/{conversation_id}/replies");
  const summarize = $api.useMutation("post", "/workspaces/{workspace}/inbox/{conversation_id}/summary", after);
  const busy = take.isPending || handBack.isPending || close.isPending || markUnread.isPending;

  // Opening the thread marks it read for the caller, and so does every new message of the
  // member's that arrives while it is open.
  const lastMemberAt = conversation?.lastMemberMessageAt ?? null;
  const marked = useRef<string | null>(null);
  const { mutate: markReadNow } = markRead;
  useEffect(() => {
    if (!lastMemberAt || marked.current === lastMemberAt) return;
    marked.current = lastMemberAt;
    markReadNow({ params: { path: { workspace: workspace.slug, conversation_id: conversationId } } });
  }, [lastMemberAt, markReadNow, workspace.slug, conversationId]);

  // An action's button may be gone once it is done (Take, Close): keep keyboard users in the
  // actions rather than lost at the top of the page.
  const header = useRef<HTMLElement>(null);
  useEffect(() => {
    if (notice && (document.activeElement === document.body || document.activeElement === null)) {
      header.current?.querySelector<HTMLButtonElement>(".inbox-actions button:not(:disabled)")?.focus();
    }
  }, [notice]);

  function act(run: () => void) {
    setProblem(null);
    setNotice(null);
    run();
  }

  const ordered: TeamMessage[] = allItems(messages.data).slice().reverse();
  const notes: SystemNote[] = (thread.data?.changes ?? []).map((change) => ({
    id: change.id,
    createdAt: change.createdAt,
    text: describeChange(change, name, assistant),
  }));
  const authorOf: AuthorOf = (message: Message) => {
    if (message.author !== "staff") return undefined;
    const sender = (message as TeamMessage).sentBy;
    if (!sender) return "Team";
    return sender.id === user?.id ? `${personName(sender)} (you)` : personName(sender);
  };

  const [progress, setProgress] = useState<number | null>(null);
  async function send(draft: Draft) {
    setProblem(null);
    setNotice(null);
    try {
      if (draft.file) {
        // The text goes with the file, as its caption.
        setProgress(0);
        await upload(FILES, path, draft.file, {
          onProgress: (step) => setProgress(step.fraction),
          fields: draft.text ? { caption: draft.text } : {},
        });
      } else {
        await reply.mutateAsync({ params: { path }, body: { content: draft.text } });
      }
    } catch (error) {
      setProblem(error);
      void invalidateInbox(queryClient, conversationId);
      throw error;
    } finally {
      setProgress(null);
    }
    await invalidateInbox(queryClient, conversationId);
  }

  /** A knowledge-base document, copied to the member with an optional caption. */
  const shareDocument = $api.useMutation("post", "/workspaces/{workspace}/inbox/{conversation_id}/documents");
  async function sendDocument(documentId: string, caption: string) {
    setProblem(null);
    setNotice(null);
    try {
      await shareDocument.mutateAsync({ params: { path }, body: { documentId, caption: caption || null } });
    } catch (error) {
      setProblem(error);
      void invalidateInbox(queryClient, conversationId);
      throw error;
    }
    setNotice("The document is on its way.");
    await invalidateInbox(queryClient, conversationId);
  }

  const template = $api.useMutation("post", "/workspaces/{workspace}/inbox/{conversation_id}/template");
  async function sendTemplate(parameters: string[]) {
    setProblem(null);
    setNotice(null);
    try {
      await template.mutateAsync({ params: { path }, body: { parameters } });
    } catch (error) {
      setProblem(error);
      void invalidateInbox(queryClient, conversationId);
      throw error;
    }
    setNotice("The template is on its way.");
    await invalidateInbox(queryClient, conversationId);
  }

  const back = params.toString();
  return (
    <section className="thread inbox-thread" aria-labelledby="thread-title">
      <header ref={header} className="thread-header inbox-thread-header">
        <Link to={{ pathname: "/inbox", search: back ? `?${back}` : "" }} className="back">
          <span aria-hidden="true">←</span> <span className="visually-hidden">Back to the </span>Inbox
        </Link>
        <div className="inbox-who">
          <h2 id="thread-title">{name}</h2>
          {conversation ? (
            <p className="muted inbox-who-details">
              {conversation.member && shownName(conversation.member) ? `${numberOf(conversation.member)} · ` : ""}
              {conversation.channel === "whatsapp" ? <Badge tone="whatsapp">WhatsApp</Badge> : <Badge>Web</Badge>}{" "}
              <StateLine conversation={conversation} me={user?.id} assistant={assistant} />
            </p>
          ) : null}
        </div>
        {conversation ? (
          <ThreadActions
            workspace={workspace}
            conversation={conversation}
            me={user?.id}
            busy={busy}
            onTake={(assigneeId) =>
              act(() =>
                take.mutate(
                  { params: { path }, body: assigneeId ? { assigneeId } : null },
                  {
                    onSuccess: (data) =>
                      setNotice(
                        assigneeId ? `${personName(data.conversation.assignee)} has the conversation now.` : "You have the conversation now.",
                      ),
                  },
                ),
              )
            }
            onHandBack={() =>
              act(() =>
                handBack.mutate({ params: { path } }, { onSuccess: () => setNotice(`${assistant} answers ${name} again.`) }),
              )
            }
            onClose={() =>
              act(() => close.mutate({ params: { path } }, { onSuccess: () => setNotice("The conversation is closed.") }))
            }
            onMarkUnread={() =>
              act(() => markUnread.mutate({ params: { path } }, { onSuccess: () => setNotice("Marked unread.") }))
            }
          />
        ) : null}
      </header>
      {/* Focusable, so that the keyboard scrolls it too (its messages may hold no link). */}
      <div className="thread-body" tabIndex={0} role="group" aria-label={`Messages with ${name}`}>
        {thread.isPending ? <Loading label="Loading the conversation…" /> : null}
        <ErrorNotice error={thread.error ?? messages.error} />
        {messages.hasNextPage ? (
          <LoadMore
            hasMore
            loading={messages.isFetchingNextPage}
            onMore={() => void messages.fetchNextPage()}
            label="Earlier messages"
          />
        ) : null}
        {thread.data ? (
          <SummaryPanel
            summary={thread.data.summary}
            busy={summarize.isPending}
            canAsk={ordered.length > 0}
            onAsk={() => act(() => summarize.mutate({ params: { path } }))}
          />
        ) : null}
        <ProgressPanel workspace={workspace.slug} conversationId={conversationId} assistant={assistant} />
        {messages.isSuccess && ordered.length === 0 && notes.length === 0 ? <Empty>No messages yet.</Empty> : null}
        <MessageList messages={ordered} notes={notes} ownerName={name} assistantName={assistant} authorOf={authorOf} />
      </div>
      <div className="thread-footer">
        {notice ? <Notice tone="success">{notice}</Notice> : null}
        <ErrorNotice error={problem} title="Not done." />
        {conversation ? (
          <ReplyBox
            conversation={conversation}
            me={user?.id}
            assistant={assistant}
            busy={reply.isPending || template.isPending || progress !== null || shareDocument.isPending}
            uploadProgress={progress}
            onSend={send}
            onSendDocument={sendDocument}
            workspace={workspace}
            template={workspace.replyTemplate}
            canSetTemplate={runsWorkspace(user, workspace)}
            onSendTemplate={sendTemplate}
          />
        ) : null}
      </div>
    </section>
  );
}

/** The conversation's newest summary, for whoever takes it over to read before the thread. */
function SummaryPanel({
  summary,
  busy,
  canAsk,
  onAsk,
}: {
  summary: ConversationSummary | null;
  busy: boolean;
  canAsk: boolean;
  onAsk: () => void;
}) {
  const ask = (label: string) => (
    <button type="button" className="button secondary small" onClick={onAsk} disabled={busy || !canAsk}>
      {busy ? "Summarising…" : label}
    </button>
  );
  if (!summary) {
    return canAsk ? <div className="thread-summary empty">{ask("Summarise the conversation")}</div> : null;
  }
  const who = summary.automatic
    ? "Made when it was handed to the team"
    : summary.requestedBy
      ? `Asked for by ${personName(summary.requestedBy)}`
      : "Asked for";
  const by = summary.model === "offline" ? "quoted from the conversation (no model)" : summary.model ? `by ${summary.model}` : null;
  return (
    <section className="thread-summary" aria-labelledby="thread-summary-title">
      <h3 id="thread-summary-title">Summary</h3>
      <p className="summary-text">{summary.text}</p>
      <p className="muted summary-meta">
        {who}
        {by ? `, ${by}` : ""}, covering {summary.messagesRead} message{summary.messagesRead === 1 ? "" : "s"} up to{" "}
        <time dateTime={summary.lastMessageAt}>{formatDateTime(summary.lastMessageAt)}</time>.
      </p>
      {summary.stale ? (
        <p className="summary-stale">
          Newer messages came since. {ask("Summarise again")}
        </p>
      ) : null}
    </section>
  );
}

function StateLine({ conversation, me, assistant }: { conversation: InboxConversation; me: string | undefined; assistant: string }) {
  const since = conversation.stateSince ? ` since ${formatWhen(conversation.stateSince)}` : "";
  switch (conversation.state) {
    case "assistant":
      return <span>{assistant} answers</span>;
    case "waiting":
      return <span className="state-waiting">Waiting for a person of the team{since}</span>;
    case "human":
      return <span>{conversation.assignee?.id === me ? "You have it" : `${personName(conversation.assignee)} has it`}{since}</span>;
    case "closed":
      return <span>Closed{since}</span>;
  }
}

function ThreadActions({
  workspace,
  conversation,
  me,
  busy,
  onTake,
  onHandBack,
  onClose,
  onMarkUnread,
}: {
  workspace: Workspace;
  conversation: InboxConversation;
  me: string | undefined;
  busy: boolean;
  onTake: (assigneeId?: string) => void;
  onHandBack: () => void;
  onClose: () => void;
  onMarkUnread: () => void;
}) {
  const [assigning, setAssigning] = useState(false);
  const opener = useRef<HTMLButtonElement>(null);
  const mine = conversation.state === "human" && conversation.assignee?.id === me;
  const withTeam = conversation.state === "waiting" || conversation.state === "human";
  return (
    <div className="inbox-actions" role="group" aria-label="Conversation actions">
      {!mine ? (
        <button type="button" className="button primary small" disabled={busy} onClick={() => onTake()}>
          {conversation.state === "human" ? "Take over" : "Take"}
        </button>
      ) : null}
      <button
        ref={opener}
        type="button"
        className="button secondary small"
        disabled={busy}
        aria-expanded={assigning}
        onClick={() => setAssigning((open) => !open)}
      >
        Assign to…
      </button>
      {withTeam ? (
        <button type="button" className="button secondary small" disabled={busy} onClick={onHandBack}>
          Hand back to assistant
        </button>
      ) : null}
      {conversation.state !== "closed" ? (
        <button type="button" className="button secondary small" disabled={busy} onClick={onClose}>
          Close
        </button>
      ) : null}
      <button
        type="button"
        className="button link small"
        disabled={busy || !conversation.lastMemberMessageAt}
        onClick={onMarkUnread}
      >
        Mark unread
      </button>
      {assigning ? (
        <AssignForm
          workspace={workspace}
          exclude={[me, conversation.state === "human" ? conversation.assignee?.id : undefined]}
          busy={busy}
          onAssign={(assigneeId) => {
            setAssigning(false);
            onTake(assigneeId);
          }}
          onCancel={() => {
            setAssigning(false);
            opener.current?.focus();
          }}
        />
      ) : null}
    </div>
  );
}

/** A teammate to give the conversation to: the workspace's agents and admins. */
function AssignForm({
  workspace,
  exclude,
  busy,
  onAssign,
  onCancel,
}: {
  workspace: Workspace;
  exclude: (string | undefined)[];
  busy: boolean;
  onAssign: (assigneeId: string) => void;
  onCancel: () => void;
}) {
  const id = useId();
  const select = useRef<HTMLSelectElement>(null);
  const members = $api.useQuery(
    "get",
    "/workspaces/{workspace}/members",
    { params: { path: { workspace: workspace.slug }, query: { limit: 200 } } },
    { staleTime: 60_000 },
  );
  const teammates = (members.data?.items ?? []).filter(
    (member) => (member.role === "agent" || member.role === "admin") && member.user.isActive && !exclude.includes(member.user.id),
  );
  const [chosen, setChosen] = useState("");
  useEffect(() => {
    select.current?.focus();
  }, [members.isSuccess]);
  function submit(event: FormEvent) {
    event.preventDefault();
    if (chosen) onAssign(chosen);
  }
  return (
    <form
      className="inline-form assign-form"
      aria-label="Assign the conversation"
      onSubmit={submit}
      onKeyDown={(event) => {
        if (event.key === "Escape") onCancel();
      }}
    >
      {members.isPending ? <Loading label="Loading the team…" /> : null}
      <ErrorNotice error={members.error} />
      {members.isSuccess ? (
        teammates.length > 0 ? (
          <>
            <label htmlFor={id}>Teammate</label>
            <select ref={select} id={id} value={chosen} onChange={(event) => setChosen(event.target.value)}>
              <option value="">Choose…</option>
              {teammates.map((member) => (
                <option key={member.user.id} value={member.user.id}>
                  {displayName(member.user)} ({member.role})
                </option>
              ))}
            </select>
            <button type="submit" className="button primary small" disabled={!chosen || busy}>
              Assign
            </button>
          </>
        ) : (
          <span className="muted">Nobody else in the team can take it.</span>
        )
      ) : null}
      <button type="button" className="button secondary small" onClick={onCancel}>
        Cancel
      </button>
    </form>
  );
}

function ReplyBox({
  conversation,
  me,
  assistant,
  busy,
  uploadProgress,
  onSend,
  onSendDocument,
  workspace,
  template,
  canSetTemplate,
  onSendTemplate,
}: {
  conversation: InboxConversation;
  me: string | undefined;
  assistant: string;
  busy: boolean;
  /** 0 to 1 while a file is uploading, else null. */
  uploadProgress: number | null;
  onSend: (draft: Draft) => Promise<void>;
  /** Rejects to keep the choice (the caller shows the error). */
  onSendDocument: (documentId: string, caption: string) => Promise<void>;
  workspace: Workspace;
  /** The workspace's approved template, for outside the window. */
  template: ReplyTemplate | null;
  /** Whether the caller sets it (the workspace's admins). */
  canSetTemplate: boolean;
  /** Rejects to keep the values typed (the caller shows the error). */
  onSendTemplate: (parameters: string[]) => Promise<void>;
}) {
  const now = useNow(30_000);
  const time = replyWindow(conversation, now);
  const name = memberName(conversation);
  const closed = time.kind === "closed";
  let taking: string | null = null;
  if (conversation.state === "assistant" || conversation.state === "waiting" || conversation.state === "closed") {
    taking = `Replying takes the conversation for you: ${assistant} stays quiet until you hand it back.`;
  } else if (conversation.assignee?.id !== me) {
    taking = `${personName(conversation.assignee)} has this conversation; your reply goes out under your name.`;
  }
  return (
    <div className="reply-box">
      {time.kind === "open" ? (
        <p className={time.closingSoon ? "reply-window closing" : "reply-window"}>
          <strong>{time.left}</strong> left to reply on WhatsApp{" "}
          <span className="muted">
            (the 24-hour window closes at{" "}
            <time dateTime={time.closesAt} title={formatDateTime(time.closesAt)}>
              {formatDateTime(time.closesAt)}
            </time>
            )
          </span>
        </p>
      ) : null}
      {closed ? (
        <div className="notice notice-warning reply-window-closed" role="status">
          {time.closedAt ? (
            <>
              WhatsApp's 24-hour window closed at{" "}
              <time dateTime={time.closedAt}>{formatDateTime(time.closedAt)}</time>: {name} last wrote more than a day
              ago, so only an approved template can reach them now.
            </>
          ) : (
            <>{name} has not written on WhatsApp yet, so only an approved template can reach them.</>
          )}{" "}
          A reply is possible again as soon as they write.
        </div>
      ) : null}
      {closed ? (
        <div className="template-slot" data-slot="template-picker">
          {template ? (
            <TemplateForm template={template} memberName={name} busy={busy} onSend={onSendTemplate} />
          ) : (
            <p className="muted">
              This workspace has no approved template yet.{" "}
              {canSetTemplate ? (
                <>
                  Set it in the <Link to="/workspace">workspace's settings</Link>.
                </>
              ) : (
                "An admin of the workspace sets it in its settings."
              )}
            </p>
          )}
        </div>
      ) : null}
      {taking && !closed ? <p className="hint reply-taking">{taking}</p> : null}
      <Composer
        onSubmit={onSend}
        busy={busy}
        uploadProgress={uploadProgress}
        disabled={closed}
        allowFiles={!closed}
        label={`Reply to ${name}`}
        placeholder={closed ? "Free text cannot reach them now" : `Reply to ${name}…`}
      />
      {closed ? null : <KnowledgeShare workspace={workspace} busy={busy} memberName={name} onSend={onSendDocument} />}
    </div>
  );
}

/** Send the member a document of the workspace's knowledge base (a copy joins their files). */
function KnowledgeShare({
  workspace,
  busy,
  memberName: name,
  onSend,
}: {
  workspace: Workspace;
  busy: boolean;
  memberName: string;
  onSend: (documentId: string, caption: string) => Promise<void>;
}) {
  const [open, setOpen] = useState(false);
  const [chosen, setChosen] = useState("");
  const [caption, setCaption] = useState("");
  const selectId = useId();
  const captionId = useId();
  const documents = $api.useQuery(
    "get",
    "/workspaces/{workspace}/knowledge",
    { params: { path: { workspace: workspace.slug }, query: { limit: 100 } } },
    { enabled: open, staleTime: 30_000 },
  );
  const items = documents.data?.items ?? [];

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!chosen || busy) return;
    try {
      await onSend(chosen, caption.trim());
      setChosen("");
      setCaption("");
      setOpen(false);
    } catch {
      // The thread shows what went wrong; the choice stays for another try.
    }
  }

  return (
    <details className="knowledge-share" open={open} onToggle={(event) => setOpen(event.currentTarget.open)}>
      <summary>Send a document from the knowledge base</summary>
      {documents.isPending && open ? <Loading label="Loading the documents…" /> : null}
      <ErrorNotice error={documents.error} />
      {documents.isSuccess && items.length === 0 ? (
        <p className="muted">The knowledge base has no documents yet.</p>
      ) : null}
      {items.length > 0 ? (
        <form onSubmit={submit} aria-label={`Send ${name} a knowledge-base document`}>
          <label htmlFor={selectId}>Document</label>
          <select id={selectId} value={chosen} onChange={(event) => setChosen(event.target.value)} required>
            <option value="">Choose a document…</option>
            {items.map((document) => (
              <option key={document.id} value={document.id}>
                {document.fileName}
              </option>
            ))}
          </select>
          <label htmlFor={captionId}>Caption (optional)</label>
          <input
            id={captionId}
            type="text"
            value={caption}
            maxLength={1024}
            onChange={(event) => setCaption(event.target.value)}
          />
          <button type="submit" className="button secondary" disabled={!chosen || busy}>
            Send document
          </button>
        </form>
      ) : null}
    </details>
  );
}

/** The workspace's approved template, its variables filled in: the one message WhatsApp takes
 * once the window has closed. */
function TemplateForm({
  template,
  memberName: name,
  busy,
  onSend,
}: {
  template: ReplyTemplate;
  memberName: string;
  busy: boolean;
  onSend: (parameters: string[]) => Promise<void>;
}) {
  const id = useId();
  const labels = template.variables ?? [];
  const [values, setValues] = useState<string[]>(() => labels.map(() => ""));
  const complete = values.every((value) => value.trim() !== "");
  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!complete || busy) return;
    try {
      await onSend(values.map((value) => value.trim()));
      setValues(labels.map(() => ""));
    } catch {
      // The thread shows why; the values stay for another try.
    }
  }
  return (
    <form className="template-form" aria-label="Send the approved template" onSubmit={(event) => void submit(event)}>
      <p>
        Send {name} the approved template <code>{template.name}</code>
        {template.language ? ` (${template.language})` : ""}
        {labels.length > 0 ? ", filled in:" : "."}
      </p>
      {labels.map((label, index) => (
        <div key={`${label}-${index}`} className="template-field">
          <label htmlFor={`${id}-${index}`}>{label}</label>
          <input
            id={`${id}-${index}`}
            value={values[index] ?? ""}
            maxLength={1024}
            required
            onChange={(event) => setValues((old) => old.map((value, at) => (at === index ? event.target.value : value)))}
          />
        </div>
      ))}
      <button type="submit" className="button primary small" disabled={busy || !complete}>
        {busy ? "Sending…" : "Send template"}
      </button>
    </form>
  );
}
