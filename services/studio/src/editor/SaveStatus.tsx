// What autosave is doing, said once for a page and for the header and footer.

import type { SaveState } from "./autosave";

export function SaveStatus({ state, dirty, what }: { state: SaveState<unknown>; dirty: boolean; what: string }) {
  const text = {
    saved: dirty ? "Unsaved changes" : state.kind === "saved" && state.at ? "All changes saved" : "No changes yet",
    pending: "Unsaved changes",
    saving: "Saving…",
    invalid: "Not saved: a field needs fixing",
    failed: "Not saved: the platform did not answer, retrying with your next change",
    conflict: `Not saved: someone else changed ${what}`,
  }[state.kind];
  return <p className={`save-status save-${state.kind}`} role="status" aria-live="polite">{text}</p>;
}
