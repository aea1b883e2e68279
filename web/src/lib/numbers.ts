/** A workspace's WhatsApp numbers as the web app tells them: their names, and a gateway
 * number's link to WhatsApp (how often it is asked about, what its drop means). */
import type { WorkspaceNumber } from "../api/types";
import { formatDateTime } from "./format";

/** How often the list is asked for again while a code waits to be scanned, and otherwise. */
export const PAIRING_POLL_MS = 3_000;
export const LINK_POLL_MS = 30_000;

/** How often the numbers are asked for again: often while a QR code waits, less while a gateway
 * number may drop, never without one. */
export function numbersPollInterval(numbers: WorkspaceNumber[] | undefined): number | false {
  const links = (numbers ?? []).flatMap((number) => (number.connection ? [number.connection.state] : []));
  if (links.includes("pairing")) return PAIRING_POLL_MS;
  return links.length > 0 ? LINK_POLL_MS : false;
}

/** The number people write to, as it reads on screen. */
export function numberName(channel: WorkspaceNumber): string {
  return channel.displayNumber ?? channel.address;
}

/** What a gateway number whose link dropped means for the workspace, and what to do. */
export function linkLost(channel: WorkspaceNumber): string {
  const connection = channel.connection;
  const why = connection?.reason ? ` (${connection.reason})` : "";
  const when = connection ? ` on ${formatDateTime(connection.since)}` : "";
  return `${numberName(channel)} lost its link to WhatsApp${when}${why}: messages to it are not received or answered until its phone scans a new QR code.`;
}
