/**
 * What the people who run a workspace must not miss on any screen: a WhatsApp-Web gateway
 * number of the workspace whose link dropped (the phone logged out, the number banned, the
 * gateway down). Until its phone scans a new QR code on the Workspace page, messages to it are
 * neither received nor answered. The numbers are asked for again every half minute; the
 * Workspace page says the same in its own list, so the banner steps aside there.
 */
import { Link, useLocation } from "react-router-dom";
import { $api } from "../api/client";
import type { Workspace } from "../api/types";
import { LINK_POLL_MS, linkLost } from "../lib/numbers";

export function NumberAlerts({ workspace }: { workspace: Pick<Workspace, "slug"> }) {
  const { pathname } = useLocation();
  const numbers = $api.useQuery(
    "get",
    "/workspaces/{workspace}/channels",
    { params: { path: { workspace: workspace.slug } } },
    { refetchInterval: LINK_POLL_MS, retry: false },
  );
  const dropped = (numbers.data ?? []).filter((channel) => channel.connection?.state === "disconnected");
  if (pathname === "/workspace" || dropped.length === 0) return null;
  return (
    <div className="number-alerts">
      {dropped.map((channel) => (
        <div key={channel.id} className="notice notice-error" role="alert">
          {linkLost(channel)} <Link to="/workspace">Link it again on the Workspace page</Link>.
        </div>
      ))}
    </div>
  );
}
