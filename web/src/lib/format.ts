/** How dates, sizes and numbers read on screen. */
import type { Provider } from "../api/types";

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const timeOnly = new Intl.DateTimeFormat(undefined, { timeStyle: "short" });
const dayOnly = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });

export function formatDateTime(iso: string): string {
  return dateTime.format(new Date(iso));
}

export function formatDay(iso: string): string {
  return dayOnly.format(new Date(iso));
}

/** Today's messages show the time only; older ones the date too. */
export function formatWhen(iso: string, now: Date = new Date()): string {
  const date = new Date(iso);
  return date.toDateString() === now.toDateString() ? timeOnly.format(date) : dateTime.format(date);
}

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

/** The start of a local day as an ISO instant, for `<input type="date">` filters. */
export function startOfDayIso(day: string): string | undefined {
  if (!day) return undefined;
  const date = new Date(`${day}T00:00:00`);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** The end of a local day (the next day's start) as an ISO instant. */
export function endOfDayIso(day: string): string | undefined {
  const start = startOfDayIso(day);
  if (!start) return undefined;
  const date = new Date(start);
  date.setDate(date.getDate() + 1);
  return date.toISOString();
}

/** What a person of a list is called by, as far as it is known. */
export interface Named {
  name: string | null;
  /** Null for someone known on WhatsApp only by their username (Meta hides their number). */
  phoneNumber: string | null;
  /** Their WhatsApp username, where a list gave it. */
  username?: string | null;
  /** Their WhatsApp user id, masked, where a list gave it for someone with no number. */
  whatsappId?: string | null;
}

/** What a person is called in lists: their name, else their WhatsApp username, else, for
 * someone with no number either, their masked WhatsApp id; null when nothing is known. */
export function shownName(user: Named): string | null {
  return user.name?.trim() || (user.username ? `@${user.username}` : null) || (user.phoneNumber ? null : user.whatsappId || null);
}

/** A person's name as `shownName` finds it, else their number: always something to call them. */
export function displayName(user: Named): string {
  return shownName(user) || user.phoneNumber || "A WhatsApp member";
}

/** The number column of a list: the number, or why there is none. */
export function numberOf(user: Named): string {
  return user.phoneNumber ?? "Hidden (WhatsApp username)";
}

const FILE_KINDS: Record<string, string> = {
  "application/pdf": "PDF",
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word document",
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel workbook",
  "application/vnd.openxmlformats-officedocument.presentationml.presentation": "PowerPoint presentation",
  "application/msword": "Word 97-2003 document",
  "application/vnd.ms-excel": "Excel 97-2003 workbook",
  "application/vnd.ms-powerpoint": "PowerPoint 97-2003 presentation",
  "application/rtf": "RTF document",
  "text/plain": "Text",
  "text/markdown": "Markdown",
  "text/csv": "CSV",
  "audio/ogg": "Voice note",
};
const FILE_FAMILIES: Record<string, string> = { image: "image", audio: "audio", video: "video" };

/** What kind of file a media type is, in words a member knows ("Word document", "JPEG image"). */
export function fileKind(mediaType: string): string {
  const type = (mediaType.split(";")[0] ?? "").trim().toLowerCase();
  const known = FILE_KINDS[type];
  if (known) return known;
  const [family = "", subtype = ""] = type.split("/");
  const name = (subtype.replace(/^x-/, "").split(/[.+-]/)[0] ?? "").toUpperCase();
  const noun = FILE_FAMILIES[family];
  if (noun) return name ? `${name} ${noun}` : noun.charAt(0).toUpperCase() + noun.slice(1);
  return name ? `${name} file` : "File";
}

const PROVIDERS: Record<Provider, string> = {
  whatsapp_cloud: "Meta Cloud API",
  twilio: "Twilio",
  whatsapp_gateway: "WhatsApp-Web gateway",
};

/** The WhatsApp provider a number or delivery goes through, as people know it. */
export function providerName(provider: string): string {
  return PROVIDERS[provider as Provider] ?? provider;
}
