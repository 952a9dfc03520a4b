// The invitation's mailed link on the site's host (/studio/accept-invitation?token=…): one
// password (a new account chooses it; an existing one gives its own) and the person lands in
// this site's studio, signed in with the role they were invited with.

import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link, useNavigate, useSearchParams } from "react-router-dom";

import { ApiError } from "../api/problem";
import { session } from "../api/session";
import { send } from "../api/transport";
import type { TokenOut } from "../api/types";
import { platformStudio } from "../host";
import { Button, ErrorNotice, ScreenTitle, TextField } from "../ui";
import { Frame } from "./Frame";

/** What a refusal leaves the person to do, from its status and the API's words (identity's
 * members.py): log in when they are already in, ask again when the link is spent or stale. */
function wayOn(error: unknown): "log-in" | "ask-again" | "password" | null {
  if (!(error instanceof ApiError)) return null;
  if (error.status === 409) return "log-in"; // already used, or already a member
  if (/password/i.test(error.message)) return "password";
  if (error.status === 422 || error.status === 404) return "ask-again"; // expired, revoked, unknown
  return null;
}

export function AcceptInvitation() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const token = params.get("token") ?? "";
  const [password, setPassword] = useState("");
  const accept = useMutation({
    mutationFn: () => send<TokenOut>("POST", "/api/identity/invitations/accept",
      { json: { token, password }, headers: session.opening }),
    // The mailed token leaves the address bar and the history with this replace.
    onSuccess: async (answer) => {
      await session.enter(answer);
      navigate("/", { replace: true });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    accept.mutate();
  };
  const next = wayOn(accept.error);
  const site = window.location.host;
  const passwordError = accept.error instanceof ApiError ? accept.error.fieldMessage("password") : undefined;
  return (
    <Frame>
      <section className="card auth-card" aria-labelledby="accept-title">
        <ScreenTitle title="Join this site" lead={<>You were invited to the studio of <strong className="mono">{site}</strong>.</>}>
          <span id="accept-title">Join this site</span>
        </ScreenTitle>
        {!token ? (
          <p className="notice notice-error" role="alert">
            This link has no invitation in it. Open the link from the mail again, whole, or ask the site's owner to invite you again.
          </p>
        ) : (
          <>
            <ErrorNotice error={passwordError ? null : accept.error} title={next === "log-in" ? "You are already in" : "We could not add you"} />
            {next === "log-in" ? (
              <p className="actions"><Link className="btn btn-primary" to="/login">Log in to this site</Link></p>
            ) : null}
            {next === "ask-again" ? (
              <p className="notice notice-info" role="status">Ask the person who invited you to send a new invitation: each link works once, for a week.</p>
            ) : null}
            {next !== "log-in" ? (
              <form onSubmit={submit}>
                <TextField label="Password" type="password" name="password" required minLength={10} maxLength={1024}
                  autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)}
                  error={passwordError}
                  hint="New here? Choose one, at least 10 characters. If this e-mail already has an account, give its password." />
                <Button type="submit" busy={accept.isPending} busyLabel="Joining…">Join and open the studio</Button>
              </form>
            ) : null}
          </>
        )}
        <p className="aside-links">
          {next === "password"
            ? <><a href={platformStudio("forgot-password")}>Forgot your password?</a> · </>
            : null}
          Already joined? <Link to="/login">Log in</Link>
        </p>
      </section>
    </Frame>
  );
}
