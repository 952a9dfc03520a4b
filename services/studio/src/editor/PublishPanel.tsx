// Publish: the gates run as a dry run first; each finding names its node and selects it.
// Publishing is offered only when no finding is an error.

import { ApiError } from "../api/problem";
import { Button, ErrorNotice } from "../ui";
import type { CheckOut, Finding } from "./pagesApi";
import { locate, nodeAtPointer, firstWords, type PageTree } from "./tree";

export function findingsOf(error: unknown): Finding[] | null {
  if (!(error instanceof ApiError)) return null;
  const findings = error.problem.findings ?? error.problem.errors;
  return Array.isArray(findings) ? (findings as Finding[]) : null;
}

export function PublishPanel({ tree, check, checking, checkError, publishing, publishError, published, onCheck, onPublish, onGoTo, readOnly }: {
  tree: PageTree; check: CheckOut | null; checking: boolean; checkError: unknown; publishing: boolean; publishError: unknown;
  published: boolean; onCheck(): void; onPublish(): void; onGoTo(id: string): void; readOnly: boolean;
}) {
  const findings = check?.findings ?? [];
  const errors = findings.filter((f) => f.severity === "error").length;
  return (
    <section className="publish-panel" aria-labelledby="publish-title">
      <h2 id="publish-title">Publish</h2>
      <div className="actions">
        <Button variant="secondary" onClick={onCheck} busy={checking} busyLabel="Checking…">Check the page</Button>
        {readOnly ? null : <Button onClick={onPublish} busy={publishing} busyLabel="Publishing…" disabled={!check || errors > 0}>Publish</Button>}
      </div>
      {!check && !checking ? <p className="hint">{readOnly ? "Checking shows what would stop this page from going live: titles, alt text, links and the theme's contrast. Publishing is for editors and owners."
        : "Check the page first: titles, alt text, links and the theme's contrast are looked at before visitors see it."}</p> : null}
      {check ? (
        <p className={errors ? "publish-summary has-errors" : "publish-summary"} role="status">
          {errors ? `${errors} ${errors === 1 ? "error stops" : "errors stop"} publishing.`
            : findings.length ? "Nothing stops publishing; the warnings are worth a look." : readOnly ? "Everything passed." : "Everything passed: the page can go live."}
        </p>
      ) : null}
      {findings.length ? (
        <ul className="findings">
          {findings.map((finding, i) => {
            const id = nodeAtPointer(tree, finding.pointer || "/root");
            const node = id ? locate(tree, id)?.node : null;
            return (
              <li key={i} className={`finding finding-${finding.severity}`}>
                <span className="finding-severity">{finding.severity === "error" ? "Error" : "Warning"}</span>
                <span className="finding-message">{finding.message}</span>
                {node && id ? (
                  <button type="button" className="link-button" onClick={() => onGoTo(id)}>
                    Go to {node.component}{firstWords(node) ? ` “${firstWords(node)}”` : ""}
                  </button>
                ) : null}
              </li>
            );
          })}
        </ul>
      ) : null}
      <ErrorNotice error={checkError} title="The page could not be checked" />
      {findingsOf(publishError) ? null : <ErrorNotice error={publishError} title="The page was not published" />}
      {published ? <p className="notice notice-success" role="status">Published: visitors see this version now.</p> : null}
    </section>
  );
}
