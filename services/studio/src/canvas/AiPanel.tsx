// AI on the selected node: rewrite, shorten, translate, change the tone or write it again.
// What it may cost is said first (cms's estimate of this very edit: what it will hold, what it
// usually costs, what the wallet has), the proposal comes back as a diff of fields, and the
// editor applies all of it, some of it or none; the credits it cost are shown either way (the
// model ran).

import { keepPreviousData, useMutation, useQuery } from "@tanstack/react-query";
import { useEffect, useId, useState, type FormEvent } from "react";

import { api, call } from "../api/client";
import { ApiError } from "../api/problem";
import { useSession } from "../api/session";
import type { EstimateOut, PageOut } from "../api/types";
import { fieldName } from "../editor/registry";
import { credits, ShortOfCredits, useDebounced } from "../screens/Estimate";
import { Button, ErrorNotice, SelectField, TextArea, TextField } from "../ui";
import { changesOf, ifMatch, shown, type BalanceOut, type EditIn, type ProposalOut } from "./shapes";
import "./canvas.css";

const ACTIONS: { value: EditIn["action"]; label: string; hint: string }[] = [
  { value: "rewrite", label: "Rewrite", hint: "Same meaning, better words." },
  { value: "shorten", label: "Shorten", hint: "Say it in fewer words." },
  { value: "translate", label: "Translate", hint: "Into another language." },
  { value: "tone", label: "Change tone", hint: "Warmer, more formal, more playful…" },
  { value: "regenerate", label: "Write again", hint: "A fresh version of this block." },
];

const LANGUAGES = [
  ["en", "English"], ["fr", "French"], ["de", "German"], ["es", "Spanish"], ["it", "Italian"], ["pt", "Portuguese"],
  ["nl", "Dutch"], ["sv", "Swedish"], ["fi", "Finnish"], ["da", "Danish"], ["pl", "Polish"], ["ja", "Japanese"],
] as const;

export interface AiPanelProps {
  pageId: string;
  /** Saves what the editor has pending and answers the draft's revision (sent as If-Match). */
  draftRevision: () => Promise<number>;
  nodeId: string | null;
  /** A short name of the selected node ("Hero · Fresh bread"), for the heading. */
  nodeLabel?: string;
  onApplied: (page: PageOut) => void;
}

export function AiPanel({ pageId, draftRevision, nodeId, nodeLabel, onApplied }: AiPanelProps) {
  const headingId = useId();
  const state = useSession();
  const canEdit = state.kind === "tenant" && state.role !== "VIEWER";
  const [action, setAction] = useState<EditIn["action"]>("rewrite");
  const [language, setLanguage] = useState("fr");
  const [tone, setTone] = useState("");
  const [instruction, setInstruction] = useState("");
  const [proposal, setProposal] = useState<ProposalOut | null>(null);
  const [chosen, setChosen] = useState<Set<number>>(new Set());
  const [outcome, setOutcome] = useState<string | null>(null);

  // The balance is shown to whoever may read it; a role that may not just does not see it.
  const balance = useQuery({
    queryKey: ["billing", "balance"], retry: false,
    queryFn: ({ signal }) => api.get<BalanceOut>("/api/billing/balance", signal),
  });

  useEffect(() => {
    setProposal(null);
    setOutcome(null);
  }, [nodeId, pageId]);

  const asked = useDebounced(JSON.stringify({ node_id: nodeId ?? "", action, instruction,
    language: action === "translate" ? language : "", tone: action === "tone" ? tone : "" }), 400);
  const estimate = useQuery({
    queryKey: ["ai-estimate", pageId, asked],
    queryFn: () => api.post<EstimateOut>(`/api/cms/pages/${pageId}/ai-edits/estimate`, JSON.parse(asked) as Partial<EditIn>),
    enabled: canEdit && nodeId !== null && !proposal, retry: false, placeholderData: keepPreviousData,
  });
  const price = estimate.data;

  const ask = useMutation({
    mutationFn: async () => call<ProposalOut>("POST", `/api/cms/pages/${pageId}/ai-edits`, {
      json: { node_id: nodeId ?? "", action, instruction, language: action === "translate" ? language : "",
        tone: action === "tone" ? tone : "" } satisfies Partial<EditIn>,
      headers: ifMatch(await draftRevision()),
    }),
    onSuccess: (made) => {
      setProposal(made);
      setChosen(new Set(changesOf(made).map((change) => change.index)));
      setOutcome(null);
      void balance.refetch();
    },
  });

  const decide = useMutation({
    mutationFn: async (accept: number[]) => call<PageOut>("POST", `/api/cms/pages/${pageId}/ai-edits/${proposal?.id}/decision`,
      { json: { accept }, headers: ifMatch(await draftRevision()) }),
    onSuccess: (page, accept) => {
      const total = proposal ? changesOf(proposal).length : 0;
      setOutcome(accept.length === 0 ? "Discarded: the draft is as it was."
        : `Applied ${accept.length} of ${total} change${total === 1 ? "" : "s"} to the draft.`);
      setProposal(null);
      onApplied(page);
    },
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    if (nodeId) ask.mutate();
  }

  function toggle(index: number) {
    const next = new Set(chosen);
    if (next.has(index)) next.delete(index);
    else next.add(index);
    setChosen(next);
  }

  const changes = proposal ? changesOf(proposal) : [];
  const stale = decide.error instanceof ApiError && decide.error.status === 412;
  return (
    <section className="side-panel ai-panel" aria-labelledby={headingId}>
      <h2 id={headingId}>AI on this block</h2>
      {!canEdit ? (
        <p className="muted">A viewer reads the page; AI edits are for owners and editors.</p>
      ) : !nodeId ? (
        <p className="muted">Select a block in the canvas (or in the list of blocks) to rewrite, shorten, translate it or change its tone.</p>
      ) : (
        <>
          <p className="ai-target">{nodeLabel ?? nodeId}</p>
          {!proposal ? (
            <form onSubmit={submit} className="ai-form">
              <fieldset className="ai-actions">
                <legend>What to do</legend>
                {ACTIONS.map((option) => (
                  <label key={option.value} className="ai-action">
                    <input type="radio" name="ai-action" value={option.value} checked={action === option.value}
                      onChange={() => setAction(option.value)} />
                    <span><strong>{option.label}</strong> <span className="muted">{option.hint}</span></span>
                  </label>
                ))}
              </fieldset>
              {action === "translate" ? (
                <SelectField label="Language" value={language} onChange={(event) => setLanguage(event.target.value)}>
                  {LANGUAGES.map(([code, name]) => <option key={code} value={code}>{name}</option>)}
                </SelectField>
              ) : null}
              {action === "tone" ? (
                <TextField label="Tone" value={tone} required maxLength={60} placeholder="e.g. warm and friendly"
                  onChange={(event) => setTone(event.target.value)} />
              ) : null}
              <TextArea label="Anything to keep in mind (optional)" rows={2} maxLength={2000} value={instruction}
                onChange={(event) => setInstruction(event.target.value)} />
              <p className="ai-cost" aria-live="polite">
                {price ? <>Up to <strong>{credits(price.max_credits)}</strong> held while the AI writes, usually{" "}
                  <strong>{credits(price.expected_credits)}</strong>; {credits(price.available)} available.{" "}</> : null}
                You are charged what the model used, whether you keep the proposal or not.
              </p>
              {price && !price.fits ? <ShortOfCredits what="this edit" needed={price.smallest_credits} available={price.available} /> : null}
              <ErrorNotice error={ask.error} title="The AI could not propose a change" />
              <div className="actions">
                <Button type="submit" busy={ask.isPending} busyLabel="Writing a proposal…" disabled={price ? !price.fits : false}>Propose a change</Button>
              </div>
            </form>
          ) : (
            <div className="proposal">
              <p className="ai-charged">
                This proposal cost <strong>{proposal.credits} credit{proposal.credits === 1 ? "" : "s"}</strong>
                {balance.data ? <> · {balance.data.available} left</> : null}.
              </p>
              {proposal.notes?.length ? (
                <div className="notice notice-info"><ul>{proposal.notes.map((note) => <li key={note}>{note}</li>)}</ul></div>
              ) : null}
              {changes.length === 0 ? (
                <p>The AI proposes no change to this block. Discard it, or ask again with an instruction.</p>
              ) : (
                <fieldset className="changes">
                  <legend>Proposed changes: keep the ones you want</legend>
                  <ul>
                    {changes.map((change) => (
                      <li key={change.index} className="change">
                        <label>
                          <input type="checkbox" checked={chosen.has(change.index)} onChange={() => toggle(change.index)} />
                          <span className="change-field">{change.component} · {fieldName((change.field || change.path).split("/").filter(Boolean))}</span>
                        </label>
                        <div className="change-values">
                          {change.before !== null && change.before !== undefined ? (
                            <del><span className="visually-hidden">Before: </span>{shown(change.before)}</del>
                          ) : null}
                          {change.after !== null && change.after !== undefined ? (
                            <ins><span className="visually-hidden">After: </span>{shown(change.after)}</ins>
                          ) : <span className="muted">(removed)</span>}
                        </div>
                      </li>
                    ))}
                  </ul>
                </fieldset>
              )}
              {stale ? (
                <div className="notice notice-warning" role="alert">
                  <p className="notice-title">The draft changed since this proposal</p>
                  <p>Someone (or another tab) saved the page in the meantime. Ask again to get a proposal for the draft as it is now.</p>
                </div>
              ) : <ErrorNotice error={decide.error} title="The proposal could not be applied" />}
              <div className="actions">
                {changes.length ? (
                  <Button type="button" busy={decide.isPending && decide.variables?.length !== 0} busyLabel="Applying…"
                    disabled={chosen.size === 0 || decide.isPending || stale}
                    onClick={() => decide.mutate([...chosen].sort((a, b) => a - b))}>
                    Accept selected ({chosen.size} of {changes.length})
                  </Button>
                ) : null}
                <Button type="button" variant="secondary" disabled={decide.isPending}
                  onClick={() => {
                    if (!stale) return decide.mutate([]);
                    decide.reset();
                    setProposal(null);
                  }}>
                  {stale ? "Ask again" : "Discard"}
                </Button>
              </div>
            </div>
          )}
          {outcome ? <p className="notice notice-success" role="status">{outcome}</p> : null}
        </>
      )}
    </section>
  );
}
