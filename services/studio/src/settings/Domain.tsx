// Domain: the custom domain, the TXT record that proves it is the owner's, verify, status.

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";

import { call } from "../api/client";
import { ApiError } from "../api/problem";
import type { Role } from "../api/types";
import { Button, ErrorNotice, Loading, TextField, When } from "../ui";
import { ReadOnlyNote, SectionTitle } from "./parts";
import type { DomainOut } from "./types";

export function Domain({ canChange }: { role: Role; canChange: boolean }) {
  const queries = useQueryClient();
  const domain = useQuery({
    queryKey: ["domain"],
    // 404: no custom domain yet, which is a state, not a failure
    queryFn: ({ signal }) => call<DomainOut>("GET", "/api/identity/domain", { signal })
      .catch((error) => { if (error instanceof ApiError && error.status === 404) return null; throw error; }),
  });
  const [name, setName] = useState("");
  const set = useMutation({ mutationFn: () => call<DomainOut>("PUT", "/api/identity/domain", { json: { domain: name.trim() } }),
    onSuccess: (answer) => queries.setQueryData(["domain"], answer) });
  const verify = useMutation({ mutationFn: () => call<DomainOut>("POST", "/api/identity/domain/verify"),
    onSuccess: (answer) => queries.setQueryData(["domain"], answer) });
  const remove = useMutation({ mutationFn: () => call<void>("DELETE", "/api/identity/domain"),
    onSuccess: () => queries.setQueryData(["domain"], null) });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    set.mutate();
  };
  const current = domain.data;
  return (
    <section aria-labelledby="domain-title">
      <SectionTitle id="domain-title" title="Domain" lead="Serve the site on your own address, such as www.example.com." />
      {!canChange ? <ReadOnlyNote who="the site's owners" /> : null}
      <ErrorNotice error={domain.error} title="We could not load the domain" />
      {domain.isPending ? <Loading label="Loading the domain…" /> : null}
      {current === null ? (
        <form className="card settings-form" onSubmit={submit} aria-label="Custom domain">
          <p>No custom domain yet: the site answers on its platform address. Enter the domain you own, then add the TXT record we show you at your DNS provider.</p>
          <fieldset disabled={!canChange} className="plain-fieldset">
            <TextField label="Domain" name="domain" placeholder="www.example.com" required minLength={4} value={name}
              onChange={(e) => setName(e.target.value)} error={set.error instanceof ApiError ? set.error.fieldMessage("domain") : undefined} />
            <ErrorNotice error={set.error} title="The domain was not added" />
            {canChange ? <div className="form-actions"><Button type="submit" busy={set.isPending} busyLabel="Adding…">Add domain</Button></div> : null}
          </fieldset>
        </form>
      ) : null}
      {current ? (
        <div className="card">
          <p className="domain-status">
            <span className="mono">{current.domain}</span>{" "}
            {current.flagged_at ? <span className="badge badge-danger">Needs attention</span>
              : current.verified_at ? <span className="badge badge-success">Verified</span>
              : <span className="badge badge-warning">Waiting for the TXT record</span>}
          </p>
          {current.flagged_at ? <p>The TXT record was missing at the last check (<When at={current.flagged_at} />). Put it back, then verify again.</p> : null}
          {current.verified_at && !current.flagged_at ? <p>Verified <When at={current.verified_at} />. Point the domain's CNAME at the platform to serve the site there.</p> : null}
          <h2>The TXT record to create</h2>
          <dl className="record">
            <dt>Type</dt><dd className="mono">TXT</dd>
            <dt>Name</dt><dd className="mono">{current.txt_name}</dd>
            <dt>Value</dt><dd className="mono">{current.txt_value}</dd>
          </dl>
          <p className="muted">{current.last_checked_at ? <>Last checked <When at={current.last_checked_at} />.</> : "Not checked yet."} DNS changes can take a while to show.</p>
          <ErrorNotice error={verify.error ?? remove.error} />
          {verify.isSuccess && !verify.data.verified_at ? <p className="notice notice-warning" role="status">The record is not visible yet. Check the name and value, and try again in a few minutes.</p> : null}
          {canChange ? (
            <div className="actions">
              <Button type="button" onClick={() => verify.mutate()} busy={verify.isPending} busyLabel="Checking…">Verify now</Button>
              <Button type="button" variant="secondary" onClick={() => remove.mutate()} busy={remove.isPending}>Remove domain</Button>
            </div>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}
