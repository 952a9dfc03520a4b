// A site being written: the stream's events fill each planned page section by section; at
// the end, each page's draft can be previewed and all of them published together.

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useReducer } from "react";

import { api } from "../api/client";
import { serverEvents } from "../api/events";
import type { GenerationOut, LayoutOut, PageOut, PreviewLinkOut, PublicationOut, SitePlan, TreeNode } from "../api/types";
import { Button, ErrorNotice } from "../ui";
import { COMPONENT_WORDS } from "./PlanEditor";

interface Written {
  job: GenerationOut;
  sections: Record<string, string>; // "<slug>#<index>" -> the section's first words
  pagesDone: Set<string>;
  streamError: unknown;
}

type Action = { kind: "event"; name: string; job: GenerationOut } | { kind: "error"; error: unknown };

/** The words a visitor reads first in a written section (its heading, else its text). */
export function headlineOf(node: TreeNode | undefined): string {
  if (!node) return "";
  for (const key of ["headline", "heading", "title", "intro", "text", "body", "markdown"]) {
    const value = node.props[key];
    if (typeof value === "string" && value.trim()) return value.replace(/[#*_`>]/g, "").trim().slice(0, 120);
  }
  for (const child of node.children ?? []) {
    const found = headlineOf(child);
    if (found) return found;
  }
  return "";
}

function reduce(state: Written, action: Action): Written {
  if (action.kind === "error") return { ...state, streamError: action.error };
  const { job, name } = action;
  const last = job.history[job.history.length - 1];
  if (name === "section" && last?.page !== undefined && last.index !== undefined) {
    return { ...state, job, sections: { ...state.sections, [`${last.page}#${last.index}`]: headlineOf(last.node) || "Written" } };
  }
  if (name === "page" && last?.page !== undefined) return { ...state, job, pagesDone: new Set([...state.pagesDone, last.page]) };
  return { ...state, job };
}

const STATUS_WORDS: Record<string, string> = {
  queued: "Waiting to start…", reserved: "Credits reserved. Starting…", generating: "Writing the pages…",
  validating: "Checking the pages…", saved: "Every page is written and saved as a draft.", failed: "The site could not be written.",
};

function Publish({ job }: { job: GenerationOut }) {
  const queries = useQueryClient();
  const publish = useMutation({
    mutationFn: async () => {
      const drafts = await Promise.all(job.pages.map((page) => api.get<PageOut>(`/api/cms/pages/${page.page_id}`)));
      const layout = await api.get<LayoutOut>("/api/cms/layout");
      return api.post<PublicationOut>("/api/cms/site-publications", {
        pages: drafts.map((draft) => ({ id: draft.id, revision: draft.revision })),
        layout_revision: layout.revision > 0 ? layout.revision : null,
      });
    },
    onSuccess: () => void queries.invalidateQueries({ queryKey: ["pages"] }),
  });
  const preview = useMutation({
    mutationFn: (pageId: string) => api.post<PreviewLinkOut>(`/api/cms/pages/${pageId}/preview-link`),
    onSuccess: (link) => window.open(link.url, "_blank", "noopener"),
  });
  return (
    <section className="card done" aria-labelledby="done-title">
      <h2 id="done-title">{publish.isSuccess ? "Your site is live" : "Ready to publish"}</h2>
      <ul className="draft-list">
        {job.pages.map((page) => (
          <li key={page.page_id}>
            <span className="mono">{page.slug}</span>
            {publish.isSuccess
              ? <a href={page.slug} target="_blank" rel="noopener">Open<span className="visually-hidden"> {page.slug} (new tab)</span></a>
              : <button type="button" className="link-button" onClick={() => preview.mutate(page.page_id)}>
                  Preview the draft<span className="visually-hidden"> of {page.slug}</span>
                </button>}
          </li>
        ))}
      </ul>
      <ErrorNotice error={preview.error} title="The preview could not be opened" />
      <ErrorNotice error={publish.error} title="Nothing was published" />
      {publish.isSuccess ? (
        <p className="actions" role="status">
          <a className="btn btn-primary" href="/" target="_blank" rel="noopener">Open the live site<span className="visually-hidden"> (new tab)</span></a>
        </p>
      ) : (
        <p className="actions">
          <Button type="button" busy={publish.isPending} busyLabel="Publishing…" onClick={() => publish.mutate()}>Publish all</Button>
          <span className="muted">Every page, the header and the footer go live together, or none does.</span>
        </p>
      )}
    </section>
  );
}

export function Progress({ plan, started }: { plan: SitePlan; started: GenerationOut }) {
  const [state, dispatch] = useReducer(reduce, { job: started, sections: {}, pagesDone: new Set<string>(), streamError: null });
  useEffect(() => {
    const stop = new AbortController();
    (async () => {
      try {
        for await (const message of serverEvents(started.events_url, stop.signal)) {
          dispatch({ kind: "event", name: message.event, job: JSON.parse(message.data) as GenerationOut });
        }
      } catch (error) {
        if (!stop.signal.aborted) dispatch({ kind: "error", error });
      }
    })();
    return () => stop.abort();
  }, [started.events_url]);
  const { job } = state;
  const total = plan.pages.reduce((sum, page) => sum + page.sections.length, 0);
  const written = Object.keys(state.sections).length;
  const finished = job.status === "saved" || job.status === "failed";
  return (
    <div className="progress-layout">
      <section className="card progress-head" aria-labelledby="progress-title">
        <h2 id="progress-title">{job.status === "saved" ? `${plan.facts.business_name} is written` : `Writing ${plan.facts.business_name}`}</h2>
        <p role="status" className={`status status-${job.status}`}>{STATUS_WORDS[job.status] ?? job.status}</p>
        <progress max={total} value={job.status === "saved" ? total : written} aria-label="Sections written">{written} of {total}</progress>
        <p className="muted">{job.status === "saved" ? `${total} of ${total}` : `${written} of ${total}`} sections
          {job.credits !== null ? ` · ${job.credits} credits charged` : ` · up to ${job.max_credits} credits reserved`}</p>
        {job.status === "failed" ? <p className="notice notice-error" role="alert">{job.reason ?? "The writing failed."} Nothing was charged.</p> : null}
        <ErrorNotice error={state.streamError} title="The progress stopped arriving" />
      </section>
      {job.status === "saved" ? <Publish job={job} /> : null}
      <ol className="progress-pages" aria-label="Pages">
        {plan.pages.map((page) => {
          const done = state.pagesDone.has(page.slug) || job.status === "saved";
          return (
            <li key={page.slug} className={done ? "card progress-page done" : "card progress-page"}>
              <h3>{page.title} <span className="mono muted">{page.slug}</span>
                <span className={done ? "state state-live" : "state state-draft"}>{done ? "Written" : finished ? "Not written" : "Writing"}</span></h3>
              <ol className="progress-sections">
                {page.sections.map((section, index) => {
                  const words = state.sections[`${page.slug}#${index}`];
                  return (
                    <li key={index} className={words ? "section-done" : "section-waiting"}>
                      <span className="section-mark" aria-hidden="true">{words ? "✓" : ""}</span>
                      <span className="section-kind">{COMPONENT_WORDS[section.component]}</span>
                      <span className="section-words">{words ?? (finished ? "—" : "Waiting…")}</span>
                    </li>
                  );
                })}
              </ol>
            </li>
          );
        })}
      </ol>
    </div>
  );
}
