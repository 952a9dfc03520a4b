// The platform host's home once logged in: the sites this account belongs to, each opening
// its own studio on its own host.

import { useMutation } from "@tanstack/react-query";
import { useEffect } from "react";
import { Link, useNavigate } from "react-router-dom";

import { session, useSession } from "../api/session";
import { tenantStudio } from "../host";
import { Button, ScreenTitle } from "../ui";
import { Frame } from "./Frame";

const ROLE_WORDS = { OWNER: "Owner", EDITOR: "Editor", VIEWER: "Viewer" } as const;

export function ChooseSite() {
  const state = useSession();
  const navigate = useNavigate();
  const logOut = useMutation({ mutationFn: () => session.logOut(), onSettled: () => navigate("/login", { replace: true }) });
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
      <ul className="site-list" aria-label="Sites">
        {sites.map((site) => (
          <li key={site.tenant_id} className="site-card">
            <a href={tenantStudio(site.slug)} className="site-link">
              <span className="site-initial" aria-hidden="true">{site.name.slice(0, 1).toUpperCase()}</span>
              <span className="site-text">
                <span className="site-name">{site.name}</span>
                <span className="site-host mono">{new URL(tenantStudio(site.slug)).host}</span>
              </span>
              <span className="badge">{ROLE_WORDS[site.role] ?? site.role}</span>
            </a>
          </li>
        ))}
      </ul>
      <p className="actions"><Link className="btn btn-secondary" to="/signup">Create another site</Link></p>
    </Frame>
  );
}
