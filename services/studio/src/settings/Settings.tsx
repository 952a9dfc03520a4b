// Settings, by role: a side list of sections, each its own address under /settings/. A
// section the caller's role cannot open is absent from the list, and its address explains.

import type { ReactNode } from "react";
import { Link, NavLink, Navigate, Route, Routes } from "react-router-dom";

import { useSession } from "../api/session";
import type { Role } from "../api/types";
import { ScreenTitle } from "../ui";
import { SECTIONS, atLeast, type SectionPath } from "./access";
import { ApiKeys } from "./ApiKeys";
import { Credits } from "./Credits";
import { Domain } from "./Domain";
import { Members } from "./Members";
import { Shop } from "./Shop";
import { SiteTheme } from "./SiteTheme";
import "./settings.css";

const SCREENS: Record<SectionPath, (props: { role: Role; canChange: boolean }) => ReactNode> = {
  site: SiteTheme, domain: Domain, members: Members, "api-keys": ApiKeys, credits: Credits, shop: Shop,
};

function Refused({ label, role }: { label: string; role: Role }) {
  return (
    <section aria-labelledby="refused-title">
      <ScreenTitle title={label}><span id="refused-title">{label}</span></ScreenTitle>
      <div className="notice notice-info" role="status">
        <p className="notice-title">Your role cannot open this</p>
        <p>{label} is for the site's owners; you are {role === "EDITOR" ? "an editor" : "a viewer"} here.
          Ask an owner if you need something changed.</p>
      </div>
      <p><Link to="/settings/site">Back to Site & theme</Link></p>
    </section>
  );
}

export function Settings() {
  const state = useSession();
  if (state.kind !== "tenant") return null;
  const role = state.role;
  const open = SECTIONS.filter((section) => atLeast(role, section.opens));
  return (
    <div className="settings">
      <nav className="settings-nav" aria-label="Settings">
        <p className="settings-nav-title">Settings</p>
        <ul>
          {open.map((section) => <li key={section.path}><NavLink to={section.path}>{section.label}</NavLink></li>)}
        </ul>
      </nav>
      <div className="settings-body">
        <Routes>
          <Route index element={<Navigate to="site" replace />} />
          {SECTIONS.map((section) => {
            const Screen = SCREENS[section.path];
            return (
              <Route key={section.path} path={section.path} element={atLeast(role, section.opens)
                ? <Screen role={role} canChange={atLeast(role, section.changes)} />
                : <Refused label={section.label} role={role} />} />
            );
          })}
          <Route path="*" element={<Navigate to="site" replace />} />
        </Routes>
      </div>
    </div>
  );
}
