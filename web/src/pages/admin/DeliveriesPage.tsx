/** Answers that never reached the member on WhatsApp, with the provider's reason. */
import { $api } from "../../api/client";
import { Empty, ErrorNotice, Loading, LoadMore, PageHeader } from "../../components/ui";
import { formatDateTime } from "../../lib/format";
import { allItems, cursorPaging } from "../../lib/pages";

export function DeliveriesPage() {
  const deliveries = $api.useInfiniteQuery(
    "get",
    "/admin/deliveries/failed",
    { params: { query: { limit: 50 } } },
    { ...cursorPaging, refetchInterval: 60_000 },
  );
  const items = allItems(deliveries.data);
  return (
    <main id="main" className="page">
      <PageHeader title="Failed deliveries" />
      <p className="lede">WhatsApp messages Ignacio could not deliver, newest first.</p>
      {deliveries.isPending ? <Loading label="Loading deliveries…" /> : null}
      <ErrorNotice error={deliveries.error} />
      {deliveries.isSuccess && items.length === 0 ? <Empty>Every message was delivered.</Empty> : null}
      {items.length > 0 ? (
        <div className="table-scroll">
          <table className="table">
            <caption className="visually-hidden">Failed deliveries</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Message</th>
                <th scope="col">Attempts</th>
                <th scope="col">Reason</th>
              </tr>
            </thead>
            <tbody>
              {items.map((delivery) => (
                <tr key={delivery.id}>
                  <td data-label="When">{formatDateTime(delivery.updatedAt)}</td>
                  <td data-label="Message" className="details">
                    {delivery.part > 0 ? <span className="muted">Part {delivery.part + 1}: </span> : null}
                    {delivery.content.length > 160 ? `${delivery.content.slice(0, 160)}…` : delivery.content}
                  </td>
                  <td data-label="Attempts">{delivery.attempts}</td>
                  <td data-label="Reason">
                    {delivery.errorTitle ?? "Unknown"}
                    {delivery.errorCode !== null ? <span className="muted"> (code {delivery.errorCode})</span> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <LoadMore hasMore={deliveries.hasNextPage} loading={deliveries.isFetchingNextPage} onMore={() => void deliveries.fetchNextPage()} />
    </main>
  );
}
