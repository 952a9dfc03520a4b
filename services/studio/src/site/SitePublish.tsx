// Publishing the whole site: every page with its state (draft, published, changed since), and
// one button that puts every draft and the header and footer live together, or none of them.
// A refusal is shown beside each page it names, with a way into that page's editor.

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Link } from "react-router-dom";

import type { PageSummary, PublicationOut } from "../api/types";
import { Button, ErrorNotice } from "../ui";
import { pageState, refusalsOf, siteApi, type PageRefusal, type PageState } from "./siteApi";

const STATE_WORDS: Record<PageState, string> = { draft: "Draft", published: "Published", changed: "Changed since published" };
const STATE_CLASS: Record<PageState, string> = { draft: "state-draft", published: "state-live", changed: "state-changed" };

function Refusal({ refusal, page }: { refusal: PageRefusal; page: PageSummary }) {
  const findings = refusal.findings.filter((f) => f.severity === "error");
  return (
    <div className="page-refusal">
      <p className="page-refusal-title">Not published: {findings.length === 1 ? "one check failed" : `${findings.length || "some"} checks failed`}</p>
      {findings.length ? <ul>{findings.map((finding, i) => <li key={i}>{finding.message}</li>)}</ul> : <p>{refusal.problem}</p>}
      <Link to={`/pages/${page.id}`}>Open {page.title || page.slug} in the editor</Link>
    </div>
  );
}

export function SitePublish({ pages, layoutWaiting, readOnly, flushLayout, onPublished, onLayoutFindings }: {
  pages: PageSummary[];
  /** Whether the header and footer have a draft visitors do not see yet. */
  layoutWaiting: boolean;
  readOnly: boolean;
  /** Saves what the layout form holds and answers the revision to publish, or null without a layout. */
  flushLayout(): Promise<number | null>;
  onPublished(out: PublicationOut): void;
  onLayoutFindings(findings: ReturnType<typeof refusalsOf>): void;
}) {
  const queries = useQueryClient();
  const waiting = pages.filter((page) => pageState(page) !== "published");
  const publish = useMutation({
    mutationFn: async () => {
      const layoutRevision = await flushLayout();
      // The revisions as they are now: a page saved in another tab since this list was read goes as it is now.
      const fresh = (await siteApi.pages()).pages;
      const drafts = fresh.filter((page) => pageState(page) !== "published");
      return siteApi.publishSite(drafts, layoutRevision);
    },
    onSuccess: (out) => {
      onLayoutFindings(null);
      onPublished(out);
    },
    onError: (error) => onLayoutFindings(refusalsOf(error)),
    onSettled: () => {
      void queries.invalidateQueries({ queryKey: ["pages"] });
    },
  });
  const refused = refusalsOf(publish.error);
  const refusedById = new Map((refused?.pages ?? []).map((r) => [r.page_id, r]));
  const live = new URL("/", window.location.href).href;
  const nothing = waiting.length === 0 && !layoutWaiting;
  return (
    <section className="card site-publish" aria-labelledby="publish-site-title">
      <div className="site-publish-head">
        <div>
          <h2 id="publish-site-title">Publish the site</h2>
          <p className="muted">Every draft page and the header and footer go live together, or none of them does.</p>
        </div>
        {readOnly ? null : (
          <Button onClick={() => publish.mutate()} busy={publish.isPending} busyLabel="Publishing…" disabled={nothing}>
            Publish the site
          </Button>
        )}
      </div>
      {nothing && !publish.isSuccess ? <p className="notice notice-info" role="status">Everything is live: visitors see the latest version of every page, the header and the footer.</p> : null}
      {publish.isSuccess ? (
        <div className="notice notice-success" role="status">
          <p className="notice-title">The site is live</p>
          <p>{publish.data.pages.length === 1 ? "One page" : `${publish.data.pages.length} pages`}
            {publish.data.layout_revision !== null ? " and the header and footer" : ""} went live. Visitors see them at <a href={live} target="_blank" rel="noopener">{live}<span className="visually-hidden"> (opens in a new tab)</span></a>.</p>
        </div>
      ) : null}
      {refused ? (
        <div className="notice notice-error" role="alert">
          <p className="notice-title">Nothing was published</p>
          <p>{refused.pages.length ? `${refused.pages.length === 1 ? "One page does" : `${refused.pages.length} pages do`} not pass the checks yet: see below.` : ""}
            {refused.layout.length ? " The header and footer do not pass the checks yet: see above." : ""}</p>
        </div>
      ) : <ErrorNotice error={publish.error} title="Nothing was published" />}
      {pages.length === 0 ? <p className="hint">This site has no pages yet. Make one on Pages, or write the whole site from a brief.</p> : (
        <div className="table-wrap">
          <table className="pages-table site-pages">
            <caption className="visually-hidden">Pages and whether visitors see their latest version</caption>
            <thead><tr><th scope="col">Page</th><th scope="col">Address</th><th scope="col">State</th></tr></thead>
            <tbody>
              {pages.map((page) => {
                const state = pageState(page);
                const refusal = refusedById.get(page.id);
                return (
                  <tr key={page.id} className={refusal ? "refused" : undefined}>
                    <th scope="row" className="page-title">
                      <Link to={`/pages/${page.id}`}>{page.title || "Untitled"}</Link>
                      {refusal ? <Refusal refusal={refusal} page={page} /> : null}
                    </th>
                    <td className="mono">{page.slug}</td>
                    <td>{state ? <span className={`state ${STATE_CLASS[state]}`}>{STATE_WORDS[state]}{page.live_version ? ` · v${page.live_version}` : ""}</span> : null}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
