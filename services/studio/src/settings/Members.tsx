// Members (OWNER): who works on the site and as what; invitations by e-mail with a role.

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";

import { call } from "../api/client";
import { ApiError } from "../api/problem";
import { useSession } from "../api/session";
import type { Role } from "../api/types";
import { Button, ErrorNotice, Loading, SelectField, TextField, When } from "../ui";
import { SectionTitle } from "./parts";
import type { InvitationOut, MemberOut } from "./types";

const ROLES: Role[] = ["OWNER", "EDITOR", "VIEWER"];
const ROLE_HINT = "Owners change everything, billing included; editors make and publish pages; viewers look.";

export function Members(_: { role: Role; canChange: boolean }) {
  const state = useSession();
  const queries = useQueryClient();
  const members = useQuery({ queryKey: ["members"], queryFn: ({ signal }) => call<MemberOut[]>("GET", "/api/identity/members", { signal }) });
  const invitations = useQuery({ queryKey: ["invitations"], queryFn: ({ signal }) => call<InvitationOut[]>("GET", "/api/identity/invitations", { signal }) });
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<Role>("EDITOR");
  const refresh = () => {
    void queries.invalidateQueries({ queryKey: ["members"] });
    void queries.invalidateQueries({ queryKey: ["invitations"] });
  };
  const invite = useMutation({ mutationFn: () => call<InvitationOut>("POST", "/api/identity/invitations", { json: { email: email.trim(), role } }),
    onSuccess: () => { setEmail(""); refresh(); } });
  const change = useMutation({ mutationFn: ({ id, to }: { id: string; to: Role }) => call<MemberOut>("PUT", `/api/identity/members/${id}/role`, { json: { role: to } }),
    onSettled: refresh });
  const remove = useMutation({ mutationFn: (id: string) => call<void>("DELETE", `/api/identity/members/${id}`), onSettled: refresh });
  const revoke = useMutation({ mutationFn: (id: string) => call<void>("DELETE", `/api/identity/invitations/${id}`), onSettled: refresh });
  const me = state.kind === "tenant" ? state.accountId : "";
  const pending = (invitations.data ?? []).filter((i) => !i.accepted_at && !i.revoked_at);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    invite.mutate();
  };
  return (
    <section aria-labelledby="members-title">
      <SectionTitle id="members-title" title="Members" lead={ROLE_HINT} />
      <form className="card settings-form" onSubmit={submit} aria-label="Invite someone">
        <h2>Invite someone</h2>
        <div className="field-row">
          <TextField label="E-mail to invite" type="email" required value={email} onChange={(e) => setEmail(e.target.value)}
            error={invite.error instanceof ApiError ? invite.error.fieldMessage("email") : undefined} />
          <SelectField label="Role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
            {ROLES.map((r) => <option key={r} value={r}>{r.toLowerCase()}</option>)}
          </SelectField>
        </div>
        <ErrorNotice error={invite.error} title="The invitation was not sent" />
        {invite.isSuccess ? <p className="notice notice-success" role="status">Invitation sent to {invite.data.email}.</p> : null}
        <div className="form-actions"><Button type="submit" busy={invite.isPending} busyLabel="Sending…">Send invitation</Button></div>
      </form>

      <h2 className="settings-subhead">People</h2>
      <ErrorNotice error={members.error ?? change.error ?? remove.error} />
      {members.isPending ? <Loading label="Loading the members…" /> : null}
      {members.data ? (
        <div className="table-wrap">
          <table className="pages-table">
            <thead><tr><th scope="col">E-mail</th><th scope="col">Role</th><th scope="col">Since</th><th scope="col"><span className="visually-hidden">Actions</span></th></tr></thead>
            <tbody>
              {members.data.map((member) => (
                <tr key={member.account_id}>
                  <td>{member.email}{member.account_id === me ? <span className="muted"> (you)</span> : null}</td>
                  <td>
                    <label className="visually-hidden" htmlFor={`role-${member.account_id}`}>Role of {member.email}</label>
                    <select id={`role-${member.account_id}`} className="compact-select" value={member.role}
                      disabled={change.isPending} onChange={(e) => change.mutate({ id: member.account_id, to: e.target.value as Role })}>
                      {ROLES.map((r) => <option key={r} value={r}>{r.toLowerCase()}</option>)}
                    </select>
                  </td>
                  <td><When at={member.since} /></td>
                  <td className="cell-actions">
                    {member.account_id === me ? null
                      : <button type="button" className="link-button" onClick={() => remove.mutate(member.account_id)}>
                        Remove<span className="visually-hidden"> {member.email}</span></button>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}

      <h2 className="settings-subhead">Open invitations</h2>
      <ErrorNotice error={invitations.error ?? revoke.error} />
      {invitations.data && pending.length === 0 ? <p className="muted">No open invitations. Invite someone above; the link in their e-mail works for 7 days.</p> : null}
      {pending.length ? (
        <ul className="plain-list">
          {pending.map((invitation) => (
            <li key={invitation.id} className="list-row">
              <span>{invitation.email} <span className="badge">{invitation.role.toLowerCase()}</span></span>
              <span className="muted">expires <When at={invitation.expires_at} /></span>
              <button type="button" className="link-button" onClick={() => revoke.mutate(invitation.id)}>
                Withdraw<span className="visually-hidden"> the invitation of {invitation.email}</span></button>
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
