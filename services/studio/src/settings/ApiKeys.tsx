// API keys (OWNER): create one (the key is shown once, with a copy button), list, revoke.

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";

import { call } from "../api/client";
import type { Role } from "../api/types";
import { Button, ErrorNotice, Loading, SelectField, TextField, When } from "../ui";
import { SectionTitle } from "./parts";
import type { ApiKeyOut } from "./types";

export function ApiKeys(_: { role: Role; canChange: boolean }) {
  const queries = useQueryClient();
  const keys = useQuery({ queryKey: ["api-keys"], queryFn: ({ signal }) => call<ApiKeyOut[]>("GET", "/api/identity/api-keys", { signal }) });
  const [name, setName] = useState("");
  const [role, setRole] = useState<Role>("EDITOR");
  const [copied, setCopied] = useState(false);
  const create = useMutation({ mutationFn: () => call<ApiKeyOut>("POST", "/api/identity/api-keys", { json: { name: name.trim(), role } }),
    onSuccess: () => { setName(""); setCopied(false); void queries.invalidateQueries({ queryKey: ["api-keys"] }); } });
  const revoke = useMutation({ mutationFn: (id: string) => call<void>("DELETE", `/api/identity/api-keys/${id}`),
    onSettled: () => queries.invalidateQueries({ queryKey: ["api-keys"] }) });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  const fresh = create.data?.key;
  const live = (keys.data ?? []).filter((k) => !k.revoked_at);
  return (
    <section aria-labelledby="keys-title">
      <SectionTitle id="keys-title" title="API keys" lead="For your own scripts and integrations: a key acts with the role you give it." />
      <form className="card settings-form" onSubmit={submit} aria-label="Create an API key">
        <div className="field-row">
          <TextField label="Key name" required maxLength={120} placeholder="Nightly import" value={name} onChange={(e) => setName(e.target.value)} />
          <SelectField label="Acts as" value={role} onChange={(e) => setRole(e.target.value as Role)}>
            <option value="VIEWER">viewer</option><option value="EDITOR">editor</option><option value="OWNER">owner</option>
          </SelectField>
        </div>
        <ErrorNotice error={create.error} title="The key was not created" />
        <div className="form-actions"><Button type="submit" busy={create.isPending} busyLabel="Creating…">Create key</Button></div>
      </form>
      {fresh ? (
        <div className="notice notice-success new-key" role="status">
          <p className="notice-title">Copy the key now: it is shown only this once</p>
          <p className="key-line"><code className="mono key-value">{fresh}</code>
            <button type="button" className="btn btn-secondary" onClick={() => void navigator.clipboard.writeText(fresh).then(() => setCopied(true))}>
              {copied ? "Copied" : "Copy key"}</button></p>
        </div>
      ) : null}
      <h2 className="settings-subhead">Keys</h2>
      <ErrorNotice error={keys.error ?? revoke.error} />
      {keys.isPending ? <Loading label="Loading the keys…" /> : null}
      {keys.data && live.length === 0 ? <p className="muted">No API keys yet. Create one above when a script needs to call the platform.</p> : null}
      {live.length ? (
        <div className="table-wrap">
          <table className="pages-table">
            <thead><tr><th scope="col">Name</th><th scope="col">Starts with</th><th scope="col">Acts as</th><th scope="col">Last used</th><th scope="col"><span className="visually-hidden">Actions</span></th></tr></thead>
            <tbody>
              {live.map((key) => (
                <tr key={key.id}>
                  <td>{key.name}</td>
                  <td className="mono">{key.prefix}…</td>
                  <td>{key.role.toLowerCase()}</td>
                  <td>{key.last_used_at ? <When at={key.last_used_at} /> : <span className="muted">never</span>}</td>
                  <td className="cell-actions"><button type="button" className="link-button" onClick={() => revoke.mutate(key.id)}>
                    Revoke<span className="visually-hidden"> {key.name}</span></button></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
