// Arriving from the platform's "Your sites" (/studio/handoff#code=…): the one-time code in the
// fragment (never sent in a request line, a Referer or a log) becomes a session on this host,
// then the person is in this site's studio. Identity's README, "Browser sessions".

import { useMutation } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { Link, useNavigate } from "react-router-dom";

import { session } from "../api/session";
import { send } from "../api/transport";
import type { TokenOut } from "../api/types";
import { platformStudio } from "../host";
import { ErrorNotice, Loading, ScreenTitle } from "../ui";
import { Frame } from "./Frame";

function codeInFragment(): string {
  return new URLSearchParams(window.location.hash.slice(1)).get("code") ?? "";
}

export function Handoff() {
  const navigate = useNavigate();
  const [code] = useState(codeInFragment);
  const started = useRef(false);
  const redeem = useMutation({
    mutationFn: () => send<TokenOut>("POST", "/api/identity/handoffs/redeem", { json: { code }, headers: session.opening }),
    onSuccess: async (token) => {
      await session.enter(token);
      navigate("/", { replace: true });
    },
  });
  useEffect(() => {
    // The code leaves the address bar and the history before it is spent; once only, even
    // when React runs an effect twice.
    if (started.current) return;
    started.current = true;
    window.history.replaceState(window.history.state, "", window.location.pathname);
    if (code) redeem.mutate();
  }, [code, redeem]);
  const failed = !code || redeem.isError;
  if (!failed) {
    return (
      <Frame>
        <section className="card auth-card" aria-labelledby="handoff-title">
          <ScreenTitle title="Opening the studio">
            <span id="handoff-title">Opening the studio</span>
          </ScreenTitle>
          <Loading label={`Signing you in to ${window.location.host}…`} />
        </section>
      </Frame>
    );
  }
  return (
    <Frame>
      <section className="card auth-card" aria-labelledby="handoff-title">
        <ScreenTitle title="Log in to this site" lead="The link that was to sign you in here did not work.">
          <span id="handoff-title">Log in to this site</span>
        </ScreenTitle>
        {code
          ? <ErrorNotice error={redeem.error} title="We could not sign you in" />
          : <p className="notice notice-error" role="alert">This address carries no sign-in code. Open the site again from your sites, or log in.</p>}
        <p className="actions">
          <Link className="btn btn-primary" to="/login" replace>Log in</Link>
          <a className="btn btn-quiet" href={platformStudio()}>All your sites</a>
        </p>
      </section>
    </Frame>
  );
}
