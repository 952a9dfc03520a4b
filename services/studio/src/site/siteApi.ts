// The Site screen's calls and the few rules it needs: the layout (the header and footer every
// page shows) behind If-Match, the pages' published state, and publishing them all together.

import { api, call } from "../api/client";
import { ApiError } from "../api/problem";
import type { LayoutOut, PageList, PageSummary, PublicationOut, TreeNode } from "../api/types";
import type { Finding } from "../editor/pagesApi";
import { starterProps, type Registry } from "../editor/registry";
import type { PageTree } from "../editor/tree";

export type Part = "header" | "footer";
export const PARTS: Record<Part, { component: string; id: string; name: string }> = {
  header: { component: "Navbar", id: "site-header", name: "Header" },
  footer: { component: "Footer", id: "site-footer", name: "Footer" },
};

/** The layout's draft as the screen edits it: a new object is an edit (autosave compares identity). */
export interface LayoutDraft {
  header: TreeNode | null;
  footer: TreeNode | null;
}

const ifMatch = (revision: number) => ({ "if-match": `"${revision}"` });

export const siteApi = {
  layout: (signal?: AbortSignal) => api.get<LayoutOut>("/api/cms/layout", signal),
  saveLayout: (revision: number, draft: LayoutDraft) =>
    call<LayoutOut>("PUT", "/api/cms/layout", { json: draft, headers: ifMatch(revision) }),
  publishLayout: (revision: number) => api.post<LayoutOut>("/api/cms/layout/publish", undefined, ifMatch(revision)),
  pages: (signal?: AbortSignal) => api.get<PageList>("/api/cms/pages?limit=100", signal),
  publishSite: (pages: PageSummary[], layoutRevision: number | null) =>
    api.post<PublicationOut>("/api/cms/site-publications", {
      pages: pages.map((page) => ({ id: page.id, revision: page.revision })), layout_revision: layoutRevision,
    }),
};

export type PageState = "draft" | "published" | "changed";

/** Whether visitors see a page's draft: never published, live as it is, or changed since. */
export function pageState(page: PageSummary): PageState {
  if (!page.is_published || page.live_version === null) return "draft";
  return page.changed_since_live ? "changed" : "published";
}

/** The page as visitors will get it, by cms's own rule (services/cms/layout.py `with_layout`):
 * the site's header first and footer last, where the page has none of its own. The canvas
 * renders this tree with cms's renderer, so unsaved edits of the layout show at once. */
export function withLayout(tree: PageTree, draft: LayoutDraft): PageTree {
  const top = tree.root.children ?? [];
  const own = new Set(top.map((node) => node.component));
  const header = draft.header && !own.has("Navbar") ? [draft.header] : [];
  const footer = draft.footer && !own.has("Footer") ? [draft.footer] : [];
  return { root: { ...tree.root, children: [...header, ...top, ...footer] } };
}

/** A first header and footer: the registry's starter props, the site's name, and a link to
 * each page (the home page first, as many as a Navbar holds). */
export function starterPart(registry: Registry, part: Part, siteName: string, pages: PageSummary[]): TreeNode {
  const { component, id } = PARTS[part];
  const props: Record<string, unknown> = { ...starterProps(registry, component), ...(siteName ? { brand: siteName.slice(0, 60) } : {}) };
  if (part === "header") {
    const ordered = [...pages].sort((a, b) => (a.slug === "/" ? -1 : b.slug === "/" ? 1 : a.slug.localeCompare(b.slug)));
    props.links = ordered.slice(0, 8).map((page) => ({
      label: (page.slug === "/" ? "Home" : page.title.trim() || page.slug.replace(/^\//, "")).slice(0, 40),
      href: page.slug,
    }));
  } else if (siteName) {
    props.legal = `© ${new Date().getFullYear()} ${siteName}`;
  }
  return { id, component, props };
}

/** Where a finding or a refusal of the layout points: cms checks the parts present as the
 * children of one tree (header first), so /root/children/<i> is the i-th part present. */
export function partAt(draft: LayoutDraft, pointer: string): { part: Part; path: string[] } | null {
  const match = /^\/root\/children\/(\d+)(?:\/props\/(.*))?/.exec(pointer);
  if (!match) return null;
  const present = (["header", "footer"] as Part[]).filter((part) => draft[part] !== null);
  const part = present[Number(match[1])];
  return part ? { part, path: match[2] ? match[2].split("/") : [] } : null;
}

export interface PageRefusal {
  page_id: string;
  problem: string;
  findings: Finding[];
}

/** A refused site publication: each page's findings, or (no page id) the layout's own findings. */
export function refusalsOf(error: unknown): { pages: PageRefusal[]; layout: Finding[] } | null {
  if (!(error instanceof ApiError) || error.status !== 422) return null;
  const errors = (error.problem.errors ?? []) as unknown[];
  const pages = errors.filter((e): e is PageRefusal => typeof e === "object" && e !== null && "page_id" in e);
  const layout = errors.filter((e): e is Finding => typeof e === "object" && e !== null && "severity" in e);
  return { pages, layout };
}
