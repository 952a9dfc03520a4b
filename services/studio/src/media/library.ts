// The media library's calls: the list, one asset (polled until the AI has described it), edits,
// bulk delete, search by meaning and by words, and uploads with progress. Uploads use
// XMLHttpRequest because fetch cannot report upload progress; they carry the same bearer
// token and renew it once on a 401, as client.ts does for every other call.

import { ApiError, problemOf, type Problem } from "../api/problem";
import { api, call } from "../api/client";
import { session } from "../api/session";

/** "undescribed" until the AI takes it up (or short of credits, with the reason), "describing" while it writes. */
export type AssetStatus = "undescribed" | "describing" | "described" | "failed";

/** Still waiting for the AI's alt text and description. */
export function awaitingAi(status: string | undefined): boolean {
  return status === "undescribed" || status === "describing";
}

export interface AssetOut {
  id: string;
  url: string;
  filename: string;
  content_type: string;
  bytes: number;
  width: number | null;
  height: number | null;
  alt_text: string;
  ai_description: string | null;
  tags: string[];
  status: AssetStatus;
  status_reason: string | null;
  created_at: string;
  updated_at: string;
}

export interface AssetPage {
  assets: AssetOut[];
  next_cursor: string | null;
}

export interface AssetPatch {
  alt_text?: string;
  description?: string;
}

export interface BulkDelete {
  ids: string[];
}

/** Which rankings found a hit: by meaning (what the picture shows), by words (alt text, description, tags, file name). */
export type Ranking = "meaning" | "words";

/** A search hit: the asset's visible fields, its fused score and the rankings that found it. */
export interface AssetHit {
  id: string;
  url: string;
  filename: string;
  width: number | null;
  height: number | null;
  alt_text: string;
  ai_description: string | null;
  tags: string[];
  score: number;
  matched: Ranking[];
}

/** What a card or the picker shows: a listed asset or a search hit. */
export type ShownAsset = Pick<AssetOut, "id" | "filename" | "alt_text" | "ai_description" | "tags" | "width" | "height">
  & Partial<Pick<AssetOut, "status" | "status_reason">> & { matched?: Ranking[] };

/** Uploading, editing and deleting are an editor's or an owner's; a viewer reads the library. */
export function canEditMedia(role: string | undefined): boolean {
  return role === "OWNER" || role === "EDITOR";
}

export const PAGE_SIZE = 48;
export const SEARCH_RESULTS = 50; // the most the assets API answers

/** The copy a grid shows: the narrowest delivered width at least 320 px wide. */
export function thumbnail(id: string): string {
  return `/assets/${id}?w=320`;
}

export const assetKeys = {
  all: ["assets"] as const,
  list: () => ["assets", "list"] as const,
  one: (id: string) => ["assets", "one", id] as const,
  search: (q: string) => ["assets", "search", q] as const,
};

export const library = {
  list: (cursor: string | null, signal?: AbortSignal) =>
    api.get<AssetPage>(`/api/assets/assets?limit=${PAGE_SIZE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, signal),
  get: (id: string, signal?: AbortSignal) => api.get<AssetOut>(`/api/assets/assets/${id}`, signal),
  edit: (id: string, patch: AssetPatch) => call<AssetOut>("PATCH", `/api/assets/assets/${id}`, { json: patch }),
  remove: (ids: string[]) => api.post<{ deleted: number }>("/api/assets/assets/bulk-delete", { ids } satisfies BulkDelete),
  search: (q: string, signal?: AbortSignal) =>
    api.get<AssetHit[]>(`/api/assets/assets/search?q=${encodeURIComponent(q)}&k=${SEARCH_RESULTS}`, signal),
};

export interface Uploaded {
  asset: AssetOut;
  /** False when the same picture was already in the library (the API answers 200 with it). */
  created: boolean;
}

function problemOfXhr(xhr: XMLHttpRequest): Problem {
  if ((xhr.getResponseHeader("content-type") ?? "").includes("json")) {
    try {
      const body = JSON.parse(xhr.responseText) as Partial<Problem>;
      return { ...body, type: body.type ?? "about:blank", title: body.title ?? xhr.statusText, status: xhr.status };
    } catch {
      // a body that says JSON and is not: the fallback below
    }
  }
  return problemOf(xhr.status, xhr.statusText || "Upload failed",
    xhr.status >= 500 ? "The platform is not answering as it should. Try again in a moment." : undefined);
}

function sendOnce(file: File, onProgress: (loaded: number, total: number) => void, signal?: AbortSignal): Promise<XMLHttpRequest> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    const body = new FormData();
    body.append("file", file, file.name);
    xhr.open("POST", "/api/assets/assets");
    xhr.setRequestHeader("accept", "application/json");
    const token = session.accessToken();
    if (token) xhr.setRequestHeader("authorization", `Bearer ${token}`);
    xhr.upload.onprogress = (event) => onProgress(event.loaded, event.lengthComputable ? event.total : file.size);
    xhr.onload = () => resolve(xhr);
    xhr.onerror = () => reject(new TypeError("network"));
    xhr.onabort = () => reject(new DOMException("aborted", "AbortError"));
    signal?.addEventListener("abort", () => xhr.abort(), { once: true });
    xhr.send(body);
  });
}

/** Upload one image with progress; the stored asset, or the ApiError the platform answered. */
export async function upload(file: File, onProgress: (loaded: number, total: number) => void, signal?: AbortSignal): Promise<Uploaded> {
  let xhr = await sendOnce(file, onProgress, signal);
  if (xhr.status === 401 && session.accessToken() !== null && (await session.refresh())) {
    onProgress(0, file.size);
    xhr = await sendOnce(file, onProgress, signal);
  }
  if (xhr.status !== 200 && xhr.status !== 201) throw new ApiError(problemOfXhr(xhr));
  return { asset: JSON.parse(xhr.responseText) as AssetOut, created: xhr.status === 201 };
}
