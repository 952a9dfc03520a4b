// The frame of the screens outside a site's studio (log-in, sign-up, choosing a site): the
// product's name, one centred column, a footer line.

import type { ReactNode } from "react";
import { Link } from "react-router-dom";

export function Mark() {
  return (
    <svg className="mark" viewBox="0 0 32 32" aria-hidden="true" focusable="false">
      <rect width="32" height="32" rx="7" fill="currentColor" />
      <path d="M9 21.5c1.6 1.3 3.7 2 6.2 2 3.6 0 5.8-1.7 5.8-4.3 0-2.4-1.6-3.5-5-4.3-2.3-.6-3-1-3-1.9 0-.9.9-1.5 2.4-1.5 1.6 0 3 .5 4.2 1.4l1.6-2.4c-1.5-1.2-3.4-1.9-5.8-1.9-3.4 0-5.6 1.8-5.6 4.4 0 2.6 1.8 3.6 5 4.3 2.2.5 2.9 1 2.9 1.9 0 1-.9 1.6-2.6 1.6-1.9 0-3.5-.6-4.9-1.7z" fill="#f4b860" />
    </svg>
  );
}

export function Frame({ children, aside, wide }: { children: ReactNode; aside?: ReactNode; wide?: boolean }) {
  return (
    <div className="frame">
      <a className="skip-link" href="#main">Skip to content</a>
      <header className="frame-header">
        <Link to="/" className="brand"><Mark /><span>Sitebuilder <span className="brand-sub">Studio</span></span></Link>
        {aside ? <div className="frame-aside">{aside}</div> : null}
      </header>
      <main id="main" className={wide ? "frame-main frame-wide" : "frame-main"}>{children}</main>
      <footer className="frame-footer"><p>Your sites, written with you, published when you say so.</p></footer>
    </div>
  );
}
