/** One member's conversation, read by an admin (the API audits the read). */
import { Link, useParams } from "react-router-dom";
import { $api } from "../../api/client";
import { MessageList } from "../../components/Messages";
import { Badge, ErrorNotice, Loading, LoadMore, PageHeader } from "../../components/ui";
import { displayName, numberOf, shownName } from "../../lib/format";
import { conversationTitle } from "../ChatPage";

export function AdminConversationPage() {
  const { conversationId = "" } = useParams();
  const view = $api.useInfiniteQuery(
    "get",
    "/admin/conversations/{conversation_id}",
    { params: { path: { conversation_id: conversationId }, query: { limit: 50, order: "desc" } } },
    {
      pageParamName: "cursor",
      initialPageParam: null as string | null,
      getNextPageParam: (last) => last.messages.nextCursor ?? undefined,
    },
  );
  const first = view.data?.pages[0];
  const messages = (view.data?.pages ?? []).flatMap((page) => page.messages.items).reverse();
  return (
    <main id="main" className="page">
      <p className="breadcrumb">
        <Link to="/admin/conversations">← All conversations</Link>
      </p>
      <PageHeader title={first ? conversationTitle(first.conversation) : "Conversation"}>
        {first ? (
          <>
            {first.conversation.channel === "whatsapp" ? <Badge tone="whatsapp">WhatsApp</Badge> : <Badge>Web</Badge>}{" "}
            <Link className="button secondary small" to={`/admin/conversations?userId=${first.owner.id}`}>
              {displayName(first.owner)}'s conversations
            </Link>
          </>
        ) : null}
      </PageHeader>
      {first ? (
        <p className="lede">
          {shownName(first.owner) ? `${shownName(first.owner)} · ` : ""}
          {numberOf(first.owner)}
          {first.owner.isAdmin ? " · admin" : ""}
          {first.owner.isActive ? "" : " · deactivated"}
        </p>
      ) : null}
      {view.isPending ? <Loading label="Loading messages…" /> : null}
      <ErrorNotice error={view.error} />
      <LoadMore hasMore={view.hasNextPage} loading={view.isFetchingNextPage} onMore={() => void view.fetchNextPage()} label="Earlier messages" />
      {first ? (
        <div className="thread-body readonly">
          <MessageList messages={messages} ownerName={displayName(first.owner)} />
        </div>
      ) : null}
    </main>
  );
}
