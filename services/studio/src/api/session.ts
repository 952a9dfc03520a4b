// Who is signed in: the access token in memory only, nothing a script could read later is
// left in storage. How the session is renewed and ended is the one replaceable part
// (`Renewal`): the studio uses identity's browser sessions (`cookieRenewal`): the refresh
// token lives in an HttpOnly cookie script never sees, and each call that spends it echoes
// the `sb_csrf` cookie as X-CSRF-Token (identity's README, "Browser sessions"). A reload
// brings the session back from that cookie (`session.restore()`, before the first render).
// `jsonRenewal` is the API clients' flow, kept for a host that cannot set cookies.

import { useSyncExternalStore } from "react";

import { host } from "../host";
import type { components } from "./schema";
import { send } from "./transport";
import type { Membership, Role, SessionOut, TokenOut } from "./types";

/** A one-time code that signs this account in on one of its sites' hosts, and the page there
 * that redeems it (the code in its fragment). Identity's README, "Browser sessions". */
export type HandoffOut = components["schemas"]["HandoffOut"];

export interface Renewal {
  /** Headers of the calls that open a session (log in, confirm a sign-up, accept an invitation). */
  readonly opening: Record<string, string>;
  /** What a log-in or sign-up answered: the JSON flow keeps its refresh token. */
  keep(answer: { refresh_token?: string | null }): void;
  /** A new access token for `tenantId` (the refresh token rotates), or null when the session ended. */
  renew(tenantId: string): Promise<TokenOut | null>;
  /** The tenants this session may get tokens for (platform host). */
  tenants(): Promise<Membership[] | null>;
  /** A hand-off to one of those tenants' hosts (platform host); an ApiError when refused. */
  handoff(tenantId: string): Promise<HandoffOut>;
  /** End the session on the server (best effort: the memory is cleared regardless). */
  end(): Promise<void>;
  /** End every session of the account, on every device; how many ended. */
  endEverywhere(): Promise<number>;
}

export function jsonRenewal(): Renewal {
  let refreshToken: string | null = null;
  return {
    opening: {},
    keep(answer) {
      refreshToken = answer.refresh_token ?? refreshToken;
    },
    async renew(tenantId) {
      if (!refreshToken) return null;
      try {
        const token = await send<TokenOut>("POST", "/api/identity/token", { json: { refresh_token: refreshToken, tenant_id: tenantId } });
        refreshToken = token.refresh_token ?? null;
        return token;
      } catch {
        refreshToken = null;
        return null;
      }
    },
    async tenants() {
      if (!refreshToken) return null;
      try {
        return await send<Membership[]>("POST", "/api/identity/sessions/tenants", { json: { refresh_token: refreshToken } });
      } catch {
        return null;
      }
    },
    async handoff(tenantId) {
      return send<HandoffOut>("POST", "/api/identity/handoffs", { json: { tenant_id: tenantId, refresh_token: refreshToken } });
    },
    async end() {
      const ending = refreshToken;
      refreshToken = null;
      if (ending) await send("POST", "/api/identity/logout", { json: { refresh_token: ending } }).catch(() => undefined);
    },
    async endEverywhere() {
      const ending = refreshToken;
      refreshToken = null;
      if (!ending) return 0;
      return (await send<{ revoked: number }>("POST", "/api/identity/sessions/revoke-all", { json: { refresh_token: ending } })).revoked;
    },
  };
}

/** The `sb_csrf` cookie: the session's CSRF token (readable by script on purpose), or null. */
function csrfCookie(): string | null {
  const found = document.cookie.match(/(?:^|; )sb_csrf=([^;]*)/)?.[1];
  return found ? decodeURIComponent(found) : null;
}

/** Refresh tokens rotate and a replayed one ends the session, so two tabs must never spend
 * the same cookie at once: every renewal runs under one lock shared by this origin's tabs. */
function exclusive<T>(work: () => Promise<T>): Promise<T> {
  return navigator.locks ? (navigator.locks.request("sb-refresh", work) as Promise<T>) : work();
}

export function cookieRenewal(): Renewal {
  const spend = <T>(path: string, json: Record<string, unknown>): Promise<T | null> => {
    const csrf = csrfCookie();
    if (csrf === null) return Promise.resolve(null); // no session on this host: nothing to ask
    return send<T>("POST", path, { json, headers: { "x-csrf-token": csrf } }).catch(() => null);
  };
  return {
    opening: { "x-session": "cookie" },
    keep() {
      // the refresh token is in the HttpOnly cookie, where no script can read it
    },
    renew: (tenantId) => exclusive(() => spend<TokenOut>("/api/identity/token", { tenant_id: tenantId })),
    tenants: () => spend<Membership[]>("/api/identity/sessions/tenants", {}),
    handoff: (tenantId) => send<HandoffOut>("POST", "/api/identity/handoffs",
      { json: { tenant_id: tenantId }, headers: { "x-csrf-token": csrfCookie() ?? "" } }),
    async end() {
      await spend("/api/identity/logout", {});
    },
    async endEverywhere() {
      const csrf = csrfCookie();
      if (csrf === null) return 0;
      const answer = await send<{ revoked: number }>("POST", "/api/identity/sessions/revoke-all",
        { json: {}, headers: { "x-csrf-token": csrf } });
      return answer.revoked;
    },
  };
}

const REMEMBERED_TENANT = "sb-tenant";

/** Which of the session's tenants this host serves: the one last opened here (a tenant's id
 * is no secret; each host is its own origin, so its storage names only its own tenant), or the
 * one whose slug is the host's first label. */
function tenantOfThisHost(tenants: Membership[]): Membership | undefined {
  const remembered = window.localStorage.getItem(REMEMBERED_TENANT);
  const label = window.location.hostname.split(".")[0];
  return tenants.find((t) => t.tenant_id === remembered) ?? tenants.find((t) => t.slug === label);
}

export type SessionState =
  | { kind: "anonymous"; ended?: "expired" | "logged-out" }
  | { kind: "platform"; accountId: string; email: string; tenants: Membership[] }
  | { kind: "tenant"; accountId: string; email: string; tenantId: string; role: Role; accessToken: string };

type Listener = () => void;

class Session {
  private state: SessionState = { kind: "anonymous" };
  private listeners = new Set<Listener>();
  private renewing: Promise<boolean> | null = null;

  constructor(private readonly renewal: Renewal) {}

  get current(): SessionState {
    return this.state;
  }

  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  snapshot = (): SessionState => this.state;

  private set(next: SessionState): void {
    this.state = next;
    this.listeners.forEach((listener) => listener());
  }

  /** A platform log-in: the session and the sites it may open. */
  openPlatform(answer: SessionOut, email: string): void {
    this.renewal.keep(answer);
    this.set({ kind: "platform", accountId: answer.account_id, email, tenants: answer.tenants });
  }

  /** A log-in on a tenant's host, or a confirmed sign-up: an access token for that tenant. */
  openTenant(token: TokenOut, email: string): void {
    this.renewal.keep(token);
    window.localStorage.setItem(REMEMBERED_TENANT, token.tenant_id);
    this.set({ kind: "tenant", accountId: token.account_id, email, tenantId: token.tenant_id, role: token.role,
      accessToken: token.access_token });
  }

  /** A token a call on this site's host answered (an accepted invitation, a hand-off): the
   * session it opened, with the account's e-mail (the token carries none; the member list,
   * which any role may read, does). */
  async enter(token: TokenOut): Promise<void> {
    const members = await send<{ account_id: string; email: string }[]>("GET", "/api/identity/members",
      { headers: { authorization: `Bearer ${token.access_token}` } }).catch(() => []);
    this.openTenant(token, members.find((m) => m.account_id === token.account_id)?.email ?? "");
  }

  /** Where to go to arrive signed in on one of the platform session's sites. */
  handOff(tenantId: string): Promise<HandoffOut> {
    return this.renewal.handoff(tenantId);
  }

  accessToken(): string | null {
    return this.state.kind === "tenant" ? this.state.accessToken : null;
  }

  /** A new access token after a 401; concurrent callers share one renewal. False: log in again. */
  refresh(): Promise<boolean> {
    const state = this.state;
    if (state.kind !== "tenant") return Promise.resolve(false);
    this.renewing ??= this.renewal.renew(state.tenantId).then((token) => {
      this.renewing = null;
      if (token === null) {
        this.set({ kind: "anonymous", ended: "expired" });
        return false;
      }
      this.set({ ...state, role: token.role, accessToken: token.access_token });
      return true;
    });
    return this.renewing;
  }

  /** The platform session's sites as they are now (a site made since the log-in appears). */
  async reloadTenants(): Promise<void> {
    const state = this.state;
    if (state.kind !== "platform") return;
    const tenants = await this.renewal.tenants();
    if (tenants === null) this.set({ kind: "anonymous", ended: "expired" });
    else this.set({ ...state, tenants });
  }

  /** Headers of the calls that open a session, so the answer sets the browser's cookies. */
  get opening(): Record<string, string> {
    return this.renewal.opening;
  }

  /** After a reload on a site's host: the session the cookie still holds, if any. Called once
   * before the first render, so a signed-in person is not sent to the log-in screen. */
  async restore(): Promise<void> {
    if (host.kind !== "tenant" || this.state.kind !== "anonymous") return;
    const tenants = await this.renewal.tenants();
    const here = tenants ? tenantOfThisHost(tenants) : undefined;
    if (!here) return;
    const token = await this.renewal.renew(here.tenant_id);
    if (token === null) return;
    await this.enter(token);
  }

  async logOut(): Promise<void> {
    await this.renewal.end();
    this.set({ kind: "anonymous", ended: "logged-out" });
  }

  /** End every session of this account (other browsers, other devices) and this one. */
  async logOutEverywhere(): Promise<number> {
    try {
      return await this.renewal.endEverywhere();
    } finally {
      this.set({ kind: "anonymous", ended: "logged-out" });
    }
  }
}

export const session = new Session(cookieRenewal());

export function useSession(): SessionState {
  return useSyncExternalStore(session.subscribe, session.snapshot);
}
