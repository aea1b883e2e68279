/** Answers that never reached the member on WhatsApp, with the provider's reason; and incoming
 * deliveries that could not be stored after every retry (kept sealed; the sender masked). */
import { $api } from "../../api/client";
import { Empty, ErrorNotice, Loading, LoadMore, PageHeader } from "../../components/ui";
import { formatDateTime, providerName } from "../../lib/format";
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
      <SetAsideWebhooks />
    </main>
  );
}

function SetAsideWebhooks() {
  const setAside = $api.useInfiniteQuery(
    "get",
    "/admin/webhooks/set-aside",
    { params: { query: { limit: 50 } } },
    { ...cursorPaging, refetchInterval: 60_000 },
  );
  const items = allItems(setAside.data);
  return (
    <section aria-labelledby="set-aside-heading">
      <h2 id="set-aside-heading">Incoming messages not stored</h2>
      <p className="lede">
        WhatsApp deliveries Ignacio acknowledged but could not store after every retry. Their content is kept sealed.
      </p>
      {setAside.isPending ? <Loading label="Loading incoming deliveries…" /> : null}
      <ErrorNotice error={setAside.error} />
      {setAside.isSuccess && items.length === 0 ? <Empty>Every incoming message was stored.</Empty> : null}
      {items.length > 0 ? (
        <div className="table-scroll">
          <table className="table">
            <caption className="visually-hidden">Incoming messages not stored</caption>
            <thead>
              <tr>
                <th scope="col">Received</th>
                <th scope="col">From</th>
                <th scope="col">Provider</th>
                <th scope="col">Attempts</th>
                <th scope="col">Last error</th>
              </tr>
            </thead>
            <tbody>
              {items.map((delivery) => (
                <tr key={delivery.id}>
                  <td data-label="Received">{formatDateTime(delivery.receivedAt)}</td>
                  <td data-label="From">{delivery.sender ?? <span className="muted">Unknown</span>}</td>
                  <td data-label="Provider">{providerName(delivery.provider)}</td>
                  <td data-label="Attempts">{delivery.attempts}</td>
                  <td data-label="Last error" className="details">{delivery.lastError}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <LoadMore hasMore={setAside.hasNextPage} loading={setAside.isFetchingNextPage} onMore={() => void setAside.fetchNextPage()} />
    </section>
  );
}
