/**
 * A workspace's record types: what its assistant can keep for the team when a member asks (a
 * report, a proposal, or a type of the workspace's own), each a set of typed fields. The two
 * built-in types are shown as they are; the workspace's admins (and platform admins) add types
 * of its own and remove them. Its agents read them.
 */
import { useQueryClient } from "@tanstack/react-query";
import { type FormEvent, type ReactNode, type RefObject, useId, useRef, useState } from "react";
import { $api } from "../api/client";
import type { FieldKind, RecordField, RecordTypeBody, RecordTypeItem, Workspace } from "../api/types";
import { Badge, ConfirmButton, Empty, ErrorNotice, Loading, Notice, RowActions, VisuallyHidden } from "../components/ui";
import { KINDS, kindLabel, plainTypeProblem } from "../lib/recordTypes";
import { WorkspaceFrame } from "./WorkspacePage";

const TYPES = "/workspaces/{workspace}/record-types";
const TYPE = "/workspaces/{workspace}/record-types/{type_name}";
// The API's limits (MAX_TYPES, MAX_FIELDS, MAX_ITEM_FIELDS in domain/records.py): the buttons
// stop there rather than let the API refuse.
const MAX_TYPES = 30;
const MAX_FIELDS = 30;
const MAX_ITEM_FIELDS = 15;

/** A field as the form edits it: the options one per line, the item fields of a list. */
interface FieldDraft {
  id: number;
  key: string;
  label: string;
  kind: FieldKind;
  required: boolean;
  description: string;
  options: string;
  items: FieldDraft[];
}

interface TypeDraft {
  name: string;
  label: string;
  description: string;
  textField: string;
  fields: FieldDraft[];
}

let drafted = 0;

function fieldDraft(kind: FieldKind = "text"): FieldDraft {
  drafted += 1;
  return { id: drafted, key: "", label: "", kind, required: false, description: "", options: "", items: [] };
}

function typeDraft(): TypeDraft {
  return { name: "", label: "", description: "", textField: "", fields: [{ ...fieldDraft(), required: true }] };
}

/** The text fields a command's words may fill (`/name <text>`): the type's own, not an item's. */
function textFields(draft: TypeDraft): string[] {
  return draft.fields.filter((field) => field.kind === "text" && field.key.trim()).map((field) => field.key.trim());
}

/** The one chosen, or the first text field while none is (or the chosen one is gone). */
function chosenTextField(draft: TypeDraft): string {
  const keys = textFields(draft);
  return keys.includes(draft.textField) ? draft.textField : (keys[0] ?? "");
}

function optionsOf(text: string): string[] {
  return text
    .split("\n")
    .map((option) => option.trim())
    .filter(Boolean);
}

function fieldBody(field: FieldDraft, nested: boolean): RecordField {
  return {
    key: field.key.trim(),
    label: field.label.trim(),
    kind: field.kind,
    required: field.required,
    description: field.description.trim(),
    choices: field.kind === "choice" ? optionsOf(field.options) : [],
    ...(nested ? {} : { items: field.kind === "items" ? field.items.map((item) => fieldBody(item, true)) : [] }),
  };
}

function bodyOf(draft: TypeDraft): RecordTypeBody {
  return {
    name: draft.name.trim(),
    label: draft.label.trim(),
    description: draft.description.trim(),
    textField: chosenTextField(draft),
    fields: draft.fields.map((field) => fieldBody(field, false)),
  };
}

/** `list` with the entry at `index` moved `by` places. */
function moved<T>(list: T[], index: number, by: number): T[] {
  const next = [...list];
  const [entry] = next.splice(index, 1);
  if (entry !== undefined) next.splice(index + by, 0, entry);
  return next;
}

export function RecordTypesPage() {
  return (
    <WorkspaceFrame title="Record types">
      {(workspace, canManage) => <RecordTypes workspace={workspace} canManage={canManage} />}
    </WorkspaceFrame>
  );
}

function RecordTypes({ workspace, canManage }: { workspace: Workspace; canManage: boolean }) {
  const queryClient = useQueryClient();
  const path = { params: { path: { workspace: workspace.slug } } };
  const types = $api.useQuery("get", TYPES, path);
  const [notice, setNotice] = useState<string | null>(null);
  // Where focus goes once the type removed (and the button that had it) is gone.
  const ownHeading = useRef<HTMLHeadingElement>(null);
  const remove = $api.useMutation("delete", TYPE, {
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ["get", TYPES] }),
  });
  const builtin = (types.data ?? []).filter((kind) => kind.builtin);
  const own = (types.data ?? []).filter((kind) => !kind.builtin);

  function removeType(kind: RecordTypeItem) {
    setNotice(null);
    remove.mutate(
      { params: { path: { workspace: workspace.slug, type_name: kind.name } } },
      {
        onSuccess: () => {
          setNotice(`${kind.label} was removed. Records already made of it stay as they are.`);
          ownHeading.current?.focus();
        },
      },
    );
  }

  return (
    <>
      <p className="lede">
        What {workspace.name}'s assistant can keep for the team when a member asks for it: each type is a set of fields the
        assistant fills from what the member writes, and checks before the record is kept. Members also send{" "}
        <code>/name text</code> on WhatsApp to keep the text as a record of that type.
      </p>
      {types.isPending ? <Loading label="Loading the record types…" /> : null}
      <ErrorNotice error={types.error} />
      {types.data ? (
        <>
          <TypeSection title="Built in" hint="Every workspace has these two; they cannot be changed.">
            {builtin.map((kind) => (
              <TypeCard key={kind.name} kind={kind} />
            ))}
          </TypeSection>
          <TypeSection title={`${workspace.name}'s own`} hint={`${own.length} of ${MAX_TYPES}.`} headingRef={ownHeading}>
            {own.length === 0 ? (
              <Empty>{canManage ? "None yet. Add one below." : "None yet. The workspace's admins add them here."}</Empty>
            ) : null}
            {own.map((kind) => (
              <TypeCard key={kind.name} kind={kind}>
                {canManage ? (
                  <ConfirmButton
                    question={`Remove the record type ${kind.label}? Records already made of it stay as they are.`}
                    confirmLabel="Yes, remove it"
                    onConfirm={() => removeType(kind)}
                    disabled={remove.isPending}
                  >
                    Remove <VisuallyHidden>{kind.label}</VisuallyHidden>
                  </ConfirmButton>
                ) : null}
              </TypeCard>
            ))}
            {notice ? <Notice tone="success">{notice}</Notice> : null}
            <ErrorNotice error={remove.error} title="Not removed." />
          </TypeSection>
          {canManage ? (
            <AddType workspace={workspace} full={own.length >= MAX_TYPES} taken={(types.data ?? []).map((kind) => kind.name)} />
          ) : (
            <p className="hint">Only the workspace's admins add and remove record types.</p>
          )}
        </>
      ) : null}
    </>
  );
}

function TypeSection({
  title,
  hint,
  headingRef,
  children,
}: {
  title: string;
  hint: string;
  headingRef?: RefObject<HTMLHeadingElement | null>;
  children: ReactNode;
}) {
  const id = useId();
  return (
    <section aria-labelledby={id} className="record-type-section">
      <h2 id={id} ref={headingRef} tabIndex={-1}>
        {title}
      </h2>
      <p className="hint">{hint}</p>
      {children}
    </section>
  );
}

function fieldDetails(field: RecordField): ReactNode {
  if (field.kind === "choice") return (field.choices ?? []).join(", ");
  if (field.kind === "items") {
    return (
      <ul className="record-type-items" aria-label={`Fields of each item of ${field.label}`}>
        {(field.items ?? []).map((item) => (
          <li key={item.key}>
            {item.label} (<code>{item.key}</code>, {kindLabel(item.kind).toLowerCase()}
            {item.required ? ", required" : ""}
            {item.kind === "choice" ? `: ${(item.choices ?? []).join(", ")}` : ""})
          </li>
        ))}
      </ul>
    );
  }
  return null;
}

function TypeCard({ kind, children }: { kind: RecordTypeItem; children?: ReactNode }) {
  const id = useId();
  return (
    <article className="card record-type" aria-labelledby={id}>
      <header className="record-type-header">
        <h3 id={id}>
          {kind.label} <code>{kind.name}</code>
        </h3>
        {kind.builtin ? <Badge>Built in</Badge> : null}
        {children}
      </header>
      {kind.description ? <p>{kind.description}</p> : null}
      <div className="table-scroll">
        <table className="table">
          <caption className="visually-hidden">Fields of {kind.label}</caption>
          <thead>
            <tr>
              <th scope="col">Field</th>
              <th scope="col">Key</th>
              <th scope="col">Kind</th>
              <th scope="col">Required</th>
              <th scope="col">Details</th>
            </tr>
          </thead>
          <tbody>
            {kind.fields.map((field) => {
              const details = fieldDetails(field);
              return (
                <tr key={field.key}>
                  <td data-label="Field">{field.label}</td>
                  <td data-label="Key">
                    <code>{field.key}</code>
                  </td>
                  <td data-label="Kind">{kindLabel(field.kind)}</td>
                  <td data-label="Required">{field.required ? "Yes" : "No"}</td>
                  {/* On a phone, an empty cell is left unlabelled rather than shown as an empty row. */}
                  <td data-label={details || field.description ? "Details" : undefined} className="details">
                    {details}
                    {field.description ? <span className="muted"> {field.description}</span> : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <p className="hint">
        <code>/{kind.name} text</code> keeps the text in {kind.fields.find((field) => field.key === kind.textField)?.label ?? kind.textField};
        the team fills the rest.
      </p>
    </article>
  );
}

function AddType({ workspace, full, taken }: { workspace: Workspace; full: boolean; taken: string[] }) {
  const id = useId();
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<TypeDraft>(typeDraft);
  const [sent, setSent] = useState<RecordTypeBody | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const add = $api.useMutation("post", TYPES, {
    onSuccess: (added) => {
      void queryClient.invalidateQueries({ queryKey: ["get", TYPES] });
      setDraft(typeDraft());
      setNotice(`${added.label} was added: the assistant offers it from the next message on.`);
    },
  });
  const texts = textFields(draft);
  const command = `/${draft.name.trim() || "name"} text`;
  const nameTaken = taken.includes(draft.name.trim());

  function change(fields: Partial<TypeDraft>) {
    setDraft((current) => ({ ...current, ...fields }));
  }

  function changeFields(update: (fields: FieldDraft[]) => FieldDraft[]) {
    setDraft((current) => ({ ...current, fields: update(current.fields) }));
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    setNotice(null);
    const body = bodyOf(draft);
    setSent(body);
    add.mutate({ params: { path: { workspace: workspace.slug } }, body });
  }

  return (
    <section aria-labelledby={`${id}-title`} className="card record-type-form">
      <h2 id={`${id}-title`}>Add a record type</h2>
      {full ? (
        <p>The workspace has {MAX_TYPES} record types of its own, as many as it can have. Remove one to add another.</p>
      ) : (
        <form onSubmit={submit} aria-labelledby={`${id}-title`} className="record-type-form-body">
          <div className="field">
            <label htmlFor={`${id}-label`}>Label</label>
            <input
              id={`${id}-label`}
              type="text"
              value={draft.label}
              onChange={(event) => change({ label: event.target.value })}
              placeholder="Incident"
              maxLength={80}
              required
            />
          </div>
          <div className="field">
            <label htmlFor={`${id}-name`}>Name</label>
            <input
              id={`${id}-name`}
              type="text"
              value={draft.name}
              onChange={(event) => change({ name: event.target.value })}
              placeholder="incident"
              pattern="[a-z][a-z0-9_]*"
              maxLength={40}
              required
              aria-describedby={`${id}-name-hint`}
              aria-invalid={nameTaken || undefined}
            />
            <p className="hint" id={`${id}-name-hint`}>
              {nameTaken
                ? `The workspace already has a record type named ${draft.name.trim()}: choose another name.`
                : "Lowercase letters, digits and underscores, starting with a letter: what the assistant and the API call it, and the command (/incident)."}
            </p>
          </div>
          <div className="field">
            <label htmlFor={`${id}-description`}>Description (optional)</label>
            <textarea
              id={`${id}-description`}
              value={draft.description}
              onChange={(event) => change({ description: event.target.value })}
              placeholder="Something that went wrong at the clinic: what, where and who was there."
              maxLength={500}
              rows={2}
              aria-describedby={`${id}-description-hint`}
            />
            <p className="hint" id={`${id}-description-hint`}>
              The assistant reads it to know when a member's request is one of these.
            </p>
          </div>
          <fieldset className="record-type-fields">
            <legend>Fields</legend>
            <ol className="workflow-steps">
              {draft.fields.map((field, index) => (
                <FieldEditor
                  key={field.id}
                  field={field}
                  place={`field ${index + 1}`}
                  name={field.key.trim() || `field ${index + 1}`}
                  first={index === 0}
                  last={index === draft.fields.length - 1}
                  onChange={(fields) =>
                    changeFields((current) =>
                      current.map((each) => {
                        if (each.id !== field.id) return each;
                        const next = { ...each, ...fields };
                        // A field made a list starts with one item field to fill in.
                        if (fields.kind === "items" && next.items.length === 0) next.items = [fieldDraft()];
                        return next;
                      }),
                    )
                  }
                  onMove={(by) => changeFields((current) => moved(current, index, by))}
                  onRemove={() => changeFields((current) => current.filter((each) => each.id !== field.id))}
                />
              ))}
            </ol>
            <button
              type="button"
              className="button secondary"
              disabled={draft.fields.length >= MAX_FIELDS}
              onClick={() => changeFields((current) => [...current, fieldDraft()])}
            >
              Add a field
            </button>
          </fieldset>
          <div className="field">
            <label htmlFor={`${id}-text-field`}>Field the command's text goes in</label>
            <select
              id={`${id}-text-field`}
              value={chosenTextField(draft)}
              onChange={(event) => change({ textField: event.target.value })}
              aria-describedby={`${id}-text-field-hint`}
              disabled={texts.length === 0}
            >
              {texts.length === 0 ? <option value="">No text field yet</option> : null}
              {texts.map((key) => (
                <option key={key} value={key}>
                  {key}
                </option>
              ))}
            </select>
            <p className="hint" id={`${id}-text-field-hint`}>
              {texts.length === 0
                ? `A record type needs a text field (with its key): what a member sends as ${command} goes in it.`
                : `What a member sends as ${command} is kept in this field; the team fills the others.`}
            </p>
          </div>
          <div className="toolbar">
            <button type="submit" className="button" disabled={add.isPending}>
              {add.isPending ? "Adding…" : "Add the record type"}
            </button>
          </div>
          {notice ? <Notice tone="success">{notice}</Notice> : null}
          <ErrorNotice error={plainTypeProblem(add.error, sent)} title="Not added." />
        </form>
      )}
    </section>
  );
}

function FieldEditor({
  field,
  place,
  name,
  first,
  last,
  nested = false,
  onChange,
  onMove,
  onRemove,
}: {
  field: FieldDraft;
  /** Where the field is, for its inputs' names: "field 2", "item field 1 of field 2". */
  place: string;
  /** What its buttons call it: its key, or its place while it has none. */
  name: string;
  first: boolean;
  last: boolean;
  nested?: boolean;
  onChange: (fields: Partial<FieldDraft>) => void;
  onMove: (by: number) => void;
  onRemove: () => void;
}) {
  const id = useId();
  // Seen as "Key", heard as "Key of field 2" (the space outside, which every name computation keeps).
  const of = (
    <>
      {" "}
      <VisuallyHidden>of {place}</VisuallyHidden>
    </>
  );
  const kinds = nested ? KINDS.filter((kind) => kind.value !== "items") : KINDS;
  const heading = place.charAt(0).toUpperCase() + place.slice(1);
  return (
    <li className={nested ? "workflow-step record-item-field" : "workflow-step record-field"}>
      <fieldset className="record-field-set">
        <legend>
          {heading}
          {field.key.trim() ? `: ${field.key.trim()}` : ""}
        </legend>
        <div className="record-field-grid">
          <div className="field">
            <label htmlFor={`${id}-key`}>Key{of}</label>
            <input
              id={`${id}-key`}
              type="text"
              value={field.key}
              onChange={(event) => onChange({ key: event.target.value })}
              placeholder="dueDate"
              pattern="[a-zA-Z][a-zA-Z0-9_]*"
              maxLength={40}
              required
            />
          </div>
          <div className="field">
            <label htmlFor={`${id}-label`}>Label{of}</label>
            <input
              id={`${id}-label`}
              type="text"
              value={field.label}
              onChange={(event) => onChange({ label: event.target.value })}
              placeholder="Due date"
              maxLength={80}
              required
            />
          </div>
          <div className="field">
            <label htmlFor={`${id}-kind`}>Kind{of}</label>
            <select id={`${id}-kind`} value={field.kind} onChange={(event) => onChange({ kind: event.target.value as FieldKind })}>
              {kinds.map((kind) => (
                <option key={kind.value} value={kind.value}>
                  {kind.label}
                </option>
              ))}
            </select>
          </div>
        </div>
        <span className="checkbox">
          <input
            id={`${id}-required`}
            type="checkbox"
            checked={field.required}
            onChange={(event) => onChange({ required: event.target.checked })}
          />
          <label htmlFor={`${id}-required`}>Required{of}</label>
        </span>
        {field.kind === "choice" ? (
          <div className="field">
            <label htmlFor={`${id}-options`}>Options{of}, one per line</label>
            <textarea
              id={`${id}-options`}
              value={field.options}
              onChange={(event) => onChange({ options: event.target.value })}
              rows={3}
              required
            />
          </div>
        ) : null}
        <div className="field">
          <label htmlFor={`${id}-description`}>Description{of} (optional)</label>
          <input
            id={`${id}-description`}
            type="text"
            value={field.description}
            onChange={(event) => onChange({ description: event.target.value })}
            placeholder="What the assistant should know to fill it"
            maxLength={500}
          />
        </div>
        {field.kind === "items" && !nested ? (
          <ItemFields field={field} place={place} name={name} onChange={(items) => onChange({ items })} />
        ) : null}
        <RowActions name={name} first={first} last={last} onMove={onMove} onRemove={onRemove} />
      </fieldset>
    </li>
  );
}

/** The fields of each item of a list (no lists inside them). */
function ItemFields({
  field,
  place,
  name,
  onChange,
}: {
  field: FieldDraft;
  place: string;
  name: string;
  onChange: (items: FieldDraft[]) => void;
}) {
  const items = field.items;
  return (
    <div className="record-item-fields">
      <p className="hint">Each item of {field.label.trim() || name} has these fields.</p>
      <ol className="workflow-steps">
        {items.map((item, index) => (
          <FieldEditor
            key={item.id}
            nested
            field={item}
            place={`item field ${index + 1} of ${place}`}
            name={`${item.key.trim() || `item field ${index + 1}`} of ${name}`}
            first={index === 0}
            last={index === items.length - 1}
            onChange={(fields) => onChange(items.map((each) => (each.id === item.id ? { ...each, ...fields } : each)))}
            onMove={(by) => onChange(moved(items, index, by))}
            onRemove={() => onChange(items.filter((each) => each.id !== item.id))}
          />
        ))}
      </ol>
      <button
        type="button"
        className="button secondary small"
        disabled={items.length >= MAX_ITEM_FIELDS}
        onClick={() => onChange([...items, fieldDraft()])}
      >
        Add an item field <VisuallyHidden>to {name}</VisuallyHidden>
      </button>
    </div>
  );
}
