/** The numbers admins let talk to Ignacio on WhatsApp when access is `whitelist`. */
import { useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useId, useState } from "react";
import { $api } from "../../api/client";
import { ConfirmButton, Empty, ErrorNotice, Loading, LoadMore, PageHeader } from "../../components/ui";
import { formatDateTime } from "../../lib/format";
import { allItems, cursorPaging } from "../../lib/pages";
import { useUserDirectory } from "./useUserNames";

export function AllowListPage() {
  const queryClient = useQueryClient();
  const id = useId();
  const [phone, setPhone] = useState("");
  const [note, setNote] = useState("");
  const { nameOf } = useUserDirectory();
  const entries = $api.useInfiniteQuery("get", "/admin/allowlist", { params: { query: { limit: 50 } } }, cursorPaging);
  const invalidate = () => queryClient.invalidateQueries({ queryKey: ["get", "/admin/allowlist"] });
  const add = $api.useMutation("post", "/admin/allowlist", {
    onSuccess: async () => {
      setPhone("");
      setNote("");
      await invalidate();
    },
  });
  const remove = $api.useMutation("delete", "/admin/allowlist/{entry_id}", { onSuccess: invalidate });
  const items = allItems(entries.data);

  function submit(event: FormEvent) {
    event.preventDefault();
    add.mutate({ body: { phoneNumber: phone.trim(), note: note.trim() || null } });
  }

  return (
    <main id="main" className="page">
      <PageHeader title="WhatsApp allow-list" />
      <p className="lede">
        With <code>IGNACIO_WHATSAPP_ACCESS=whitelist</code>, only these numbers (with the configured ones and active
        admins) get answers on WhatsApp.
      </p>
      <form className="card form" onSubmit={submit} aria-label="Allow a number">
        <div className="form-grid">
          <div>
            <label htmlFor={`${id}-phone`}>WhatsApp number</label>
            <input id={`${id}-phone`} type="tel" placeholder="+34 612 345 678" value={phone} onChange={(event) => setPhone(event.target.value)} required />
          </div>
          <div>
            <label htmlFor={`${id}-note`}>Note</label>
            <input id={`${id}-note`} type="text" maxLength={255} placeholder="Who it is" value={note} onChange={(event) => setNote(event.target.value)} />
          </div>
        </div>
        <ErrorNotice error={add.error} title="Not added." />
        <button type="submit" className="button primary" disabled={add.isPending || !phone.trim()}>
          Allow this number
        </button>
      </form>
      <ErrorNotice error={remove.error} title="Not removed." />
      {entries.isPending ? <Loading /> : null}
      <ErrorNotice error={entries.error} />
      {entries.isSuccess && items.length === 0 ? <Empty>No numbers on the list.</Empty> : null}
      {items.length > 0 ? (
        <div className="table-scroll">
          <table className="table">
            <caption className="visually-hidden">Allowed numbers</caption>
            <thead>
              <tr>
                <th scope="col">Number</th>
                <th scope="col">Note</th>
                <th scope="col">Added</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((entry) => (
                <tr key={entry.id}>
                  <td data-label="Number">{entry.phoneNumber}</td>
                  <td data-label="Note">{entry.note ?? "—"}</td>
                  <td data-label="Added">
                    {formatDateTime(entry.createdAt)}
                    {entry.addedBy ? ` by ${nameOf(entry.addedBy)}` : ""}
                  </td>
                  <td className="actions">
                    <ConfirmButton
                      question={`Remove ${entry.phoneNumber} from the list?`}
                      confirmLabel="Remove"
                      onConfirm={() => remove.mutate({ params: { path: { entry_id: entry.id } } })}
                    >
                      Remove <span className="visually-hidden">{entry.phoneNumber}</span>
                    </ConfirmButton>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <LoadMore hasMore={entries.hasNextPage} loading={entries.isFetchingNextPage} onMore={() => void entries.fetchNextPage()} />
    </main>
  );
}
