/**
 * A workspace's own WhatsApp numbers, on the Workspace page of those who run it: messages to one
 * reach this workspace's assistant, and are answered from it. The credentials that connect a
 * number go to the server once and are never shown again; the access token or auth token is
 * read from its field when the form is sent, never kept by the page.
 *
 * A number on the WhatsApp-Web gateway is linked by its phone scanning a QR code: the code shows
 * under the number until the gateway says it is linked (the list is asked for again every few
 * seconds meanwhile), and a number whose link dropped says so, with a way to get a new code.
 */
import { useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useId, useRef, useState } from "react";
import { $api } from "../api/client";
import type { Provider, Workspace, WorkspaceNumber } from "../api/types";
import { QrCode } from "../components/QrCode";
import { ConfirmButton, Empty, ErrorNotice, Loading, Notice } from "../components/ui";
import { formatDay, providerName } from "../lib/format";
import { linkLost, numberName, numbersPollInterval } from "../lib/numbers";

const MAX_LABEL = 60;
const PROVIDERS: { value: Provider; hint: string }[] = [
  { value: "whatsapp_cloud", hint: "A number in Meta's WhatsApp Manager, on this deployment's Meta app." },
  { value: "twilio", hint: "A WhatsApp sender on a Twilio account." },
  {
    value: "whatsapp_gateway",
    hint: "A number linked through this deployment's WhatsApp-Web gateway, by scanning a QR code with its phone. Unofficial: WhatsApp may ban the number; prefer the Cloud API.",
  },
];

const LINK_STATES = { pairing: "Waiting for its QR code to be scanned", connected: "Linked", disconnected: "Disconnected" } as const;

function useInvalidateNumbers() {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: ["get", "/workspaces/{workspace}/channels"] });
}

export function WorkspaceNumbers({ workspace }: { workspace: Workspace }) {
  const titleId = useId();
  const [notice, setNotice] = useState<string | null>(null);
  const numbers = $api.useQuery(
    "get",
    "/workspaces/{workspace}/channels",
    { params: { path: { workspace: workspace.slug } } },
    { refetchInterval: (query) => numbersPollInterval(query.state.data) },
  );
  const items = numbers.data ?? [];
  const dropped = items.filter((channel) => channel.connection?.state === "disconnected");
  return (
    <section aria-labelledby={titleId}>
      <h2 id={titleId}>WhatsApp numbers</h2>
      <p className="hint">
        Messages to these numbers reach {workspace.name}'s assistant, and are answered from the number they were sent to.
      </p>
      {dropped.map((channel) => (
        <div key={channel.id} className="notice notice-error" role="alert">
          {linkLost(channel)}
        </div>
      ))}
      {notice ? <Notice tone="success">{notice}</Notice> : null}
      {numbers.isPending ? <Loading label="Loading the WhatsApp numbers…" /> : null}
      <ErrorNotice error={numbers.error} />
      {numbers.isSuccess && items.length === 0 ? <Empty>{workspace.name} has no WhatsApp number of its own yet.</Empty> : null}
      {items.length > 0 ? (
        <div className="table-scroll">
          <table className="table">
            <caption className="visually-hidden">The WhatsApp numbers of {workspace.name}</caption>
            <thead>
              <tr>
                <th scope="col">Number</th>
                <th scope="col">Provider</th>
                <th scope="col">Label</th>
                <th scope="col">Connected</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((channel) => (
                <NumberRow key={channel.id} workspace={workspace} channel={channel} onNotice={setNotice} />
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <ConnectForm workspace={workspace} onDone={setNotice} />
    </section>
  );
}

function NumberRow({
  workspace,
  channel,
  onNotice,
}: {
  workspace: Workspace;
  channel: WorkspaceNumber;
  onNotice: (notice: string) => void;
}) {
  const invalidate = useInvalidateNumbers();
  const number = numberName(channel);
  const disconnect = $api.useMutation("delete", "/workspaces/{workspace}/channels/{channel_id}", {
    onSuccess: async () => {
      await invalidate();
      onNotice(`${number} was disconnected from ${workspace.name}.`);
    },
  });
  const pair = $api.useMutation("post", "/workspaces/{workspace}/channels/{channel_id}/pairing", {
    onSuccess: () => invalidate(),
  });
  const state = channel.connection?.state;
  // Told once, when the code on screen is scanned (the list is asked for again meanwhile).
  const previous = useRef(state);
  useEffect(() => {
    if (previous.current === "pairing" && state === "connected") {
      onNotice(`${number} is linked: messages to it reach ${workspace.name}.`);
    }
    previous.current = state;
  }, [state, number, workspace.name, onNotice]);
  return (
    <>
      <tr>
        <td data-label="Number">
          <span>{number}</span>
          {channel.provider === "whatsapp_cloud" ? (
            <>
              <br />
              <span className="muted">{channel.displayNumber ? `Phone number id ${channel.address}` : "Meta's phone number id"}</span>
            </>
          ) : null}
        </td>
        <td data-label="Provider">
          {providerName(channel.provider)}
          {state ? (
            <>
              <br />
              <span className={`badge link-${state}`}>{LINK_STATES[state]}</span>
            </>
          ) : null}
        </td>
        <td data-label="Label">{channel.label ?? <span className="muted">None</span>}</td>
        <td data-label="Connected">{formatDay(channel.createdAt)}</td>
        <td className="actions">
          <ConfirmButton
            question={`Disconnect ${number}? Messages to it will no longer reach ${workspace.name}.`}
            confirmLabel="Disconnect"
            disabled={disconnect.isPending}
            onConfirm={() => disconnect.mutate({ params: { path: { workspace: workspace.slug, channel_id: channel.id } } })}
          >
            Disconnect <span className="visually-hidden">{number}</span>
          </ConfirmButton>
        </td>
      </tr>
      {state === "pairing" || state === "disconnected" || pair.error ? (
        <tr>
          <td colSpan={5}>
            {state === "pairing" && channel.connection?.qrCode ? (
              <div className="qr-pairing">
                <QrCode value={channel.connection.qrCode} label={`QR code to link ${number}`} />
                <p>
                  On the phone of {number}, open WhatsApp, then <strong>Linked devices</strong>, <strong>Link a device</strong>,
                  and scan this code. It is renewed every minute or so; this page shows the newest.
                </p>
              </div>
            ) : null}
            {state === "pairing" && !channel.connection?.qrCode ? (
              <p className="muted">The gateway has not given a QR code for {number} yet.</p>
            ) : null}
            <button
              type="button"
              className="button"
              disabled={pair.isPending}
              onClick={() => pair.mutate({ params: { path: { workspace: workspace.slug, channel_id: channel.id } } })}
            >
              {pair.isPending ? "Asking the gateway…" : "Show a new QR code"} <span className="visually-hidden">for {number}</span>
            </button>
            <ErrorNotice error={pair.error} title={`${number}:`} />
          </td>
        </tr>
      ) : null}
      {disconnect.error ? (
        <tr>
          <td colSpan={5}>
            <ErrorNotice error={disconnect.error} title={`${number}:`} />
          </td>
        </tr>
      ) : null}
    </>
  );
}

function ConnectForm({ workspace, onDone }: { workspace: Workspace; onDone: (notice: string) => void }) {
  const id = useId();
  const [provider, setProvider] = useState<Provider>("whatsapp_cloud");
  const [phoneNumberId, setPhoneNumberId] = useState("");
  const [accountSid, setAccountSid] = useState("");
  const [number, setNumber] = useState("");
  const [label, setLabel] = useState("");
  // The access token or auth token: left in its field (uncontrolled), never in the page's state.
  const secret = useRef<HTMLInputElement>(null);
  const invalidate = useInvalidateNumbers();
  const connect = $api.useMutation("post", "/workspaces/{workspace}/channels", {
    // Forgotten as soon as nothing shows it: the request (its token included) is not kept.
    gcTime: 0,
    onSuccess: async (channel) => {
      await invalidate();
      if (secret.current) secret.current.value = "";
      setPhoneNumberId("");
      setAccountSid("");
      setNumber("");
      setLabel("");
      onDone(
        channel.connection?.state === "pairing"
          ? `${numberName(channel)} is added: scan its QR code below with its phone to link it.`
          : `${numberName(channel)} is connected: messages to it reach ${workspace.name}.`,
      );
    },
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    const token = secret.current?.value.trim() ?? "";
    const common = { label: label.trim() || null };
    connect.mutate(
      {
        params: { path: { workspace: workspace.slug } },
        body:
          provider === "whatsapp_cloud"
            ? { provider, phoneNumberId: phoneNumberId.trim(), accessToken: token, displayNumber: number.trim() || null, ...common }
            : provider === "twilio"
              ? { provider, accountSid: accountSid.trim(), authToken: token, number: number.trim(), ...common }
              : { provider, number: number.trim(), ...common },
      },
      // Once shown, the answer is not kept with the request that carried the token.
      { onSuccess: () => connect.reset() },
    );
  }

  const cloud = provider === "whatsapp_cloud";
  const gateway = provider === "whatsapp_gateway";
  return (
    <form className="card form" onSubmit={submit} aria-label="Connect a WhatsApp number">
      <h3>Connect a WhatsApp number</h3>
      <p className="hint">
        {gateway
          ? "The gateway gives a QR code; the number's phone scans it to link the number."
          : "The token is stored sealed, and never shown again."}
      </p>
      <div className="form-grid">
        <div>
          <label htmlFor={`${id}-provider`}>Provider</label>
          <select
            id={`${id}-provider`}
            value={provider}
            aria-describedby={`${id}-provider-hint`}
            onChange={(event) => {
              setProvider(event.target.value as Provider);
              connect.reset();
            }}
          >
            {PROVIDERS.map((option) => (
              <option key={option.value} value={option.value}>
                {providerName(option.value)}
              </option>
            ))}
          </select>
          <p className="hint" id={`${id}-provider-hint`}>
            {PROVIDERS.find((option) => option.value === provider)?.hint}
          </p>
        </div>
        {gateway ? null : cloud ? (
          <div>
            <label htmlFor={`${id}-phone-number-id`}>Phone number id</label>
            <input
              id={`${id}-phone-number-id`}
              type="text"
              inputMode="numeric"
              autoComplete="off"
              spellCheck={false}
              maxLength={32}
              placeholder="106540352242922"
              value={phoneNumberId}
              onChange={(event) => setPhoneNumberId(event.target.value)}
              aria-describedby={`${id}-phone-number-id-hint`}
              required
            />
            <p className="hint" id={`${id}-phone-number-id-hint`}>
              The number's id in Meta's WhatsApp Manager (digits only), not the number itself.
            </p>
          </div>
        ) : (
          <div>
            <label htmlFor={`${id}-account-sid`}>Account SID</label>
            <input
              id={`${id}-account-sid`}
              type="text"
              autoComplete="off"
              spellCheck={false}
              maxLength={34}
              placeholder="AC…"
              value={accountSid}
              onChange={(event) => setAccountSid(event.target.value)}
              aria-describedby={`${id}-account-sid-hint`}
              required
            />
            <p className="hint" id={`${id}-account-sid-hint`}>
              AC followed by 32 characters, on the account's page in Twilio's console.
            </p>
          </div>
        )}
        {gateway ? null : (
          <div>
            <label htmlFor={`${id}-secret`}>{cloud ? "Access token" : "Auth token"}</label>
            <input
              // A new field for each provider: one provider's token never lands in the other's.
              key={provider}
              ref={secret}
              id={`${id}-secret`}
              type="password"
              autoComplete="off"
              spellCheck={false}
              maxLength={1000}
              aria-describedby={`${id}-secret-hint`}
              required
            />
            <p className="hint" id={`${id}-secret-hint`}>
              {cloud
                ? "A system user's token with the whatsapp_business_messaging permission."
                : "The Auth Token of the account that has the sender."}
            </p>
          </div>
        )}
        <div>
          <label htmlFor={`${id}-number`}>
            {cloud ? "Number people write to (optional)" : gateway ? "WhatsApp number" : "WhatsApp sender number"}
          </label>
          <input
            id={`${id}-number`}
            type="tel"
            autoComplete="off"
            placeholder="+34 612 345 678"
            maxLength={64}
            value={number}
            onChange={(event) => setNumber(event.target.value)}
            required={!cloud}
          />
        </div>
        <div>
          <label htmlFor={`${id}-label`}>Label (optional)</label>
          <input
            id={`${id}-label`}
            type="text"
            maxLength={MAX_LABEL}
            placeholder="Front desk"
            value={label}
            onChange={(event) => setLabel(event.target.value)}
          />
        </div>
      </div>
      <ErrorNotice error={connect.error} title="Not connected." />
      <button type="submit" className="button primary" disabled={connect.isPending}>
        {connect.isPending ? "Connecting…" : "Connect"}
      </button>
    </form>
  );
}
