/** A conversation's messages: who wrote each, where (web or WhatsApp), and what became of it. */
import { useEffect, useRef } from "react";
import type { DeliveryStatus, Failure, Message } from "../api/types";
import { formatDateTime, formatWhen } from "../lib/format";
import { Markdown } from "./Markdown";
import { MediaAttachment, useMessageFile } from "./MediaAttachment";
import { Badge } from "./ui";

const DELIVERY: Record<DeliveryStatus, { label: string; tone: string; hint: string; ticks: string }> = {
  received: { label: "Received", tone: "neutral", hint: "Received from WhatsApp", ticks: "" },
  pending: { label: "Sending", tone: "neutral", hint: "Waiting to be sent over WhatsApp", ticks: "◷" },
  sent: { label: "Sent", tone: "neutral", hint: "Sent to WhatsApp", ticks: "✓" },
  delivered: { label: "Delivered", tone: "success", hint: "Delivered to the phone", ticks: "✓✓" },
  read: { label: "Read", tone: "success", hint: "Read on the phone", ticks: "✓✓" },
  failed: { label: "Not delivered", tone: "danger", hint: "WhatsApp could not deliver it", ticks: "✕" },
};

const AUTHOR = { member: "You", staff: "Staff" } as const;
/** Who answers when nobody names the assistant otherwise. */
const ASSISTANT = "Ignacio";
/** What stands in for a message its member deleted on WhatsApp: the API sends none of its words. */
export const DELETED = "This message was deleted";

export interface PendingMessage {
  id: string;
  content: string;
  note: string;
}

/** A line about the conversation itself among its messages ("Ana took the conversation"). */
export interface SystemNote {
  id: string;
  createdAt: string;
  text: string;
}

/** Who wrote a message, when the caller knows better than the message says (a person's name). */
export type AuthorOf = (message: Message) => string | undefined;

/** Messages and notes in one timeline, by time (a note goes after messages of the same instant). */
function timeline(messages: Message[], notes: SystemNote[]): ({ note: SystemNote } | { message: Message })[] {
  if (notes.length === 0) return messages.map((message) => ({ message }));
  const sorted = notes.slice().sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  const items: ({ note: SystemNote } | { message: Message })[] = [];
  let next = 0;
  for (const message of messages) {
    while (next < sorted.length && Date.parse(sorted[next]!.createdAt) < Date.parse(message.createdAt)) {
      items.push({ note: sorted[next]! });
      next += 1;
    }
    items.push({ message });
  }
  for (; next < sorted.length; next += 1) items.push({ note: sorted[next]! });
  return items;
}

export function MessageList({
  messages,
  pending = [],
  ownerName,
  assistantName = ASSISTANT,
  thinking = false,
  notes = [],
  authorOf,
}: {
  messages: Message[];
  pending?: PendingMessage[];
  /** In an admin's view the member is named instead of "You". */
  ownerName?: string;
  /** The name the workspace's assistant speaks under. */
  assistantName?: string;
  thinking?: boolean;
  /** Changes to the conversation, shown among the messages at their time. */
  notes?: SystemNote[];
  authorOf?: AuthorOf;
}) {
  const end = useRef<HTMLDivElement>(null);
  const count = messages.length + pending.length + notes.length;
  useEffect(() => {
    end.current?.scrollIntoView?.({ block: "end" });
  }, [count, thinking]);
  return (
    <div className="messages" role="log" aria-label="Messages" aria-live="polite" aria-relevant="additions">
      {timeline(messages, notes).map((item) =>
        "note" in item ? (
          <p key={item.note.id} className="system-note">
            <span>{item.note.text}</span>{" "}
            <time dateTime={item.note.createdAt} title={formatDateTime(item.note.createdAt)}>
              {formatWhen(item.note.createdAt)}
            </time>
          </p>
        ) : (
          <MessageItem
            key={item.message.id}
            message={item.message}
            ownerName={ownerName}
            assistantName={assistantName}
            authorOf={authorOf}
          />
        ),
      )}
      {pending.map((message) => (
        <article key={message.id} className="message from-member pending" aria-label="Your message, sending">
          <div className="bubble">
            <p className="plain">{message.content}</p>
          </div>
          <p className="meta">{message.note}</p>
        </article>
      ))}
      {thinking ? (
        <p className="message from-assistant thinking" role="status">
          <span className="bubble">
            <span className="dots" aria-hidden="true">
              <span />
              <span />
              <span />
            </span>{" "}
            {assistantName} is writing…
          </span>
        </p>
      ) : null}
      <div ref={end} />
    </div>
  );
}

export function MessageItem({
  message,
  ownerName,
  assistantName = ASSISTANT,
  authorOf,
}: {
  message: Message;
  ownerName?: string;
  assistantName?: string;
  authorOf?: AuthorOf;
}) {
  const author =
    authorOf?.(message) ??
    (message.author === "assistant"
      ? assistantName
      : message.author === "member" && ownerName
        ? ownerName
        : message.author === "staff" && message.sentByName
          ? message.sentByName
          : AUTHOR[message.author]);
  const fromMember = message.isFromUser;
  const delivery = DELIVERY[message.deliveryStatus];
  const outgoingWhatsApp = message.channel === "whatsapp" && !fromMember;
  // The team's view says why a message failed (the provider's code and words, and what they mean),
  // and what an edited message first said.
  const failure = "failure" in message ? (message as { failure?: Failure | null }).failure : null;
  const originalText =
    "originalText" in message ? (message as { originalText?: string | null }).originalText : null;
  const attachment = useMessageFile(message);
  // An attachment's message text is its caption, or just the file's name (shown with the file).
  const text = attachment.file && message.content === attachment.file.fileName ? "" : message.content;
  return (
    <article
      className={`message ${fromMember ? "from-member" : "from-assistant"}${message.deleted ? " deleted" : ""}`}
      aria-label={`${author}, ${formatDateTime(message.createdAt)}`}
    >
      <div className="bubble">
        {message.deleted ? (
          <p className="deleted-note">
            <span aria-hidden="true">⊘ </span>
            {DELETED}
          </p>
        ) : (
          <>
            {message.fileId ? <MediaAttachment {...attachment} /> : null}
            {message.transcript ? (
              <p className="transcript">
                <span className="transcript-label">Voice note: </span>
                {message.transcript}
              </p>
            ) : null}
            {text ? fromMember ? <p className="plain">{text}</p> : <Markdown>{text}</Markdown> : null}
          </>
        )}
      </div>
      {message.edited && originalText !== null && originalText !== undefined ? (
        <details className="original-text">
          <summary>Before the edit</summary>
          <p className="plain">{originalText || "(no text)"}</p>
        </details>
      ) : null}
      <p className="meta">
        <span className="author">{author}</span>
        {" · "}
        <time dateTime={message.createdAt} title={formatDateTime(message.createdAt)}>
          {formatWhen(message.createdAt)}
        </time>
        {message.edited ? (
          <>
            {" · "}
            <span className="edited" title={message.editedAt ? `Edited ${formatDateTime(message.editedAt)}` : "Edited"}>
              edited
            </span>
          </>
        ) : null}
        {message.channel === "whatsapp" ? (
          <>
            {" "}
            <Badge tone="whatsapp" title={fromMember ? "Written on WhatsApp" : "Sent over WhatsApp"}>
              WhatsApp
            </Badge>
          </>
        ) : null}
        {outgoingWhatsApp ? (
          <>
            {" "}
            <Badge tone={delivery.tone} title={delivery.hint}>
              {delivery.ticks ? (
                <>
                  <span className="ticks" aria-hidden="true">
                    {delivery.ticks}
                  </span>{" "}
                </>
              ) : null}
              <span>{delivery.label}</span>
            </Badge>
          </>
        ) : null}
      </p>
      {failure ? (
        <p className="failure-reason" role="note">
          <strong>Not delivered:</strong> {failure.explanation}
          {failure.code !== null || failure.providerReason ? (
            <span className="muted">
              {" "}
              (
              {[failure.code !== null ? `error ${failure.code}` : null, failure.providerReason].filter(Boolean).join(": ")})
            </span>
          ) : null}
        </p>
      ) : null}
    </article>
  );
}
