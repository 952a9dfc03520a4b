// Which studio this is: the gateway writes it into index.html (services/gateway/studio.py),
// because only it knows whether this host is the platform's or a tenant's (a custom domain
// looks like any other name).

function meta(name: string): string {
  return document.querySelector<HTMLMetaElement>(`meta[name="${name}"]`)?.content ?? "";
}

export const host = {
  /** "platform": sign up, log in, choose a site; "tenant": that site's studio. */
  kind: meta("sb-host") === "tenant" ? ("tenant" as const) : ("platform" as const),
  /** The platform's public address, e.g. http://localhost:8000. */
  platform: meta("sb-platform") || window.location.origin,
};

/** The studio of a tenant, on its own host: `<scheme>://<slug>.<platform host>/studio/`. */
export function tenantStudio(slug: string): string {
  const platform = new URL(host.platform);
  return `${platform.protocol}//${slug}.${platform.host}/studio/`;
}

export function platformStudio(path = ""): string {
  return `${new URL(host.platform).origin}/studio/${path}`;
}
