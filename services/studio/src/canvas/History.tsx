// A page's published versions (who, when), what changed between one of them and the draft,
// node by node, and putting one back into the draft; and a preview link to the draft for
// someone without an account (valid for an hour).

import { useMutation, useQuery } from "@tanstack/react-query";
import { useEffect, useId, useRef, useState } from "react";

import { api, call } from "../api/client";
import { useSession } from "../api/session";
import type { PageOut, TreeNode } from "../api/types";
import { Button, ErrorNotice, Loading, When } from "../ui";
import { ifMatch, nodeLabel, nodesById, type DiffOut, type PreviewLink, type VersionOut } from "./shapes";
import "./canvas.css";

export interface HistoryProps {
  pageId: string;
  /** The draft's revision on the server: a new one compares again. */
  revision: number;
  /** Saves what the editor has pending and answers the draft's revision (If-Match of a restore). */
  draftRevision: () => Promise<number>;
  /** The draft as the editor holds it, to name the nodes a diff lists. */
  structure?: { root: TreeNode } | null;
  onRestored: (page: PageOut) => void;
}

function Diff({ pageId, version, revision, draft }:
  { pageId: string; version: number; revision: number; draft: Map<string, TreeNode> }) {
  const diff = useQuery({
    queryKey: ["page", pageId, "diff", version, revision],
    queryFn: ({ signal }) => api.get<DiffOut>(`/api/cms/pages/${pageId}/diff?base=${version}&target=draft`, signal),
  });
  const old = useQuery({
    queryKey: ["page", pageId, "version", version],
    queryFn: ({ signal }) => api.get<VersionOut>(`/api/cms/pages/${pageId}/versions/${version}`, signal),
  });
  const before = nodesById((old.data?.structure as { root: TreeNode } | undefined)?.root);
  if (diff.isPending) return <Loading label="Comparing with the draft…" />;
  if (diff.error) return <ErrorNotice error={diff.error} title="The comparison could not be made" />;
  const { added, removed, changed } = diff.data;
  if (!added.length && !removed.length && !changed.length) {
    return <p className="muted">The draft is the same as version {version}.</p>;
  }
  const group = (title: string, ids: string[], kind: string, from: Map<string, TreeNode>) => ids.length ? (
    <div className={`diff-group diff-${kind}`}>
      <h3>{title} <span className="count">{ids.length}</span></h3>
      <ul>{ids.map((id) => <li key={id}>{nodeLabel(from.get(id) ?? before.get(id), id)}</li>)}</ul>
    </div>
  ) : null;
  return (
    <div className="diff" aria-live="polite">
      <p className="muted">From version {version} to the draft:</p>
      {group("Added in the draft", added, "added", draft)}
      {group("Changed", changed, "changed", draft)}
      {group("Removed from the draft", removed, "removed", before)}
    </div>
  );
}

function PreviewLinkBox({ pageId }: { pageId: string }) {
  const field = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState(false);
  const make = useMutation({
    mutationFn: () => call<PreviewLink>("POST", `/api/cms/pages/${pageId}/preview-link`),
    onSuccess: () => setCopied(false),
  });
  async function copy(url: string) {
    try {
      await navigator.clipboard.writeText(url);
    } catch {
      field.current?.select(); // no clipboard permission: selected, for Ctrl+C
      document.execCommand?.("copy");
    }
    setCopied(true);
  }
  const link = make.data;
  return (
    <div className="preview-link">
      <h3>Preview link</h3>
      <p className="muted">Anyone holding the link sees the draft as it is when they open it, for an hour, without an account.</p>
      {link ? (
        <div className="field">
          <label htmlFor={`${pageId}-preview`}>Link to the draft</label>
          <div className="copy-row">
            <input ref={field} id={`${pageId}-preview`} readOnly value={link.url} onFocus={(event) => event.target.select()} />
            <Button type="button" variant="secondary" onClick={() => void copy(link.url)}>{copied ? "Copied" : "Copy"}</Button>
          </div>
          <p className="hint" role="status">Valid until <When at={new Date(link.expires_at * 1000).toISOString()} />.</p>
        </div>
      ) : null}
      <ErrorNotice error={make.error} title="No preview link could be made" />
      <Button type="button" variant={link ? "quiet" : "secondary"} busy={make.isPending} busyLabel="Making a link…"
        onClick={() => make.mutate()}>
        {link ? "Make a new link" : "Create a preview link"}
      </Button>
    </div>
  );
}

export function History({ pageId, revision, draftRevision, structure, onRestored }: HistoryProps) {
  const headingId = useId();
  const state = useSession();
  const me = state.kind === "tenant" ? state.accountId : null;
  const canEdit = state.kind === "tenant" && state.role !== "VIEWER";
  const [picked, setPicked] = useState<number | null>(null);
  const [restored, setRestored] = useState<number | null>(null);
  const versions = useQuery({
    queryKey: ["page", pageId, "versions"],
    queryFn: ({ signal }) => api.get<VersionOut[]>(`/api/cms/pages/${pageId}/versions`, signal),
  });
  const restore = useMutation({
    mutationFn: async (version: number) => call<PageOut>("POST", `/api/cms/pages/${pageId}/versions/${version}/restore`,
      { headers: ifMatch(await draftRevision()) }),
    onSuccess: (page, version) => {
      setRestored(version);
      onRestored(page);
    },
  });
  useEffect(() => setRestored(null), [picked]);
  const draft = nodesById(structure?.root);
  const list = versions.data ?? [];
  return (
    <section className="side-panel history" aria-labelledby={headingId}>
      <h2 id={headingId}>Versions</h2>
      {versions.isPending ? <Loading label="Loading the versions…" /> : null}
      <ErrorNotice error={versions.error} title="The versions could not be loaded" />
      {versions.isSuccess && list.length === 0 ? (
        <p className="muted">Not published yet. Every time you publish, the page is kept here as a version you can compare with the draft and bring back.</p>
      ) : null}
      {list.length ? (
        <ol className="versions">
          {list.map((version) => (
            <li key={version.version} className={picked === version.version ? "version is-picked" : "version"}>
              <button type="button" className="version-button" aria-expanded={picked === version.version}
                onClick={() => setPicked(picked === version.version ? null : version.version)}>
                <span className="version-number">Version {version.version}</span>
                <span className="version-meta">
                  <When at={version.created_at} /> · {version.created_by === null ? "the platform"
                    : version.created_by === me ? "you" : "another member"}
                </span>
              </button>
              {picked === version.version ? (
                <div className="version-detail">
                  <Diff pageId={pageId} version={version.version} revision={revision} draft={draft} />
                  {canEdit ? (
                    <>
                      <p className="hint">Restoring puts this version into the draft; visitors see it once you publish.</p>
                      <ErrorNotice error={restore.error} title="The version could not be restored" />
                      {restored === version.version ? (
                        <p className="notice notice-success" role="status">Version {version.version} is the draft now.</p>
                      ) : null}
                      <Button type="button" variant="secondary" busy={restore.isPending} busyLabel="Restoring…"
                        onClick={() => restore.mutate(version.version)}>
                        Restore version {version.version}
                      </Button>
                    </>
                  ) : null}
                </div>
              ) : null}
            </li>
          ))}
        </ol>
      ) : null}
      {canEdit ? <PreviewLinkBox pageId={pageId} /> : null}
    </section>
  );
}
