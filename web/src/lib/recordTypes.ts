/** Record types' words: their kinds of field, and the API's refusals of a new type put plainly. */
import { type ApiProblem, isApiProblem } from "../api/errors";
import type { FieldKind, RecordTypeBody } from "../api/types";

export const KINDS: { value: FieldKind; label: string }[] = [
  { value: "text", label: "Text" },
  { value: "number", label: "Number" },
  { value: "integer", label: "Whole number" },
  { value: "date", label: "Date" },
  { value: "boolean", label: "Yes or no" },
  { value: "choice", label: "One of a list" },
  { value: "items", label: "List of items" },
];

export function kindLabel(kind: FieldKind): string {
  return KINDS.find((each) => each.value === kind)?.label ?? kind;
}

/** What the API's schema check says (msgspec's words), as a person would say it. */
function phrase(message: string): string {
  let found = /^Expected `str` of length <= (\d+)/.exec(message);
  if (found) return `can have at most ${found[1]} characters`;
  if (/^Expected `str` of length >= 1/.test(message)) return "cannot be empty";
  found = /^Expected `array` of length >= (\d+)/.exec(message);
  if (found) return `needs at least ${found[1]}`;
  found = /^Expected `array` of length <= (\d+)/.exec(message);
  if (found) return `can have at most ${found[1]}`;
  if (/^Invalid enum value/.test(message)) return "is not one of the kinds offered";
  return message.charAt(0).toLowerCase() + message.slice(1).replace(/\.$/, "");
}

const WORDS: Record<string, string> = {
  name: "name",
  label: "label",
  key: "key",
  kind: "kind",
  description: "description",
  textField: "field a command's words fill",
  required: "required box",
};

/**
 * A refusal of a new record type in words a person can act on. The domain's own sentences
 * (which name the field by its key) stay as they are; the schema check's, which name a place
 * in the JSON (`fields[1].choices[0]: Expected str of length <= 60`), become "Option 1 of field
 * 2 ('stage') can have at most 60 characters."
 */
export function plainTypeProblem(error: unknown, body: RecordTypeBody | null): unknown {
  if (!isApiProblem(error) || !Array.isArray(error.details)) return error;
  const first = error.details[0] as { key?: unknown; message?: unknown } | undefined;
  if (typeof first?.key !== "string" || typeof first.message !== "string") return error;
  const steps = first.key.split(".").map((part) => {
    const match = /^(\w+)(?:\[(\d+)\])?$/.exec(part);
    return { name: match?.[1] ?? part, index: match?.[2] === undefined ? null : Number(match[2]) };
  });
  const last = steps.pop()!;
  let field: RecordTypeBody["fields"][number] | undefined;
  const places: string[] = [];
  for (const step of steps) {
    if (step.name === "fields" && step.index !== null) {
      field = body?.fields[step.index];
      places.unshift(`field ${step.index + 1}${field?.key ? ` ('${field.key}')` : ""}`);
    } else if (step.name === "items" && step.index !== null) {
      const item = field?.items?.[step.index];
      places.unshift(`item field ${step.index + 1}${item?.key ? ` ('${item.key}')` : ""}`);
    }
  }
  const lists: Record<string, string> = { fields: "field", items: "item field", choices: "option" };
  let sentence: string;
  if (last.index === null && lists[last.name]) {
    // Too few or too many of something: said of what holds them ("Field 2 can have at most 30 options").
    const count = /(\d+)$/.exec(phrase(first.message))?.[1];
    const noun = `${lists[last.name]}${count === "1" ? "" : "s"}`;
    sentence = `${places.length > 0 ? places.join(" of ") : "the record type"} ${phrase(first.message)}${count ? ` ${noun}` : ""}`;
  } else {
    let subject: string;
    if (last.name === "choices") subject = `option ${last.index! + 1}`;
    else if (last.name === "fields") subject = `field ${last.index! + 1}`;
    else if (last.name === "items") subject = `item field ${last.index! + 1}`;
    else subject = `the ${places.length === 0 ? "record type's " : ""}${WORDS[last.name] ?? last.name}`;
    sentence = `${subject}${places.length > 0 ? ` of ${places.join(" of ")}` : ""} ${phrase(first.message)}`;
  }
  const plain: ApiProblem = { ...error, message: `${sentence.charAt(0).toUpperCase()}${sentence.slice(1)}.` };
  return plain;
}
