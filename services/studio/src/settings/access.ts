// What each role may open and change in settings. The API enforces all of it; the studio
// only hides what would be refused, so nobody fills in a form to be told no.

import type { Role } from "../api/types";

const RANK: Record<Role, number> = { VIEWER: 0, EDITOR: 1, OWNER: 2 };

export const atLeast = (role: Role, needed: Role): boolean => RANK[role] >= RANK[needed];

export type SectionPath = "site" | "domain" | "members" | "api-keys" | "credits" | "shop";

export interface SettingsSection {
  path: SectionPath;
  label: string;
  /** The least role that may open it. */
  opens: Role;
  /** The least role that may change what it shows. */
  changes: Role;
}

export const SECTIONS: SettingsSection[] = [
  { path: "site", label: "Site & theme", opens: "VIEWER", changes: "OWNER" },
  { path: "domain", label: "Domain", opens: "VIEWER", changes: "OWNER" },
  { path: "members", label: "Members", opens: "OWNER", changes: "OWNER" },
  { path: "api-keys", label: "API keys", opens: "OWNER", changes: "OWNER" },
  { path: "credits", label: "Credits", opens: "OWNER", changes: "OWNER" },
  { path: "shop", label: "Shop", opens: "VIEWER", changes: "EDITOR" },
];
