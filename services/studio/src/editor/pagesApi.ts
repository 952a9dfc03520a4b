// The page calls the editor and the page actions make: every write carries If-Match with the
// revision it was based on, so nobody's change is overwritten unseen.

import { api, call } from "../api/client";
import type { PageList, PageOut } from "../api/types";
import type { PageTree } from "./tree";

export interface Finding {
  severity: "error" | "warning";
  check: string;
  message: string;
  pointer: string;
}

export interface CheckOut {
  publishable: boolean;
  findings: Finding[];
}

const ifMatch = (revision: number) => ({ "if-match": `"${revision}"` });

export const pagesApi = {
  list: (signal?: AbortSignal) => api.get<PageList>("/api/cms/pages?limit=100", signal),
  get: (id: string, signal?: AbortSignal) => api.get<PageOut>(`/api/cms/pages/${id}`, signal),
  create: (slug: string, title?: string, structure?: PageTree) =>
    api.post<PageOut>("/api/cms/pages", { slug, ...(title ? { title } : {}), ...(structure ? { structure } : {}) }),
  saveTree: (id: string, revision: number, structure: PageTree) =>
    call<PageOut>("PATCH", `/api/cms/pages/${id}`, { json: { structure }, headers: ifMatch(revision) }),
  moveTo: (id: string, revision: number, slug: string) =>
    call<PageOut>("PATCH", `/api/cms/pages/${id}`, { json: { slug }, headers: ifMatch(revision) }),
  remove: (id: string, revision: number) => call<void>("DELETE", `/api/cms/pages/${id}`, { headers: ifMatch(revision) }),
  check: (id: string) => api.post<CheckOut>(`/api/cms/pages/${id}/check`),
  publish: (id: string, revision: number) => api.post<PageOut>(`/api/cms/pages/${id}/publish`, undefined, ifMatch(revision)),
};

/** A free address beside `slug` for a copy: /about → /about-copy, /about-copy-2, … */
export function copySlug(slug: string, taken: Set<string>): string {
  const base = `${slug === "/" ? "/home" : slug.replace(/\/$/, "")}-copy`;
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`;
}

