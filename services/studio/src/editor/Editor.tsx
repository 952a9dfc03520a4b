// The page editor (/pages/:pageId): the outline, the canvas and a side panel side by side
// (tabs on a narrow screen), saved as you go, with undo, redo and publishing behind the
// gates. The side panel holds the selected block's properties, AI edits of it, and the
// page's versions. Loaded lazily: none of it weighs on the shell's first load.

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { ErrorSchema } from "@rjsf/utils";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { Link, useNavigate, useParams } from "react-router-dom";

import { ApiError } from "../api/problem";
import { useSession } from "../api/session";
import type { PageOut } from "../api/types";
import { AiPanel } from "../canvas/AiPanel";
import { History } from "../canvas/History";
import { nodeLabel } from "../canvas/shapes";
import { Button, ErrorNotice, Loading, ScreenTitle } from "../ui";
import { useAltFromLibrary } from "./altText";
import { useAutosave, type SaveState } from "./autosave";
import { SaveStatus } from "./SaveStatus";
import { CanvasSlot } from "./CanvasSlot";
import { ConflictBanner } from "./ConflictBanner";
import { useHistory } from "./history";
import { Outline } from "./Outline";
import { copySlug, pagesApi, type CheckOut } from "./pagesApi";
import { Palette } from "./Palette";
import { Properties } from "./Properties";
import { findingsOf, PublishPanel } from "./PublishPanel";
import { mayHold, starterProps, useRegistry, type Registry } from "./registry";
import {
  duplicateNode, insertNode, locate, sameValue, newId, nodeAtPointer, propPath, removeNode, setProps, type PageTree,
} from "./tree";
import { Tabs, type TabItem } from "./Tabs";
import { firstRefusal } from "./refusals";
import { errorSchemaOf } from "./validator";
import "./editor.css";

type Tab = "outline" | "canvas" | "properties";
type Side = "block" | "ai" | "versions";

const TABS: TabItem<Tab>[] = [{ id: "outline", label: "Outline" }, { id: "canvas", label: "Canvas" }, { id: "properties", label: "Properties" }];
const SIDES: TabItem<Side>[] = [{ id: "block", label: "Block" }, { id: "ai", label: "AI" }, { id: "versions", label: "Versions" }];

function serverErrorsFor(tree: PageTree, state: SaveState, nodeId: string | null):
  { errors: ErrorSchema | undefined; elsewhere: string | null; message: string } {
  if (state.kind !== "invalid") return { errors: undefined, elsewhere: null, message: "" };
  const { message, pointer } = firstRefusal(state.error) ?? { message: state.error.message, pointer: "" };
  const at = pointer ? nodeAtPointer(tree, pointer) : null;
  if (!at || at !== nodeId) return { errors: undefined, elsewhere: at, message };
  const path = propPath(pointer);
  return { errors: errorSchemaOf([{ property: path.join("."), message }]), elsewhere: null, message };
}

function Workbench({ page, registry }: { page: PageOut; registry: Registry }) {
  const initial = useMemo(() => page.structure as PageTree, [page]);
  const history = useHistory(initial);
  const { tree } = history;
  const autosave = useAutosave(page.id, page.revision, tree, initial);
  const session = useSession();
  const role = session.kind === "tenant" ? session.role : "VIEWER";
  const readOnly = role === "VIEWER";
  const navigate = useNavigate();
  const queries = useQueryClient();
  const [selectedId, setSelectedId] = useState<string | null>(tree.root.children?.[0]?.id ?? tree.root.id);
  const [tab, setTab] = useState<Tab>("outline");
  const [side, setSide] = useState<Side>("block");
  const sideRef = useRef(side);
  sideRef.current = side;
  const [adding, setAdding] = useState(false);
  const [announce, setAnnounce] = useState("");
  const [check, setCheck] = useState<CheckOut | null>(null);
  const [published, setPublished] = useState(false);
  const selected = selectedId ? locate(tree, selectedId) : null;

  const change = useCallback((next: PageTree, message: string, merge: string | null = null) => {
    history.change(next, merge);
    setCheck(null);
    setPublished(false);
    if (message) setAnnounce(message);
  }, [history]);

  const altFromLibrary = useAltFromLibrary(registry, tree, change);

  const select = useCallback((id: string, reveal = false) => {
    setSelectedId(id);
    if (reveal) {
      setTab("properties");
      window.requestAnimationFrame(() => {
        const row = document.getElementById(`outline-${id}`);
        row?.scrollIntoView({ block: "nearest", behavior: "smooth" });
        if (sideRef.current === "block") document.getElementById("properties-title")?.focus();
      });
    }
  }, []);

  // The container "Add" puts a new node into: the selection if it may hold children, else its parent.
  const container = selected ? ((registry.components[selected.node.component]?.children.length ?? 0) > 0 || !selected.parent ? selected.node : selected.parent) : tree.root;
  const addNode = (component: string) => {
    const node = { id: newId(component), component, props: starterProps(registry, component), ...(registry.components[component]?.children.length ? { children: [] } : {}) };
    const index = selected && container.id !== selected.node.id ? selected.index + 1 : container.children?.length ?? 0;
    if (!mayHold(registry, container.component, component)) return;
    change(insertNode(tree, container.id, index, node), `Added ${component}`);
    setAdding(false);
    select(node.id, true);
  };

  const undo = history.undo;
  const redo = history.redo;
  useEffect(() => {
    const keys = (event: KeyboardEvent) => {
      if (!(event.ctrlKey || event.metaKey) || event.key.toLowerCase() !== "z" && event.key.toLowerCase() !== "y") return;
      const target = event.target as HTMLElement;
      // In a text field the browser's own undo applies to what is being typed.
      if (target.closest("input, textarea, select, [contenteditable='true']")) return;
      event.preventDefault();
      if (event.key.toLowerCase() === "y" || event.shiftKey) redo(); else undo();
    };
    document.addEventListener("keydown", keys);
    return () => document.removeEventListener("keydown", keys);
  }, [undo, redo]);

  const runCheck = useMutation({
    mutationFn: async () => {
      await autosave.flush();
      return pagesApi.check(page.id);
    },
    onSuccess: setCheck,
  });
  const publish = useMutation({
    mutationFn: async () => pagesApi.publish(page.id, await autosave.flush()),
    onSuccess: (out) => {
      autosave.rebase(out, tree);
      setPublished(true);
      void queries.invalidateQueries({ queryKey: ["pages"] });
    },
    onError: (error) => {
      const findings = findingsOf(error);
      if (findings) setCheck({ publishable: false, findings });
    },
  });
  const keepMine = useMutation({
    mutationFn: async () => {
      const list = await queries.fetchQuery({ queryKey: ["pages"], queryFn: ({ signal }) => pagesApi.list(signal) });
      return pagesApi.create(copySlug(page.slug, new Set(list.pages.map((p) => p.slug))), undefined, tree);
    },
    onSuccess: (copy) => {
      void queries.invalidateQueries({ queryKey: ["pages"] });
      navigate(`/pages/${copy.id}`, { replace: false });
    },
  });

  const conflict = autosave.state.kind === "conflict" ? autosave.state.theirs : null;
  // AI edits and restored versions are written by the server: the editor takes its answer as
  // one more step (undo takes it back) and as the base the next save builds on.
  const written = (next: PageOut, message: string) => {
    const theirs = next.structure as PageTree;
    autosave.rebase(next, theirs);
    change(theirs, message);
    if (selectedId && !locate(theirs, selectedId)) setSelectedId(theirs.root.id);
    void queries.invalidateQueries({ queryKey: ["page", page.id, "versions"] });
    void queries.invalidateQueries({ queryKey: ["pages"] });
  };

  const reloadTheirs = () => {
    if (!conflict) return;
    const theirs = conflict.structure as PageTree;
    history.reset(theirs);
    autosave.rebase(conflict, theirs);
    if (selectedId && !locate(theirs, selectedId)) setSelectedId(theirs.root.id);
    setAnnounce("Their version is loaded.");
  };

  const { errors: serverErrors, elsewhere, message: refusal } = serverErrorsFor(tree, autosave.state, selectedId);
  const flagged = useMemo(() => {
    const marks = new Map<string, "error" | "warning">();
    for (const finding of check?.findings ?? []) {
      const id = nodeAtPointer(tree, finding.pointer || "/root");
      if (id && marks.get(id) !== "error") marks.set(id, finding.severity);
    }
    if (elsewhere) marks.set(elsewhere, "error");
    return marks;
  }, [check, tree, elsewhere]);

  const title = String(tree.root.props.title ?? "") || page.slug;

  return (
    <div className="editor" data-tab={tab}>
      <div className="editor-head">
        <div className="editor-title">
          <p className="editor-crumb"><Link to="/">Pages</Link> <span aria-hidden="true">/</span> <span className="mono">{page.slug}</span></p>
          <ScreenTitle title={`Editing ${title}`}>{title}</ScreenTitle>
        </div>
        <div className="editor-tools">
          <SaveStatus state={autosave.state} dirty={autosave.state.kind === "saved" && autosave.dirty()} what="this page" />
          <div className="editor-history" role="group" aria-label="History">
            <Button variant="secondary" onClick={undo} disabled={!history.canUndo || readOnly} aria-keyshortcuts="Control+Z Meta+Z">Undo</Button>
            <Button variant="secondary" onClick={redo} disabled={!history.canRedo || readOnly} aria-keyshortcuts="Control+Shift+Z Meta+Shift+Z">Redo</Button>
          </div>
        </div>
      </div>
      {readOnly ? <p className="notice notice-info">You can read this page; a viewer cannot change it. Ask an owner for the editor role.</p> : null}
      {conflict ? <ConflictBanner mine={tree} theirs={conflict} busy={keepMine.isPending} onReload={reloadTheirs} onKeepMine={() => keepMine.mutate()} /> : null}
      <ErrorNotice error={keepMine.error} title="Your copy could not be saved" />
      {autosave.state.kind === "failed" ? <ErrorNotice error={autosave.state.error} title="Your last change is not saved yet" /> : null}
      {autosave.state.kind === "invalid" && elsewhere ? (
        <div className="notice notice-error" role="alert">
          <p className="notice-title">Not saved: {refusal}</p>
          <button type="button" className="link-button" onClick={() => select(elsewhere, true)}>Show the field</button>
        </div>
      ) : null}
      <p className="visually-hidden" role="status" aria-live="polite">{announce}</p>

      <Tabs className="editor-tabs" items={TABS} value={tab} onChange={setTab} label="Editor panels" idPrefix="tab" />

      <div className="editor-columns">
        <section id="tab-panel-outline" className="editor-panel panel-outline" role="tabpanel" aria-labelledby="outline-title">
          <div className="panel-head">
            <h2 id="outline-title">Outline</h2>
            {readOnly ? null : (
              <div className="panel-actions">
                <Button variant="secondary" className="btn btn-secondary btn-small" onClick={() => setAdding(true)}
                  disabled={!registry.components[container.component]?.children.length}>Add</Button>
                <Button variant="quiet" className="btn btn-quiet btn-small" disabled={!selected?.parent}
                  onClick={() => {
                    if (!selected?.parent) return;
                    const { tree: next, copyId } = duplicateNode(tree, selected.node.id);
                    change(next, `Duplicated ${selected.node.component}`);
                    if (copyId) setSelectedId(copyId);
                  }}>Duplicate</Button>
                <Button variant="quiet" className="btn btn-quiet btn-small" disabled={!selected?.parent}
                  onClick={() => {
                    if (!selected?.parent) return;
                    const siblings = selected.parent.children ?? [];
                    const next = siblings[selected.index + 1] ?? siblings[selected.index - 1] ?? selected.parent;
                    change(removeNode(tree, selected.node.id), `Deleted ${selected.node.component}. Undo brings it back.`);
                    setSelectedId(next.id);
                  }}>Delete</Button>
              </div>
            )}
          </div>
          <Outline tree={tree} registry={registry} selectedId={selectedId} flagged={flagged} readOnly={readOnly}
            onSelect={(id) => select(id)} onChange={(next, message) => change(next, message)} />
        </section>

        <section id="tab-panel-canvas" className="editor-panel panel-canvas" role="tabpanel" aria-labelledby="canvas-title">
          <h2 id="canvas-title" className="visually-hidden">Canvas</h2>
          {/* Every link of the rendered page is a Tab stop: a keyboard user may pass them all by. */}
          <a className="canvas-skip" href="#tab-panel-properties"
            onClick={(event) => { event.preventDefault(); document.getElementById(`side-${side}`)?.focus(); }}>
            Skip past the canvas
          </a>
          <CanvasSlot pageId={page.id} structure={tree} selectedId={selectedId} onSelect={(id) => select(id, true)} />
        </section>

        <section id="tab-panel-properties" className="editor-panel panel-properties" role="tabpanel" aria-label="Block, AI and versions">
          <Tabs className="side-tabs" items={SIDES} value={side} onChange={setSide} label="Side panel" idPrefix="side" />
          <div id="side-panel-block" role="tabpanel" aria-labelledby="side-block" hidden={side !== "block"}>
            <h2 id="properties-title" tabIndex={-1}>{selected ? selected.node.component : "Properties"}</h2>
            {selected ? (
              <Properties node={selected.node} registry={registry} serverErrors={serverErrors} readOnly={readOnly}
                onChange={(props) => {
                  if (sameValue(props, selected.node.props)) return;
                  change(setProps(tree, selected.node.id, props), "", `props:${selected.node.id}`);
                  altFromLibrary(selected.node.id, selected.node.component, selected.node.props, props);
                }} />
            ) : <p className="hint">Select a node in the outline or on the canvas to change it.</p>}
          </div>
          <div id="side-panel-ai" role="tabpanel" aria-labelledby="side-ai" hidden={side !== "ai"}>
            <AiPanel pageId={page.id} draftRevision={autosave.flush} nodeId={selected?.parent ? selected.node.id : null}
              nodeLabel={selected ? nodeLabel(selected.node, selected.node.id) : undefined}
              onApplied={(next) => written(next, "The AI's changes are in the draft. Undo takes them back.")} />
          </div>
          <div id="side-panel-versions" role="tabpanel" aria-labelledby="side-versions" hidden={side !== "versions"}>
            <History pageId={page.id} revision={autosave.savedRevision} draftRevision={autosave.flush} structure={tree}
              onRestored={(next) => written(next, "The version is in the draft. Undo takes it back.")} />
          </div>
          <PublishPanel tree={tree} check={check} checking={runCheck.isPending} checkError={runCheck.error}
            publishing={publish.isPending} publishError={publish.error} published={published} readOnly={readOnly}
            onCheck={() => runCheck.mutate()} onPublish={() => publish.mutate()} onGoTo={(id) => { setSide("block"); select(id, true); }} />
        </section>
      </div>
      <Palette open={adding} registry={registry} container={container.component} onPick={addNode} onClose={() => setAdding(false)} />
    </div>
  );
}

export function Editor() {
  const { pageId = "" } = useParams();
  const page = useQuery({ queryKey: ["page", pageId], queryFn: ({ signal }) => pagesApi.get(pageId, signal), staleTime: Infinity, gcTime: 0 });
  const registry = useRegistry();
  if (page.isPending || registry.isPending) return <Loading label="Opening the page…" />;
  if (page.error || registry.error) {
    const missing = page.error instanceof ApiError && page.error.status === 404;
    return (
      <>
        <ScreenTitle title={missing ? "Page not found" : "The page could not be opened"}>{missing ? "Page not found" : "The page could not be opened"}</ScreenTitle>
        <ErrorNotice error={page.error ?? registry.error} title={missing ? "This page does not exist (any more)" : "That did not work"} />
        <Link className="btn btn-secondary" to="/">Back to the pages</Link>
      </>
    );
  }
  // A new page id is a new editor: history, autosave and selection start again.
  return <Workbench key={page.data.id} page={page.data} registry={registry.data} />;
}

export default Editor;
