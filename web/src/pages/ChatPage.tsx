/** The member's conversations (web and WhatsApp alike) and the one open beside them. */
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useState } from "react";
import { Link, NavLink, useNavigate, useParams } from "react-router-dom";
import { $api } from "../api/client";
import type { Conversation, ConversationState, MemberConversation, Message } from "../api/types";
import { upload } from "../api/upload";
import { useAuth } from "../auth/AuthProvider";
import { Composer, type Draft } from "../components/Composer";
import { MessageList, type PendingMessage } from "../components/Messages";
import { Badge, Empty, ErrorNotice, Loading, LoadMore } from "../components/ui";
import { formatWhen } from "../lib/format";
import { allItems, cursorPaging } from "../lib/pages";
import { invalidateMine, useMemberEvents } from "../lib/events";
import { useDebounced } from "../lib/useDebounced";
import { useAssistantName } from "../lib/workspaces";

const PAGE = 50;

export function conversationTitle(conversation: Pick<Conversation, "title" | "channel"> | undefined): string {
  if (!conversation) return "Conversation";
  return conversation.title?.trim() || (conversation.channel === "whatsapp" ? "WhatsApp chat" : "New conversation");
}

function conversationsInit(search: string) {
  return { params: { query: { limit: PAGE, ...(search ? { search } : {}) } } };
}

export function messagesInit(conversationId: string) {
  return { params: { path: { conversation_id: conversationId }, query: { limit: PAGE, order: "desc" as const } } };
}

/** Who answers the member in a conversation: its state, and the person of the team who has it. */
export interface Answering {
  state: ConversationState;
  /** The person's name, when a person of the team has it and the API names them. */
  person: string | null;
}

/** Who answers, as the API says: the conversation opened (with the person's name), or else as
 * the list has it (the state alone). */
export function answeringOf(
  opened: Pick<MemberConversation, "state" | "answeredBy"> | undefined,
  listed: Pick<Conversation, "state"> | undefined,
): Answering {
  if (opened) return { state: opened.state, person: opened.answeredBy?.trim() || null };
  return { state: listed?.state ?? "assistant", person: null };
}

/** Whether the team has the conversation (and the assistant is quiet). */
export function withTeam(answering: Answering): boolean {
  return answering.state === "waiting" || answering.state === "human";
}

/** Above the conversation: who answers it, and the way to ask for a person of the team. */
export function WhoAnswers({
  answering,
  assistantName,
  onAskForPerson,
  busy,
}: {
  answering: Answering;
  assistantName: string;
  onAskForPerson: () => void;
  busy: boolean;
}) {
  const { state, person } = answering;
  const assistant = state === "assistant" || state === "closed";
  const text =
    state === "waiting"
      ? `Waiting for a person of the team. They will answer here; ${assistantName} stays quiet until then.`
      : state === "human"
        ? `${person ?? "A person of the team"} is answering you.`
        : `${assistantName}, the assistant, is answering you.`;
  return (
    <section
      className={`who-answers ${state === "waiting" ? "with-team" : state === "human" ? "with-person" : ""}`}
      aria-label="Who is answering"
    >
      <p role="status">{text}</p>
      {assistant ? (
        <button type="button" className="button secondary small" onClick={onAskForPerson} disabled={busy}>
          Talk to a person
        </button>
      ) : null}
    </section>
  );
}

export function ChatPage() {
  const { conversationId } = useParams();
  useMemberEvents();
  return (
    <div className="chat" data-open={conversationId ? "thread" : "list"}>
      <ConversationList />
      {conversationId ? (
        <Thread key={conversationId} conversationId={conversationId === "new" ? null : conversationId} />
      ) : (
        <section className="thread thread-empty" aria-label="No conversation open">
          <p>Choose a conversation, or start a new one.</p>
          <Link className="button primary" to="/chat/new">
            New conversation
          </Link>
        </section>
      )}
    </div>
  );
}

function ConversationList() {
  const [search, setSearch] = useState("");
  const term = useDebounced(search.trim(), 250);
  const searchId = useId();
  const conversations = $api.useInfiniteQuery("get", "/conversations", conversationsInit(term), {
    ...cursorPaging,
    refetchInterval: 30_000,
  });
  const items = allItems(conversations.data);
  return (
    <section className="conversation-list" aria-labelledby={`${searchId}-title`}>
      <div className="list-header">
        <h1 id={`${searchId}-title`}>Conversations</h1>
        <Link className="button primary small" to="/chat/new">
          New <span className="visually-hidden">conversation</span>
        </Link>
      </div>
      <div className="search">
        <label htmlFor={searchId} className="visually-hidden">
          Search conversations
        </label>
        <input
          id={searchId}
          type="search"
          placeholder="Search by title"
          value={search}
          onChange={(event) => setSearch(event.target.value)}
        />
      </div>
      {conversations.isPending ? <Loading /> : null}
      <ErrorNotice error={conversations.error} />
      {conversations.isSuccess && items.length === 0 ? (
        <Empty>{term ? `No conversation matches “${term}”.` : "No conversations yet."}</Empty>
      ) : null}
      <ul className="conversations">
        {items.map((conversation) => (
          <li key={conversation.id}>
            <NavLink to={`/chat/${conversation.id}`}>
              <span className="conversation-title">{conversationTitle(conversation)}</span>
              <span className="conversation-meta">
                {conversation.channel === "whatsapp" ? <Badge tone="whatsapp">WhatsApp</Badge> : <Badge>Web</Badge>}{" "}
                <time dateTime={conversation.updatedAt}>{formatWhen(conversation.updatedAt)}</time>
              </span>
            </NavLink>
          </li>
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

function Thread({ conversationId }: { conversationId: string | null }) {
  const { user } = useAuth();
  const assistantName = useAssistantName();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [pending, setPending] = useState<PendingMessage[]>([]);
  const [thinking, setThinking] = useState(false);
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);

  const list = $api.useInfiniteQuery("get", "/conversations", conversationsInit(""), cursorPaging);
  const conversation = allItems(list.data).find((item) => item.id === conversationId);
  const opened = $api.useQuery(
    "get",
    "/conversations/{conversation_id}",
    { params: { path: { conversation_id: conversationId ?? "" } } },
    { enabled: conversationId !== null, refetchInterval: 10_000 },
  );
  const answering = answeringOf(opened.data, conversation);
  const messages = $api.useInfiniteQuery(
    "get",
    "/conversations/{conversation_id}/messages",
    messagesInit(conversationId ?? ""),
    {
      ...cursorPaging,
      enabled: conversationId !== null,
      // Sooner while a person of the team may be writing (until the live stream does it).
      refetchInterval: withTeam(answering) ? 5_000 : 10_000,
    },
  );
  const createConversation = $api.useMutation("post", "/conversations");
  const sendMessage = $api.useMutation("post", "/conversations/{conversation_id}/messages");
  const askForAPerson = $api.useMutation("post", "/conversations/{conversation_id}/handoff");

  const ordered: Message[] = allItems(messages.data).slice().reverse();
  const title = conversationId ? conversationTitle(conversation) : "New conversation";
  useEffect(() => {
    document.title = `${title} · Ignacio`;
  }, [title]);

  async function submit(draft: Draft) {
    setError(null);
    let id = conversationId;
    try {
      if (!id) {
        id = (await createConversation.mutateAsync({ body: {} })).id;
      }
      if (draft.file) {
        // The text goes with the file, as its caption: the assistant answers both together.
        setProgress(0);
        await upload("/conversations/{conversation_id}/files", { conversation_id: id }, draft.file, {
          onProgress: (step) => {
            setProgress(step.fraction);
            // Sent: what is left is the assistant reading it.
            if (step.fraction >= 1 && !withTeam(answering)) setThinking(true);
          },
          fields: draft.text ? { caption: draft.text } : {},
        });
        setProgress(null);
      } else if (draft.text) {
        setPending([{ id: "pending", content: draft.text, note: "Sending…" }]);
        // While the team has the conversation the assistant stays quiet: nobody is writing back
        // right now (the answer comes from a person, later).
        if (!withTeam(answering)) setThinking(true);
        await sendMessage.mutateAsync({ params: { path: { conversation_id: id } }, body: { content: draft.text } });
      }
      await Promise.all([
        invalidateMine(queryClient),
        queryClient.invalidateQueries({ queryKey: ["get", "/files"] }),
      ]);
      if (!conversationId) navigate(`/chat/${id}`, { replace: true });
    } catch (problem) {
      setError(problem);
      if (!conversationId && id) navigate(`/chat/${id}`, { replace: true });
      throw problem;
    } finally {
      setPending([]);
      setThinking(false);
      setProgress(null);
    }
  }

  /** The member asks for a person of the team (a new conversation starts first). */
  async function handOver() {
    setError(null);
    let id = conversationId;
    try {
      if (!id) id = (await createConversation.mutateAsync({ body: {} })).id;
      await askForAPerson.mutateAsync({ params: { path: { conversation_id: id } } });
      await invalidateMine(queryClient, id);
    } catch (problem) {
      setError(problem);
    }
    if (!conversationId && id) navigate(`/chat/${id}`, { replace: true });
  }

  return (
    <section className="thread" aria-labelledby="thread-title">
      <header className="thread-header">
        <Link to="/chat" className="back">
          <span aria-hidden="true">←</span> <span className="visually-hidden">Back to </span>Conversations
        </Link>
        <h2 id="thread-title">{title}</h2>
        {conversation?.channel === "whatsapp" ? <Badge tone="whatsapp">WhatsApp</Badge> : null}
      </header>
      <WhoAnswers
        answering={answering}
        assistantName={assistantName}
        busy={pending.length > 0 || progress !== null || createConversation.isPending || askForAPerson.isPending}
        onAskForPerson={() => void handOver()}
      />
      {/* Focusable, so that the keyboard scrolls it too (its messages may hold no link). */}
      <div className="thread-body" tabIndex={0} role="group" aria-label="The conversation">
        {messages.hasNextPage ? (
          <LoadMore
            hasMore
            loading={messages.isFetchingNextPage}
            onMore={() => void messages.fetchNextPage()}
            label="Earlier messages"
          />
        ) : null}
        {conversationId && messages.isPending ? <Loading label="Loading messages…" /> : null}
        <ErrorNotice error={messages.error} />
        {!conversationId && pending.length === 0 ? (
          <div className="welcome">
            <p>
              Ask {assistantName} anything{user?.name ? `, ${user.name}` : ""}. It can also read files you attach.
            </p>
          </div>
        ) : null}
        {messages.isSuccess && ordered.length === 0 && pending.length === 0 ? <Empty>No messages yet.</Empty> : null}
        <MessageList messages={ordered} pending={pending} thinking={thinking} assistantName={assistantName} />
      </div>
      <div className="thread-footer">
        <ErrorNotice error={error} title="Not sent." />
        <Composer
          onSubmit={submit}
          busy={pending.length > 0 || progress !== null || createConversation.isPending}
          uploadProgress={progress}
          assistantName={assistantName}
          placeholder={withTeam(answering) ? `Write to ${answering.person ?? "the team"}…` : undefined}
        />
      </div>
    </section>
  );
}
