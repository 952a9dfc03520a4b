// The header and footer every page shows, edited once: the Navbar's and the Footer's props in
// the same form the page editor generates from the registry, saved as you go behind If-Match
// (another person's save is shown, never overwritten unasked), and published on their own.

import type { ErrorSchema } from "@rjsf/utils";

import type { LayoutOut } from "../api/types";
import type { SaveState } from "../editor/autosave";
import { firstRefusal } from "../editor/refusals";
import { SaveStatus } from "../editor/SaveStatus";
import type { Finding } from "../editor/pagesApi";
import { Properties } from "../editor/Properties";
import { fieldName, type Registry } from "../editor/registry";
import { Tabs } from "../editor/Tabs";
import { sameValue } from "../editor/tree";
import { errorSchemaOf } from "../editor/validator";
import { Button, ErrorNotice } from "../ui";
import { PARTS, partAt, type LayoutDraft, type Part } from "./siteApi";

const TABS = (["header", "footer"] as Part[]).map((id) => ({ id, label: PARTS[id].name }));

/** The form control a pointer names (rjsf ids: prop-<node>_<prop>_<index>_…), or the nearest one above it. */
export function focusField(draft: LayoutDraft, part: Part, path: string[]) {
  const node = draft[part];
  if (!node) return;
  for (let depth = path.length; depth >= 0; depth--) {
    const control = document.getElementById(["prop-" + node.id, ...path.slice(0, depth)].join("_"));
    if (control) {
      control.focus();
      control.scrollIntoView({ block: "center", behavior: "smooth" });
      return;
    }
  }
  document.getElementById("layout-part-title")?.focus();
}

export function LiveState({ live, revision, dirty }: { live: number | null; revision: number; dirty: boolean }) {
  if (live === null) return <span className="state state-draft">Not live yet</span>;
  if (live === revision && !dirty) return <span className="state state-live">Live</span>;
  return <span className="state state-changed">Changed since it went live</span>;
}

/** The refusal of a save, at its field when that field is on screen. */
function serverErrors(draft: LayoutDraft, part: Part, state: SaveState<LayoutOut>):
  { errors: ErrorSchema | undefined; elsewhere: { part: Part; path: string[] } | null; message: string } {
  if (state.kind !== "invalid") return { errors: undefined, elsewhere: null, message: "" };
  const { message, pointer } = firstRefusal(state.error) ?? { message: state.error.message, pointer: "" };
  const at = pointer ? partAt(draft, pointer) : null;
  if (!at || at.part !== part) return { errors: undefined, elsewhere: at, message };
  return { errors: errorSchemaOf([{ property: at.path.join("."), message }]), elsewhere: null, message };
}

export function LayoutConflict({ mine, theirs, onReload, onKeepMine }: {
  mine: LayoutDraft; theirs: LayoutOut; onReload(): void; onKeepMine(): void;
}) {
  const differs = (["header", "footer"] as Part[]).filter((part) => !sameValue(mine[part], theirs[part]));
  return (
    <section className="conflict notice notice-warning" role="alert" aria-labelledby="layout-conflict-title">
      <h2 id="layout-conflict-title" className="notice-title">Someone else saved the header and footer while you were editing</h2>
      <p>Their version (revision {theirs.revision}) and yours differ in {differs.length ? differs.map((part) => `the ${PARTS[part].name.toLowerCase()}`).join(" and ") : "nothing visible"}.
        Your changes are kept here and have not been saved.</p>
      <div className="actions">
        <Button variant="secondary" onClick={onReload}>Reload theirs</Button>
        <Button onClick={onKeepMine}>Save mine over theirs</Button>
      </div>
    </section>
  );
}

export function Findings({ findings, draft, onGoTo, title }: {
  findings: Finding[]; draft: LayoutDraft; onGoTo(part: Part, path: string[]): void; title: string;
}) {
  if (!findings.length) return null;
  const errors = findings.filter((f) => f.severity === "error").length;
  return (
    <div className="site-findings" role="alert">
      <p className={errors ? "findings-title has-errors" : "findings-title"}>{title}</p>
      <ul className="findings">
        {findings.map((finding, i) => {
          const at = partAt(draft, finding.pointer || "");
          return (
            <li key={i} className={`finding finding-${finding.severity}`}>
              <span className="finding-severity">{finding.severity === "error" ? "Error" : "Warning"}</span>
              <span className="finding-message">{finding.message}</span>
              {at ? (
                <button type="button" className="link-button" onClick={() => onGoTo(at.part, at.path)}>
                  Go to {PARTS[at.part].name.toLowerCase()}{at.path.length ? `: ${fieldName(at.path)}` : ""}
                </button>
              ) : null}
            </li>
          );
        })}
      </ul>
    </div>
  );
}

export function LayoutPanel({ draft, part, registry, readOnly, state, dirty, onPart, onChange, onAdd, onGoTo }: {
  draft: LayoutDraft; part: Part; registry: Registry; readOnly: boolean; state: SaveState<LayoutOut>; dirty: boolean;
  onPart(part: Part): void; onChange(part: Part, props: Record<string, unknown>): void; onAdd(part: Part): void;
  onGoTo(part: Part, path: string[]): void;
}) {
  const node = draft[part];
  const { errors, elsewhere, message } = serverErrors(draft, part, state);
  return (
    <section className="layout-panel editor-panel" aria-labelledby="layout-title">
      <div className="layout-panel-head">
        <h2 id="layout-title">Header and footer</h2>
        {readOnly ? null : <SaveStatus state={state} dirty={dirty} what="the header or footer" />}
      </div>
      {state.kind === "failed" ? <ErrorNotice error={state.error} title="Your last change is not saved yet" /> : null}
      {state.kind === "invalid" && elsewhere ? (
        <div className="notice notice-error" role="alert">
          <p className="notice-title">Not saved: {message}</p>
          <button type="button" className="link-button" onClick={() => onGoTo(elsewhere.part, elsewhere.path)}>
            Show the field in the {PARTS[elsewhere.part].name.toLowerCase()}
          </button>
        </div>
      ) : null}
      <Tabs className="side-tabs" items={TABS} value={part} onChange={onPart} label="Part of the layout" idPrefix="layout" />
      <div id={`layout-panel-${part}`} role="tabpanel" aria-labelledby={`layout-${part}`}>
        <h3 id="layout-part-title" tabIndex={-1} className="visually-hidden">{PARTS[part].name}</h3>
        {node ? (
          <Properties node={node} registry={registry} serverErrors={errors} readOnly={readOnly}
            onChange={(props) => {
              if (!sameValue(props, node.props)) onChange(part, props);
            }} />
        ) : (
          <div className="layout-missing">
            <p className="hint">This site has no {PARTS[part].name.toLowerCase()} yet: pages without one of their own show none.</p>
            {readOnly ? null : <Button variant="secondary" onClick={() => onAdd(part)}>Add a {PARTS[part].name.toLowerCase()}</Button>}
          </div>
        )}
      </div>
    </section>
  );
}
