// Log in, sign up (and open the mailed link), forgotten password: the screens before a site's studio.

import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link, useNavigate, useSearchParams } from "react-router-dom";

import { ApiError } from "../api/problem";
import { session, useSession } from "../api/session";
import { send } from "../api/transport";
import type { SessionOut, SignupOut, SignupRequestedOut, TokenOut } from "../api/types";
import { host, platformStudio, tenantStudio } from "../host";
import { Button, ErrorNotice, ScreenTitle, TextField } from "../ui";
import { Frame } from "./Frame";

function fieldError(error: unknown, field: string): string | undefined {
  return error instanceof ApiError ? error.fieldMessage(field) : undefined;
}

/** A slug from a site's name: lowercase letters, digits and single hyphens, 3 to 63 long. */
export function slugOf(name: string): string {
  return name.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
    .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 63).replace(/-+$/, "");
}

export function LogIn() {
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const state = useSession();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const logIn = useMutation({
    mutationFn: () => send<SessionOut | TokenOut>("POST", "/api/identity/login", { json: { email, password }, headers: session.opening }),
    onSuccess: (answer) => {
      if ("access_token" in answer) session.openTenant(answer, email);
      else session.openPlatform(answer, email);
      const next = params.get("next");
      navigate(next && next.startsWith("/") && !next.startsWith("//") ? next : "/", { replace: true });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    logIn.mutate();
  };
  const ended = state.kind === "anonymous" ? state.ended : undefined;
  return (
    <Frame>
      <section className="card auth-card" aria-labelledby="login-title">
        <ScreenTitle title="Log in" lead={host.kind === "tenant" ? `to the studio of ${window.location.hostname}` : "to make, edit and run your sites"}>
          <span id="login-title">Log in</span>
        </ScreenTitle>
        {ended === "expired" ? <p className="notice notice-info" role="status">Your session ended. Log in again to carry on.</p> : null}
        {ended === "logged-out" ? <p className="notice notice-info" role="status">You are logged out.</p> : null}
        <ErrorNotice error={logIn.error} title="We could not log you in" />
        <form onSubmit={submit} noValidate={false}>
          <TextField label="E-mail" type="email" name="email" autoComplete="username" required value={email}
            onChange={(e) => setEmail(e.target.value)} />
          <TextField label="Password" type="password" name="password" autoComplete="current-password" required
            value={password} onChange={(e) => setPassword(e.target.value)} />
          <Button type="submit" busy={logIn.isPending} busyLabel="Logging in…">Log in</Button>
        </form>
        <p className="aside-links">
          {host.kind === "platform"
            ? <><Link to="/forgot-password">Forgot your password?</Link> · <Link to="/signup">Create a site</Link></>
            : <><a href={platformStudio("forgot-password")}>Forgot your password?</a> · <a href={platformStudio()}>All your sites</a></>}
        </p>
      </section>
    </Frame>
  );
}

export function SignUp() {
  const [name, setName] = useState("");
  const [slug, setSlug] = useState("");
  const [slugTouched, setSlugTouched] = useState(false);
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const address = slugTouched ? slug : slugOf(name);
  const signUp = useMutation({
    mutationFn: () => send<SignupRequestedOut>("POST", "/api/identity/signup", { json: { name, slug: address, email, password } }),
  });
  const error = signUp.error;
  const suggestion = error instanceof ApiError && typeof error.problem.suggestion === "string" ? error.problem.suggestion : "";
  if (signUp.isSuccess) {
    return (
      <Frame>
        <section className="card auth-card" aria-labelledby="sent-title">
          <ScreenTitle title="Check your e-mail" lead={<>We sent a link to <strong>{signUp.data.email}</strong>.</>}>
            <span id="sent-title">Check your e-mail</span>
          </ScreenTitle>
          <p>Open it to create <strong>{name}</strong>. Until then nothing is made, and the link works for two days.</p>
          <p className="muted">No mail after a few minutes? Look in your spam folder, or <button type="button" className="link-button" onClick={() => signUp.reset()}>try again</button>.</p>
        </section>
      </Frame>
    );
  }
  return (
    <Frame>
      <section className="card auth-card" aria-labelledby="signup-title">
        <ScreenTitle title="Create your site" lead="One account for all your sites. You can add more later.">
          <span id="signup-title">Create your site</span>
        </ScreenTitle>
        <ErrorNotice error={error} title="We could not start your site" />
        <form onSubmit={(e) => { e.preventDefault(); signUp.mutate(); }}>
          <TextField label="Site name" name="site-name" required maxLength={120} autoComplete="organization" value={name}
            onChange={(e) => setName(e.target.value)} error={fieldError(error, "name")} hint="Your business or project, as visitors should read it." />
          <TextField label="Site address" name="slug" required minLength={3} maxLength={63} pattern="[a-z0-9]+(-[a-z0-9]+)*"
            value={address} spellCheck={false} autoCapitalize="none"
            onChange={(e) => { setSlugTouched(true); setSlug(e.target.value.toLowerCase()); }}
            error={fieldError(error, "slug") ?? (suggestion ? `That address is taken. ${suggestion} is free.` : undefined)}
            hint={<>Your site will live at <strong className="mono">{address || "your-site"}.{new URL(host.platform).host}</strong></>} />
          <TextField label="E-mail" type="email" name="email" required autoComplete="email" value={email}
            onChange={(e) => setEmail(e.target.value)} error={fieldError(error, "email")} />
          <TextField label="Password" type="password" name="password" required minLength={10} autoComplete="new-password"
            value={password} onChange={(e) => setPassword(e.target.value)} error={fieldError(error, "password")}
            hint="At least 10 characters." />
          <Button type="submit" busy={signUp.isPending} busyLabel="Sending the link…">Create my site</Button>
        </form>
        <p className="aside-links">Already have an account? <Link to="/login">Log in</Link></p>
      </section>
    </Frame>
  );
}

export function ConfirmSignUp() {
  const [params] = useSearchParams();
  const token = params.get("token") ?? "";
  // Opened by a click, not on load: mail scanners open links, and creating a site is a choice.
  const confirm = useMutation({
    mutationFn: () => send<SignupOut>("POST", "/api/identity/signup/confirm", { json: { token }, headers: session.opening }),
    onSuccess: (made) => {
      session.openPlatform({ refresh_token: made.token.refresh_token ?? "", account_id: made.token.account_id,
        tenants: [{ tenant_id: made.tenant_id, slug: made.slug, name: made.name, role: made.token.role }] }, made.email);
    },
  });
  if (confirm.isSuccess) {
    const made = confirm.data;
    return (
      <Frame>
        <section className="card auth-card" aria-labelledby="made-title">
          <ScreenTitle title={`${made.name} is ready`} lead={<>Its address is <strong className="mono">{new URL(tenantStudio(made.slug)).host}</strong>.</>}>
            <span id="made-title">{made.name} is ready</span>
          </ScreenTitle>
          <p>Open its studio and log in there with <strong>{made.email}</strong> to describe your business and write the site.</p>
          <p className="actions">
            <a className="btn btn-primary" href={tenantStudio(made.slug)}>Open the studio of {made.name}</a>
            <Link className="btn btn-quiet" to="/">All your sites</Link>
          </p>
        </section>
      </Frame>
    );
  }
  return (
    <Frame>
      <section className="card auth-card" aria-labelledby="confirm-title">
        <ScreenTitle title="Confirm your e-mail" lead="One click and your site exists.">
          <span id="confirm-title">Confirm your e-mail</span>
        </ScreenTitle>
        {!token ? <p className="notice notice-error" role="alert">This link has no token. Open the link from the mail again, whole.</p> : null}
        <ErrorNotice error={confirm.error} title="This link did not work" />
        <Button type="button" disabled={!token} busy={confirm.isPending} busyLabel="Creating your site…" onClick={() => confirm.mutate()}>
          Confirm and create my site
        </Button>
        {confirm.isError ? <p className="aside-links"><Link to="/signup">Sign up again</Link></p> : null}
      </section>
    </Frame>
  );
}

export function ForgotPassword() {
  const [email, setEmail] = useState("");
  const ask = useMutation({ mutationFn: () => send("POST", "/api/identity/password-reset", { json: { email } }) });
  return (
    <Frame>
      <section className="card auth-card" aria-labelledby="forgot-title">
        <ScreenTitle title="Forgot your password?" lead="We mail you a link to choose a new one.">
          <span id="forgot-title">Forgot your password?</span>
        </ScreenTitle>
        {ask.isSuccess ? (
          <p className="notice notice-info" role="status">If an account uses <strong>{email}</strong>, a link is on its way. It works for an hour.</p>
        ) : (
          <>
            <ErrorNotice error={ask.error} />
            <form onSubmit={(e) => { e.preventDefault(); ask.mutate(); }}>
              <TextField label="E-mail" type="email" name="email" required autoComplete="email" value={email}
                onChange={(e) => setEmail(e.target.value)} />
              <Button type="submit" busy={ask.isPending} busyLabel="Sending…">Send the link</Button>
            </form>
          </>
        )}
        <p className="aside-links"><Link to="/login">Back to log in</Link></p>
      </section>
    </Frame>
  );
}

export function ResetPassword() {
  const [params] = useSearchParams();
  const [password, setPassword] = useState("");
  const reset = useMutation({
    mutationFn: () => send("POST", "/api/identity/password-reset/confirm", { json: { token: params.get("token") ?? "", password } }),
  });
  return (
    <Frame>
      <section className="card auth-card" aria-labelledby="reset-title">
        <ScreenTitle title="Choose a new password">
          <span id="reset-title">Choose a new password</span>
        </ScreenTitle>
        {reset.isSuccess ? (
          <p className="notice notice-success" role="status">Your password is changed. <Link to="/login">Log in</Link> with it.</p>
        ) : (
          <>
            <ErrorNotice error={reset.error} />
            <form onSubmit={(e) => { e.preventDefault(); reset.mutate(); }}>
              <TextField label="New password" type="password" name="password" required minLength={10}
                autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)}
                error={fieldError(reset.error, "password")} hint="At least 10 characters." />
              <Button type="submit" busy={reset.isPending} busyLabel="Saving…">Save the password</Button>
            </form>
          </>
        )}
      </section>
    </Frame>
  );
}
