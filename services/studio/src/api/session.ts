// Who is signed in, kept in memory only: a reload or a new tab logs in again, and nothing a
// script could read later is left in storage. How the session is renewed and ended is the
// one replaceable part (`Renewal`): today identity's JSON flow, the refresh token held in this
// module's memory; when identity keeps it in an HttpOnly cookie (with the `sb_csrf`
// double-submit cookie echoed as X-CSRF-Token on its calls), a cookie Renewal replaces
// `jsonRenewal()` where `session` is made, at the bottom, and nothing else changes.

import { useSyncExternalStore } from "react";

import { send } from "./transport";
import type { Membership, Role, SessionOut, TokenOut } from "./types";

export interface Renewal {
  /** What a log-in or sign-up answered: the JSON flow keeps its refresh token. */
  keep(answer: { refresh_token?: string }): void;
  /** A new access token for `tenantId` (the refresh token rotates), or null when the session ended. */
  renew(tenantId: string): Promise<TokenOut | null>;
  /** The tenants this session may get tokens for (platform host). */
  tenants(): Promise<Membership[] | null>;
  /** End the session on the server (best effort: the memory is cleared regardless). */
  end(): Promise<void>;
}

export function jsonRenewal(): Renewal {
  let refreshToken: string | null = null;
  return {
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
    async end() {
      const ending = refreshToken;
      refreshToken = null;
      if (ending) await send("POST", "/api/identity/logout", { json: { refresh_token: ending } }).catch(() => undefined);
    },
  };
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
    this.set({ kind: "tenant", accountId: token.account_id, email, tenantId: token.tenant_id, role: token.role,
      accessToken: token.access_token });
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

  async logOut(): Promise<void> {
    await this.renewal.end();
    this.set({ kind: "anonymous", ended: "logged-out" });
  }
}

export const session = new Session(jsonRenewal());

export function useSession(): SessionState {
  return useSyncExternalStore(session.subscribe, session.snapshot);
}
