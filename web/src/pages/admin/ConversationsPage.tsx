/** Every conversation, filtered by member, channel and period; each opens read-only. */
import { useId } from "react";
import { Link, useSearchParams } from "react-router-dom";
import { $api } from "../../api/client";
import type { Channel } from "../../api/types";
import { Badge, Empty, ErrorNotice, Loading, LoadMore, PageHeader } from "../../components/ui";
import { endOfDayIso, formatDateTime, startOfDayIso } from "../../lib/format";
import { allItems, cursorPaging } from "../../lib/pages";
import { useDebounced } from "../../lib/useDebounced";
import { conversationTitle } from "../ChatPage";
import { useUserDirectory } from "./useUserNames";

export function AdminConversationsPage() {
  const [params, setParams] = useSearchParams();
  const id = useId();
  const userId = params.get("userId") ?? "";
  const channel = (params.get("channel") ?? "") as Channel | "";
  const since = params.get("since") ?? "";
  const until = params.get("until") ?? "";
  const search = params.get("search") ?? "";
  const term = useDebounced(search.trim(), 250);
  const { users, nameOf } = useUserDirectory();

  function setFilter(name: string, value: string) {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    setParams(next, { replace: true });
  }

  const query = {
    limit: 50,
    ...(userId ? { userId } : {}),
    ...(channel ? { channel } : {}),
    ...(since ? { since: startOfDayIso(since) } : {}),
    ...(until ? { until: endOfDayIso(until) } : {}),
    ...(term ? { search: term } : {}),
  };
  const conversations = $api.useInfiniteQuery("get", "/admin/conversations", { params: { query } }, cursorPaging);
  const items = allItems(conversations.data);
  const filtered = Boolean(userId || channel || since || until || term);

  return (
    <main id="main" className="page">
      <PageHeader title="All conversations" />
      <form className="filters" role="search" aria-label="Filter conversations" onSubmit={(event) => event.preventDefault()}>
        <div>
          <label htmlFor={`${id}-member`}>Member</label>
          <select id={`${id}-member`} value={userId} onChange={(event) => setFilter("userId", event.target.value)}>
            <option value="">Everyone</option>
            {users.map((user) => (
              <option key={user.id} value={user.id}>
                {nameOf(user.id)}
                {user.name && user.phoneNumber ? ` (${user.phoneNumber})` : ""}
              </option>
            ))}
            {userId && !users.some((user) => user.id === userId) ? <option value={userId}>{nameOf(userId)}</option> : null}
          </select>
        </div>
        <div>
          <label htmlFor={`${id}-channel`}>Channel</label>
          <select id={`${id}-channel`} value={channel} onChange={(event) => setFilter("channel", event.target.value)}>
            <option value="">Web and WhatsApp</option>
            <option value="web">Web</option>
            <option value="whatsapp">WhatsApp</option>
          </select>
        </div>
        <div>
          <label htmlFor={`${id}-since`}>Active from</label>
          <input id={`${id}-since`} type="date" value={since} max={until || undefined} onChange={(event) => setFilter("since", event.target.value)} />
        </div>
        <div>
          <label htmlFor={`${id}-until`}>Active until</label>
          <input id={`${id}-until`} type="date" value={until} min={since || undefined} onChange={(event) => setFilter("until", event.target.value)} />
        </div>
        <div>
          <label htmlFor={`${id}-search`}>Title</label>
          <input id={`${id}-search`} type="search" value={search} onChange={(event) => setFilter("search", event.target.value)} />
        </div>
        {filtered ? (
          <div className="filters-reset">
            <button type="button" className="button link" onClick={() => setParams(new URLSearchParams(), { replace: true })}>
              Clear filters
            </button>
          </div>
        ) : null}
      </form>
      {conversations.isPending ? <Loading label="Loading conversations…" /> : null}
      <ErrorNotice error={conversations.error} />
      {conversations.isSuccess && items.length === 0 ? (
        <Empty>{filtered ? "No conversation matches these filters." : "No conversations yet."}</Empty>
      ) : null}
      {items.length > 0 ? (
        <div className="table-scroll">
          <table className="table">
            <caption className="visually-hidden">Conversations</caption>
            <thead>
              <tr>
                <th scope="col">Conversation</th>
                <th scope="col">Member</th>
                <th scope="col">Channel</th>
                <th scope="col">Last active</th>
              </tr>
            </thead>
            <tbody>
              {items.map((conversation) => (
                <tr key={conversation.id}>
                  <td data-label="Conversation">
                    <Link to={`/admin/conversations/${conversation.id}`}>{conversationTitle(conversation)}</Link>
                  </td>
                  <td data-label="Member">{nameOf(conversation.userId)}</td>
                  <td data-label="Channel">
                    {conversation.channel === "whatsapp" ? <Badge tone="whatsapp">WhatsApp</Badge> : <Badge>Web</Badge>}
                  </td>
                  <td data-label="Last active">{formatDateTime(conversation.updatedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <LoadMore hasMore={conversations.hasNextPage} loading={conversations.isFetchingNextPage} onMore={() => void conversations.fetchNextPage()} />
    </main>
  );
}
