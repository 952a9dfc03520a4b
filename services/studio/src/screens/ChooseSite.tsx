// The platform host's home once logged in: the sites this account belongs to, each opening
// its own studio on its own host. That host is another origin with cookies of its own, so a
// click asks identity for a one-time hand-off and arrives there signed in (Handoff.tsx).

import { useMutation } from "@tanstack/react-query";
import { useEffect, type MouseEvent } from "react";
import { Link, useNavigate } from "react-router-dom";

import { session, useSession } from "../api/session";
import { tenantStudio } from "../host";
import type { Membership } from "../api/types";
import { Button, ErrorNotice, ScreenTitle } from "../ui";
import { Frame } from "./Frame";

const ROLE_WORDS = { OWNER: "Owner", EDITOR: "Editor", VIEWER: "Viewer" } as const;

export function ChooseSite() {
  const state = useSession();
  const navigate = useNavigate();
  const logOut = useMutation({ mutationFn: () => session.logOut(), onSettled: () => navigate("/login", { replace: true }) });
  const open = useMutation({
    mutationFn: (site: Membership) => session.handOff(site.tenant_id),
    onSuccess: (handoff) => window.location.assign(handoff.url),
  });
  // A plain click hands off; a click that opens a new tab or window (a modifier, the middle
  // button) keeps the link's own address, that site's log-in.
  const openSite = (site: Membership) => (event: MouseEvent<HTMLAnchorElement>) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    if (!open.isPending) open.mutate(site);
  };
  useEffect(() => {
    void session.reloadTenants();
  }, []);
  if (state.kind !== "platform") return null;
  const sites = [...state.tenants].sort((a, b) => a.name.localeCompare(b.name));
  return (
    <Frame wide aside={<>
      <span className="muted account-email">{state.email}</span>
      <Button variant="quiet" type="button" busy={logOut.isPending} onClick={() => logOut.mutate()}>Log out</Button>
    </>}>
      <ScreenTitle title="Your sites" lead={sites.length ? "Choose a site to open its studio." : "You are not a member of any site yet."}>
        Your sites
      </ScreenTitle>
      {open.isError ? (
        <>
          <ErrorNotice error={open.error} title={`We could not sign you in to ${open.variables?.name ?? "that site"}`} />
          {open.variables ? (
            <p className="actions"><a className="btn btn-secondary" href={tenantStudio(open.variables.slug)}>Log in on its own page</a></p>
          ) : null}
        </>
      ) : null}
      <ul className="site-list" aria-label="Sites">
        {sites.map((site) => (
          <li key={site.tenant_id} className="site-card">
            <a href={tenantStudio(site.slug)} className="site-link" onClick={openSite(site)}
              aria-busy={open.isPending && open.variables?.tenant_id === site.tenant_id ? true : undefined}>
              <span className="site-initial" aria-hidden="true">{site.name.slice(0, 1).toUpperCase()}</span>
              <span className="site-text">
                <span className="site-name">{site.name}</span>
                <span className="site-host mono">{new URL(tenantStudio(site.slug)).host}</span>
              </span>
              <span className="badge">
                {open.isPending && open.variables?.tenant_id === site.tenant_id ? "Opening…" : ROLE_WORDS[site.role] ?? site.role}
              </span>
            </a>
          </li>
        ))}
      </ul>
      <p className="actions"><Link className="btn btn-secondary" to="/signup">Create another site</Link></p>
    </Frame>
  );
}
