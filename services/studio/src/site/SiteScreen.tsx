// Site (/site): the header and footer every page shows, edited once and previewed in place,
// and publishing the whole site. Theme, brand kit and domain are in Settings. Loaded lazily:
// the generated forms (rjsf) and the canvas stay out of the shell's first load.

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useMemo, useRef, useState } from "react";
import { Link } from "react-router-dom";

import { useSession } from "../api/session";
import type { LayoutOut, PageSummary, TenantOut } from "../api/types";
import { api } from "../api/client";
import { useDraftAutosave, type DraftStore } from "../editor/autosave";
import { findingsOf } from "../editor/PublishPanel";
import { useRegistry, type Registry } from "../editor/registry";
import { setProps } from "../editor/tree";
import { Button, ErrorNotice, Loading, ScreenTitle } from "../ui";
import { Findings, focusField, LayoutConflict, LayoutPanel, LiveState } from "./LayoutPanel";
import { SitePreview, previewPage } from "./SitePreview";
import { SitePublish } from "./SitePublish";
import { siteApi, starterPart, type LayoutDraft, type Part } from "./siteApi";
import "../editor/editor.css";
import "./site.css";

const LAYOUT_WORDS = {
  conflict: "Someone else changed the header or footer: choose a version in the banner above first.",
  invalid: "Your last change to the header or footer is not saved yet: fix the field it points to, then try again.",
};

function Workbench({ layout, pages, registry, siteName, readOnly, canRender }: {
  layout: LayoutOut; pages: PageSummary[]; registry: Registry; siteName: string; readOnly: boolean; canRender: boolean;
}) {
  const queries = useQueryClient();
  const initial = useMemo<LayoutDraft>(() => ({ header: layout.header, footer: layout.footer }), [layout]);
  const [draft, setDraft] = useState(initial);
  const [part, setPart] = useState<Part>("header");
  const [live, setLive] = useState(layout.live_revision);
  const [findings, setFindings] = useState<ReturnType<typeof findingsOf>>(null);
  const [announce, setAnnounce] = useState("");
  const store = useMemo<DraftStore<LayoutDraft, LayoutOut>>(() => ({
    save: (revision, doc) => siteApi.saveLayout(revision, doc), read: () => siteApi.layout(), words: LAYOUT_WORDS,
  }), []);
  const autosave = useDraftAutosave(store, layout.revision, draft, initial);
  const empty = draft.header === null && draft.footer === null;
  const conflict = autosave.state.kind === "conflict" ? autosave.state.theirs : null;
  const dirty = autosave.dirty() || autosave.state.kind === "pending" || autosave.state.kind === "saving";

  const edit = (next: LayoutDraft) => {
    setDraft(next);
    setFindings(null);
  };
  // Going to a field waits for its tab to render, then reads the draft of that moment.
  const draftNow = useRef(draft);
  draftNow.current = draft;
  const goTo = useCallback((to: Part, path: string[]) => {
    setPart(to);
    window.requestAnimationFrame(() => focusField(draftNow.current, to, path));
  }, []);

  const start = () => {
    edit({ header: starterPart(registry, "header", siteName, pages), footer: starterPart(registry, "footer", siteName, pages) });
    setPart("header");
    setAnnounce("A header and a footer are started from your pages; they save as you go.");
  };
  const publishLayout = useMutation({
    mutationFn: async () => siteApi.publishLayout(await autosave.flush()),
    onSuccess: (out) => {
      setLive(out.live_revision);
      setFindings(null);
      void queries.invalidateQueries({ queryKey: ["page-states"] });
    },
    onError: (error) => setFindings(findingsOf(error)),
  });
  const reloadTheirs = () => {
    if (!conflict) return;
    const theirs = { header: conflict.header, footer: conflict.footer };
    autosave.rebase(conflict, theirs);
    setDraft(theirs);
    setLive(conflict.live_revision);
    setAnnounce("Their header and footer are loaded.");
  };
  const keepMine = () => {
    if (!conflict) return;
    // Mine, saved on top of theirs: a person chose it, knowing theirs differs.
    autosave.rebase(conflict, { header: conflict.header, footer: conflict.footer });
    setDraft({ ...draft });
  };
  const waiting = !empty && (live === null || live !== autosave.savedRevision || dirty);

  return (
    <>
      <p className="visually-hidden" role="status" aria-live="polite">{announce}</p>
      {conflict ? <LayoutConflict mine={draft} theirs={conflict} onReload={reloadTheirs} onKeepMine={keepMine} /> : null}
      {empty ? (
        <section className="empty site-empty" aria-labelledby="layout-empty-title">
          <h2 id="layout-empty-title">No header and footer yet</h2>
          {readOnly ? <p>Nobody has made this site's header and footer yet. Its editors and owners make them here.</p> : (
            <>
              <p>Every page shows the same header and footer: the site's name, links to its pages, how to reach you.
                Start them from your {pages.length ? `${pages.length === 1 ? "page" : `${pages.length} pages`}` : "site's name"} and change anything after.</p>
              <Button onClick={start}>Start a header and footer</Button>
            </>
          )}
        </section>
      ) : (
        <div className="site-grid">
          <div className="site-side">
            <LayoutPanel draft={draft} part={part} registry={registry} readOnly={readOnly} state={autosave.state} dirty={dirty}
              onPart={setPart} onGoTo={goTo}
              onAdd={(which) => edit({ ...draft, [which]: starterPart(registry, which, siteName, pages) })}
              onChange={(which, props) => {
                const node = draft[which];
                if (!node) return;
                edit({ ...draft, [which]: setProps({ root: node }, node.id, props).root });
              }} />
            <section className="editor-panel layout-publish" aria-labelledby="layout-publish-title">
              <h2 id="layout-publish-title">On the live site</h2>
              <p className="layout-live"><LiveState live={live} revision={autosave.savedRevision} dirty={dirty} /></p>
              <p className="hint">{live === null ? "They go live with the site's first publication, or now on their own."
                : "Publishing them changes every live page at once."}</p>
              {readOnly ? null : (
                <Button variant="secondary" onClick={() => publishLayout.mutate()} busy={publishLayout.isPending}
                  busyLabel="Publishing…" disabled={!waiting || conflict !== null}>Publish the header and footer</Button>
              )}
              {publishLayout.isSuccess && !waiting ? <p className="notice notice-success" role="status">Live: every page shows this header and footer now.</p> : null}
              {findingsOf(publishLayout.error) ? null : <ErrorNotice error={publishLayout.error} title="The header and footer were not published" />}
            </section>
            <Findings findings={findings ?? []} draft={draft} onGoTo={goTo}
              title="The header and footer cannot go live yet: fix these first" />
          </div>
          <section className="site-preview editor-panel" aria-labelledby="site-preview-title">
            <h2 id="site-preview-title">Preview</h2>
            <SitePreview page={previewPage(pages)} draft={draft} part={part} canRender={canRender} onPart={setPart} />
          </section>
        </div>
      )}
      <SitePublish pages={pages} readOnly={readOnly} layoutWaiting={waiting}
        flushLayout={async () => (empty ? null : autosave.flush())}
        onPublished={(out) => {
          if (out.layout_revision !== null) setLive(out.layout_revision);
        }}
        onLayoutFindings={(refused) => setFindings(refused?.layout.length ? refused.layout : null)} />
    </>
  );
}

export function SiteScreen() {
  const state = useSession();
  const role = state.kind === "tenant" ? state.role : "VIEWER";
  const readOnly = role === "VIEWER";
  const layout = useQuery({ queryKey: ["layout"], queryFn: ({ signal }) => siteApi.layout(signal), staleTime: Infinity, gcTime: 0 });
  const pages = useQuery({ queryKey: ["pages"], queryFn: ({ signal }) => siteApi.pages(signal) });
  const tenant = useQuery({ queryKey: ["tenant"], queryFn: ({ signal }) => api.get<TenantOut>("/api/identity/tenant", signal) });
  const registry = useRegistry();
  const failed = layout.error ?? pages.error ?? registry.error;
  return (
    <>
      <ScreenTitle title="Site" lead={<>The header and footer every page shows, and publishing the whole site. The theme, brand kit and domain are in <Link to="/settings">Settings</Link>.</>}>Site</ScreenTitle>
      {readOnly ? <p className="notice notice-info" role="note">You are a viewer on this site: you can read its header, footer and pages, not change or publish them. An owner can make you an editor.</p> : null}
      <ErrorNotice error={failed} title="The site could not be loaded" />
      {!failed && (layout.isPending || pages.isPending || registry.isPending) ? <Loading label="Loading the header, footer and pages…" /> : null}
      {layout.data && pages.data && registry.data ? (
        // A reloaded layout starts the form again from it. Every member may render a draft
        // (cms: render_draft), so a viewer sees the preview too.
        <Workbench key={layout.dataUpdatedAt} layout={layout.data} pages={pages.data.pages} registry={registry.data}
          siteName={tenant.data?.name ?? ""} readOnly={readOnly} canRender />
      ) : null}
    </>
  );
}
