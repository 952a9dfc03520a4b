// Autosave: ~800 ms after the last edit the draft goes to the server with If-Match: the
// revision it was based on. A 412 means another editor saved first: saving stops and their
// version is fetched for the conflict banner; nothing is overwritten until a person chooses.

import { useCallback, useEffect, useRef, useState } from "react";

import { ApiError } from "../api/problem";
import type { PageOut } from "../api/types";
import { pagesApi } from "./pagesApi";
import type { PageTree } from "./tree";

export type SaveState =
  | { kind: "saved"; at: Date | null }
  | { kind: "pending" }
  | { kind: "saving" }
  | { kind: "invalid"; error: ApiError }
  | { kind: "failed"; error: unknown }
  | { kind: "conflict"; theirs: PageOut };

const DELAY_MS = 800;

export function useAutosave(pageId: string, initialRevision: number, tree: PageTree, initialTree: PageTree) {
  const [state, setState] = useState<SaveState>({ kind: "saved", at: null });
  const revision = useRef(initialRevision);
  const saved = useRef(initialTree);
  const latest = useRef(tree);
  const busy = useRef(false);
  const stopped = useRef(false);
  latest.current = tree;

  const save = useCallback(async () => {
    if (busy.current || stopped.current || latest.current === saved.current) return;
    busy.current = true;
    const sending = latest.current;
    setState({ kind: "saving" });
    try {
      const page = await pagesApi.saveTree(pageId, revision.current, sending);
      revision.current = page.revision;
      saved.current = sending;
      setState(latest.current === sending ? { kind: "saved", at: new Date() } : { kind: "pending" });
    } catch (error) {
      if (error instanceof ApiError && error.status === 412) {
        stopped.current = true;
        try {
          setState({ kind: "conflict", theirs: await pagesApi.get(pageId) });
        } catch (reading) {
          setState({ kind: "failed", error: reading });
        }
      } else if (error instanceof ApiError && error.status === 422) setState({ kind: "invalid", error });
      else setState({ kind: "failed", error });
    } finally {
      busy.current = false;
    }
    if (!stopped.current && latest.current !== saved.current && latest.current !== sending) window.setTimeout(() => void save(), DELAY_MS);
  }, [pageId]);

  useEffect(() => {
    if (stopped.current) return;
    if (tree === saved.current) {
      // Undone back to what the server has: nothing left to save.
      setState((s) => (s.kind === "pending" ? { kind: "saved", at: new Date() } : s));
      return;
    }
    setState((s) => (s.kind === "saving" ? s : { kind: "pending" }));
    const timer = window.setTimeout(() => void save(), DELAY_MS);
    return () => window.clearTimeout(timer);
  }, [tree, save]);

  // Leaving with unsaved edits asks first.
  useEffect(() => {
    const warn = (event: BeforeUnloadEvent) => {
      if (latest.current !== saved.current) event.preventDefault();
    };
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, []);

  return {
    state,
    revision: () => revision.current,
    saveNow: save,
    /** Take another version as the base (theirs after a conflict, or a publish's answer). */
    rebase: useCallback((page: PageOut, tree: PageTree) => {
      revision.current = page.revision;
      saved.current = tree;
      stopped.current = false;
      setState({ kind: "saved", at: new Date() });
    }, []),
    dirty: () => latest.current !== saved.current,
  };
}
