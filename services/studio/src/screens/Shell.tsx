// A site's studio: the sidebar (Pages, Media, Site, Settings), the header with the site's
// name and the account menu, and the screen in between.

import { useMutation, useQuery } from "@tanstack/react-query";
import { useEffect, useId, useRef, useState } from "react";
import { NavLink, Outlet, useLocation, useNavigate } from "react-router-dom";

import { api } from "../api/client";
import { session, useSession } from "../api/session";
import type { TenantOut } from "../api/types";
import { platformStudio } from "../host";
import { Mark } from "./Frame";

const NAV = [
  { to: "/", label: "Pages", end: true },
  { to: "/media", label: "Media" },
  { to: "/site", label: "Site" },
  { to: "/settings", label: "Settings" },
];

function AccountMenu({ email, role }: { email: string; role: string }) {
  const [open, setOpen] = useState(false);
  const navigate = useNavigate();
  const menuId = useId();
  const button = useRef<HTMLButtonElement>(null);
  const box = useRef<HTMLDivElement>(null);
  const logOut = useMutation({ mutationFn: () => session.logOut(), onSettled: () => navigate("/login", { replace: true }) });
  const logOutEverywhere = useMutation({ mutationFn: () => session.logOutEverywhere(),
    onSettled: () => navigate("/login", { replace: true }) });
  useEffect(() => {
    if (!open) return;
    const close = (event: MouseEvent | KeyboardEvent) => {
      if (event instanceof KeyboardEvent) {
        if (event.key !== "Escape") return;
        setOpen(false);
        button.current?.focus();
      } else if (!box.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener("mousedown", close);
    document.addEventListener("keydown", close);
    return () => {
      document.removeEventListener("mousedown", close);
      document.removeEventListener("keydown", close);
    };
  }, [open]);
  return (
    <div className="account" ref={box}>
      <button ref={button} type="button" className="account-button" aria-expanded={open} aria-controls={menuId}
        onClick={() => setOpen(!open)}>
        <span className="avatar" aria-hidden="true">{email.slice(0, 1).toUpperCase()}</span>
        <span className="account-label">Account</span>
      </button>
      <div id={menuId} className="account-panel" hidden={!open}>
        <p className="account-who"><span className="account-email">{email}</span><span className="badge">{role.toLowerCase()}</span></p>
        <ul>
          <li><a href={platformStudio()}>All your sites</a></li>
          <li><button type="button" onClick={() => logOut.mutate()} disabled={logOut.isPending}>Log out</button></li>
          <li><button type="button" onClick={() => logOutEverywhere.mutate()} disabled={logOutEverywhere.isPending}>Log out everywhere</button></li>
        </ul>
      </div>
    </div>
  );
}

export function Shell() {
  const state = useSession();
  const location = useLocation();
  const [navOpen, setNavOpen] = useState(false);
  const tenant = useQuery({ queryKey: ["tenant"], queryFn: ({ signal }) => api.get<TenantOut>("/api/identity/tenant", signal) });
  useEffect(() => setNavOpen(false), [location.pathname]);
  if (state.kind !== "tenant") return null;
  const siteName = tenant.data?.name ?? window.location.hostname;
  return (
    <div className="shell">
      <a className="skip-link" href="#main">Skip to content</a>
      <header className="shell-header">
        <button type="button" className="nav-toggle" aria-expanded={navOpen} aria-controls="studio-nav"
          onClick={() => setNavOpen(!navOpen)}>
          <span className="nav-toggle-bars" aria-hidden="true" />
          <span className="visually-hidden">Menu</span>
        </button>
        <div className="shell-site">
          <Mark />
          <div>
            <p className="shell-site-name">{siteName}</p>
            <a className="shell-site-link" href="/" target="_blank" rel="noopener">View site<span className="visually-hidden"> (opens in a new tab)</span></a>
          </div>
        </div>
        <AccountMenu email={state.email} role={state.role} />
      </header>
      <nav id="studio-nav" className={navOpen ? "shell-nav open" : "shell-nav"} aria-label="Studio">
        <ul>
          {NAV.map((item) => (
            <li key={item.to}><NavLink to={item.to} end={item.end}>{item.label}</NavLink></li>
          ))}
        </ul>
      </nav>
      <main id="main" className="shell-main">
        <Outlet />
      </main>
    </div>
  );
}
