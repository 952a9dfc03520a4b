// The header and footer in place, as visitors get them: a page of the site rendered by cms
// (the canvas the editor uses) with the layout being edited, so every change shows before it
// is even saved. Clicking the header or the footer opens its form; the page itself is not
// edited here.

import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router-dom";

import type { PageSummary } from "../api/types";
import { Canvas } from "../canvas/Canvas";
import { pagesApi } from "../editor/pagesApi";
import type { PageTree } from "../editor/tree";
import { ErrorNotice, Loading } from "../ui";
import { PARTS, withLayout, type LayoutDraft, type Part } from "./siteApi";

/** The page the header and footer are shown on: the home page, else the first. */
export function previewPage(pages: PageSummary[]): PageSummary | null {
  return pages.find((page) => page.slug === "/") ?? pages[0] ?? null;
}

export function SitePreview({ page, draft, part, canRender, onPart }: {
  page: PageSummary | null; draft: LayoutDraft; part: Part; canRender: boolean; onPart(part: Part): void;
}) {
  const full = useQuery({
    queryKey: ["site-preview-page", page?.id, page?.revision],
    queryFn: ({ signal }) => pagesApi.get(page!.id, signal),
    enabled: canRender && page !== null,
  });
  if (!page) {
    return (
      <div className="site-preview-empty">
        <p>The header and footer show on every page. Once the site has a page, it is previewed here with them.</p>
        <Link className="btn btn-secondary" to="/">Go to the pages</Link>
      </div>
    );
  }
  if (!canRender) {
    return (
      <div className="site-preview-empty">
        <p>Previews of drafts are for the site's editors and owners. {page.is_published
          ? "The live site shows the published header and footer." : "Once the site is published, its pages show them."}</p>
        {page.is_published ? <a className="btn btn-secondary" href={page.slug} target="_blank" rel="noopener">Open {page.title || page.slug} on the live site<span className="visually-hidden"> (new tab)</span></a> : null}
      </div>
    );
  }
  if (full.isPending) return <Loading label="Loading the page to preview…" />;
  if (full.error) return <ErrorNotice error={full.error} title="The page to preview could not be loaded" />;
  const tree = full.data.structure as PageTree;
  const own = new Set((tree.root.children ?? []).map((node) => node.component));
  const shadowed = (["header", "footer"] as Part[]).filter((p) => draft[p] && own.has(PARTS[p].component));
  return (
    <>
      <p className="hint site-preview-on">
        Shown on <span className="mono">{page.slug}</span> ({page.title || "untitled"}), with its latest draft.
        {shadowed.length ? ` This page has a ${shadowed.map((p) => PARTS[p].name.toLowerCase()).join(" and a ")} of its own, which it keeps: the site's shows on pages without one.` : ""}
      </p>
      <Canvas pageId={page.id} structure={withLayout(tree, draft)} selectedId={draft[part]?.id ?? null}
        onSelect={(id) => {
          const picked = (["header", "footer"] as Part[]).find((p) => draft[p]?.id === id);
          if (picked) onPart(picked);
        }} />
    </>
  );
}
