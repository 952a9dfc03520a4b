// The studio's calls to the platform: same origin, JSON, the access token from memory, and
// one renewal then one retry when a call answers 401 (an access token lives 15 minutes).

import { session } from "./session";
import { readAnswer, sendRaw, type SendOptions } from "./transport";

async function authorized(method: string, path: string, options: SendOptions): Promise<Response> {
  const attempt = () => {
    const token = session.accessToken();
    return sendRaw(method, path, { ...options, headers: { ...options.headers, ...(token ? { authorization: `Bearer ${token}` } : {}) } });
  };
  const first = await attempt();
  if (first.status !== 401 || session.accessToken() === null) return first;
  return (await session.refresh()) ? attempt() : first;
}

export async function call<T>(method: string, path: string, options: SendOptions = {}): Promise<T> {
  return readAnswer<T>(await authorized(method, path, options));
}

export const api = {
  get: <T>(path: string, signal?: AbortSignal) => call<T>("GET", path, { signal }),
  post: <T>(path: string, json?: unknown, headers?: Record<string, string>) => call<T>("POST", path, { json, headers }),
  /** An answer to read as it arrives (server-sent events), after the same renewal on 401. */
  async stream(path: string, signal: AbortSignal): Promise<Response> {
    const response = await authorized("GET", path, { signal, headers: { accept: "text/event-stream" } });
    if (!response.ok) await readAnswer(response); // throws the problem
    return response;
  },
};
