// The studio's screens by address, under /studio/. The platform's host has the screens
// before a site (log in, sign up, the mailed links, choosing a site); a tenant's host has
// that site's studio, behind its log-in.

import { lazy, Suspense, type ReactNode } from "react";
import { Navigate, createBrowserRouter, useLocation, type RouteObject } from "react-router-dom";

import { useSession } from "./api/session";
import { host } from "./host";
import { MediaLibrary } from "./media/MediaLibrary";
import { AcceptInvitation } from "./screens/AcceptInvitation";
import { ConfirmSignUp, ForgotPassword, LogIn, ResetPassword, SignUp } from "./screens/Auth";
import { ChooseSite } from "./screens/ChooseSite";
import { Frame } from "./screens/Frame";
import { Handoff } from "./screens/Handoff";
import { NewSite } from "./screens/NewSite";
import { Pages } from "./screens/Pages";
import { NotFound } from "./screens/NotFound";
import { Shell } from "./screens/Shell";
import { Loading } from "./ui";
import { Settings } from "./settings/Settings";

function SignedIn({ as, children }: { as: "platform" | "tenant"; children: ReactNode }) {
  const state = useSession();
  const location = useLocation();
  if (state.kind === as) return <>{children}</>;
  const next = location.pathname === "/" ? "" : `?next=${encodeURIComponent(location.pathname + location.search)}`;
  return <Navigate to={`/login${next}`} replace />;
}

// The editor is its own chunk: the shell's first load stays small.
const Editor = lazy(() => import("./editor/Editor"));

const platformRoutes: RouteObject[] = [
  { path: "/", element: <SignedIn as="platform"><ChooseSite /></SignedIn> },
  { path: "/login", element: <LogIn /> },
  { path: "/signup", element: <SignUp /> },
  { path: "/confirm-signup", element: <ConfirmSignUp /> },
  { path: "/forgot-password", element: <ForgotPassword /> },
  { path: "/reset-password", element: <ResetPassword /> },
  { path: "*", element: <Frame><NotFound /></Frame> },
];

const tenantRoutes: RouteObject[] = [
  { path: "/login", element: <LogIn /> },
  { path: "/accept-invitation", element: <AcceptInvitation /> },
  { path: "/handoff", element: <Handoff /> },
  {
    path: "/",
    element: <SignedIn as="tenant"><Shell /></SignedIn>,
    children: [
      { index: true, element: <Pages /> },
      { path: "new-site", element: <NewSite /> },
      { path: "new-page", lazy: () => import("./screens/NewPage").then(({ NewPage }) => ({ Component: NewPage })) },
      { path: "pages/:pageId", element: <Suspense fallback={<Loading label="Opening the editor…" />}><Editor /></Suspense> },
      // The canvas, AI and versions were once a screen of their own; its links open the editor.
      { path: "pages/:pageId/canvas", element: <Navigate to=".." relative="path" replace /> },
      { path: "media", element: <MediaLibrary /> },
      { path: "site", lazy: () => import("./site/SiteScreen").then(({ SiteScreen }) => ({ Component: SiteScreen })) },
      { path: "settings/*", element: <Settings /> },
      { path: "*", element: <NotFound /> },
    ],
  },
];

export const router = createBrowserRouter(host.kind === "tenant" ? tenantRoutes : platformRoutes, { basename: "/studio" });
