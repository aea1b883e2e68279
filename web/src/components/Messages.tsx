/** A conversation's messages: who wrote each, where (web or WhatsApp), and what became of it. */
import { useEffect, useRef } from "react";
import type { DeliveryStatus, Message } from "../api/types";
import { formatDateTime, formatWhen } from "../lib/format";
import { Markdown } from "./Markdown";
import { MediaAttachment, useMessageFile } from "./MediaAttachment";
import { Badge } from "./ui";

const DELIVERY: Record<DeliveryStatus, { label: string; tone: string; hint: string }> = {
  received: { label: "Received", tone: "neutral", hint: "Received from WhatsApp" },
  pending: { label: "Sending", tone: "neutral", hint: "Waiting to be sent over WhatsApp" },
  sent: { label: "Sent", tone: "neutral", hint: "Sent to WhatsApp" },
  delivered: { label: "Delivered", tone: "success", hint: "Delivered to the phone" },
  read: { label: "Read", tone: "success", hint: "Read on the phone" },
  failed: { label: "Not delivered", tone: "danger", hint: "WhatsApp could not deliver it" },
};

const AUTHOR = { member: "You", staff: "Staff" } as const;
/** Who answers when nobody names the assistant otherwise. */
const ASSISTANT = "Ignacio";

export interface PendingMessage {
  id: string;
  content: string;
  note: string;
}

export function MessageList({
  messages,
  pending = [],
  ownerName,
  assistantName = ASSISTANT,
  thinking = false,
}: {
  messages: Message[];
  pending?: PendingMessage[];
  /** In an admin's view the member is named instead of "You". */
  ownerName?: string;
  /** The name the workspace's assistant speaks under. */
  assistantName?: string;
  thinking?: boolean;
}) {
  const end = useRef<HTMLDivElement>(null);
  const count = messages.length + pending.length;
  useEffect(() => {
    end.current?.scrollIntoView?.({ block: "end" });
  }, [count, thinking]);
  return (
    <div className="messages" role="log" aria-label="Messages" aria-live="polite" aria-relevant="additions">
      {messages.map((message) => (
        <MessageItem key={message.id} message={message} ownerName={ownerName} assistantName={assistantName} />
      ))}
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
}: {
  message: Message;
  ownerName?: string;
  assistantName?: string;
}) {
  const author =
    message.author === "assistant"
      ? assistantName
      : message.author === "member" && ownerName
        ? ownerName
        : AUTHOR[message.author];
  const fromMember = message.isFromUser;
  const delivery = DELIVERY[message.deliveryStatus];
  const outgoingWhatsApp = message.channel === "whatsapp" && !fromMember;
  const attachment = useMessageFile(message);
  // An attachment's message text is its caption, or just the file's name (shown with the file).
  const text = attachment.file && message.content === attachment.file.fileName ? "" : message.content;
  return (
    <article
      className={`message ${fromMember ? "from-member" : "from-assistant"}`}
      aria-label={`${author}, ${formatDateTime(message.createdAt)}`}
    >
      <div className="bubble">
        {message.fileId ? <MediaAttachment {...attachment} /> : null}
        {message.transcript ? (
          <p className="transcript">
            <span className="transcript-label">Voice note: </span>
            {message.transcript}
          </p>
        ) : null}
        {text ? fromMember ? <p className="plain">{text}</p> : <Markdown>{text}</Markdown> : null}
      </div>
      <p className="meta">
        <span className="author">{author}</span>
        {" · "}
        <time dateTime={message.createdAt} title={formatDateTime(message.createdAt)}>
          {formatWhen(message.createdAt)}
        </time>
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
              {delivery.label}
            </Badge>
          </>
        ) : null}
      </p>
    </article>
  );
}
