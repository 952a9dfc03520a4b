// Autosave: ~800 ms after the last edit the draft goes to the server with If-Match: the
// revision it was based on. A 412 means another editor saved first: saving stops and their
// version is fetched for the conflict banner; nothing is overwritten until a person chooses.
// Whatever writes to the draft on the server (AI edits, a restored version, publishing) first
// flushes: it waits for what is pending to be saved and writes against the revision that gave.

import { useCallback, useEffect, useMemo, useRef, useState } from "react";

import { ApiError } from "../api/problem";
import type { PageOut } from "../api/types";
import { pagesApi } from "./pagesApi";
import type { PageTree } from "./tree";

export type SaveState<Theirs = PageOut> =
  | { kind: "saved"; at: Date | null }
  | { kind: "pending" }
  | { kind: "saving" }
  | { kind: "invalid"; error: ApiError }
  | { kind: "failed"; error: unknown }
  | { kind: "conflict"; theirs: Theirs };

const DELAY_MS = 800;

/** Where a draft is kept: a write with If-Match (the revision it is based on), and a read of
 * what is there now (for the conflict banner). The page editor's is a page; the Site
 * screen's the layout. Keep it stable (useMemo): a new store is a new save function. */
export interface DraftStore<Doc, Saved extends { revision: number }> {
  save(revision: number, doc: Doc): Promise<Saved>;
  read(): Promise<Saved>;
  /** What flush throws when saving has stopped (someone else saved) or a field is refused. */
  words?: { conflict: string; invalid: string };
}

const PAGE_WORDS = {
  conflict: "Someone else changed this page: choose a version in the banner above first.",
  invalid: "Your last change is not saved yet: fix what the editor points out, then try again.",
};

export function useAutosave(pageId: string, initialRevision: number, tree: PageTree, initialTree: PageTree) {
  const store = useMemo<DraftStore<PageTree, PageOut>>(() => ({
    save: (revision, structure) => pagesApi.saveTree(pageId, revision, structure),
    read: () => pagesApi.get(pageId),
    words: PAGE_WORDS,
  }), [pageId]);
  return useDraftAutosave(store, initialRevision, tree, initialTree);
}

/** Autosave of any draft kept behind If-Match; `doc` is compared by identity (a new object is an edit). */
export function useDraftAutosave<Doc, Saved extends { revision: number }>(
  store: DraftStore<Doc, Saved>, initialRevision: number, tree: Doc, initialTree: Doc) {
  const [state, setState] = useState<SaveState<Saved>>({ kind: "saved", at: null });
  const revision = useRef(initialRevision);
  const saved = useRef(initialTree);
  const latest = useRef(tree);
  const inflight = useRef<Promise<boolean> | null>(null);
  const stopped = useRef(false);
  const [savedRevision, setSavedRevision] = useState(initialRevision);
  latest.current = tree;

  const send = useCallback(async (): Promise<boolean> => {
    const sending = latest.current;
    setState({ kind: "saving" });
    try {
      const page = await store.save(revision.current, sending);
      revision.current = page.revision;
      saved.current = sending;
      setSavedRevision(page.revision);
      setState(latest.current === sending ? { kind: "saved", at: new Date() } : { kind: "pending" });
      return true;
    } catch (error) {
      if (error instanceof ApiError && error.status === 412) {
        stopped.current = true;
        try {
          setState({ kind: "conflict", theirs: await store.read() });
        } catch (reading) {
          setState({ kind: "failed", error: reading });
        }
      } else if (error instanceof ApiError && error.status === 422) setState({ kind: "invalid", error });
      else setState({ kind: "failed", error });
      return false;
    }
  }, [store]);

  /** Save what is pending now; one request at a time, and true when the server has it. */
  const save = useCallback((): Promise<boolean> => {
    if (inflight.current) return inflight.current;
    if (stopped.current) return Promise.resolve(false);
    if (latest.current === saved.current) return Promise.resolve(true);
    const sending = latest.current;
    inflight.current = send().finally(() => {
      inflight.current = null;
      if (!stopped.current && latest.current !== saved.current && latest.current !== sending) {
        window.setTimeout(() => void save(), DELAY_MS);
      }
    });
    return inflight.current;
  }, [send]);

  /** Wait until the server has every change made so far: the revision to write against. */
  const flush = useCallback(async (): Promise<number> => {
    while (inflight.current || latest.current !== saved.current) {
      if (!(await save()) && latest.current !== saved.current) {
        const words = store.words ?? PAGE_WORDS;
        throw new Error(stopped.current ? words.conflict : words.invalid);
      }
    }
    return revision.current;
  }, [save, store]);

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
    /** The draft's revision on the server, as state: what was last saved re-renders. */
    savedRevision,
    revision: () => revision.current,
    flush,
    /** Take another version as the base (theirs after a conflict, a publish's or an AI edit's answer). */
    rebase: useCallback((page: Saved, tree: Doc) => {
      revision.current = page.revision;
      saved.current = tree;
      stopped.current = false;
      setSavedRevision(page.revision);
      setState({ kind: "saved", at: new Date() });
    }, []),
    dirty: () => latest.current !== saved.current,
  };
}
