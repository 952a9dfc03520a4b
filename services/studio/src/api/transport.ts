// One request to the gateway, no session involved: JSON in, JSON out, problem+json out as an
// ApiError. The session (session.ts) and the authenticated client (client.ts) are built on it.

import { ApiError, problemOf, type Problem } from "./problem";

export interface SendOptions {
  json?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export async function sendRaw(method: string, path: string, options: SendOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { accept: "application/json", ...options.headers };
  let body: string | undefined;
  if (options.json !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(options.json);
  }
  // Same origin only: the studio is served on the host whose API it calls (no CORS, and the
  // browser sends the host's cookies only to it).
  return fetch(path, { method, headers, body, signal: options.signal, credentials: "same-origin" });
}

/** The answer's JSON body (undefined for 204), or the ApiError its problem+json describes. */
export async function readAnswer<T>(response: Response): Promise<T> {
  if (response.ok) {
    if (response.status === 204) return undefined as T;
    const type = response.headers.get("content-type") ?? "";
    return (type.includes("json") ? await response.json() : await response.text()) as T;
  }
  throw new ApiError(await problemFrom(response));
}

async function problemFrom(response: Response): Promise<Problem> {
  const type = response.headers.get("content-type") ?? "";
  if (type.includes("json")) {
    try {
      const body = (await response.json()) as Partial<Problem>;
      return { ...body, type: body.type ?? "about:blank", title: body.title ?? response.statusText, status: response.status };
    } catch {
      // fall through: a body that says JSON and is not
    }
  }
  return problemOf(response.status, response.statusText || "Request failed",
    response.status >= 500 ? "The platform is not answering as it should. Try again in a moment." : undefined);
}

export async function send<T>(method: string, path: string, options: SendOptions = {}): Promise<T> {
  return readAnswer<T>(await sendRaw(method, path, options));
}
