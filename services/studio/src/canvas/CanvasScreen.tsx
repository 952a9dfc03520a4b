// A page on the canvas with AI edits and its versions beside it (/studio/pages/<id>/canvas):
// the screen where these parts work on their own, before the editor embeds them next to its
// outline and properties form.

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { Link, useParams } from "react-router-dom";

import { api } from "../api/client";
import type { PageOut } from "../api/types";
import { ErrorNotice, Loading, ScreenTitle, SelectField } from "../ui";
import { AiPanel } from "./AiPanel";
import { Canvas } from "./Canvas";
import { History } from "./History";
import { nodeLabel, nodesById, outline } from "./shapes";
import "./canvas.css";

export function CanvasScreen() {
  const { pageId = "" } = useParams();
  const queries = useQueryClient();
  const loaded = useQuery({
    queryKey: ["page", pageId],
    queryFn: ({ signal }) => api.get<PageOut>(`/api/cms/pages/${pageId}`, signal),
  });
  const [page, setPage] = useState<PageOut | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  useEffect(() => {
    if (loaded.data) setPage(loaded.data);
  }, [loaded.data]);

  function changed(next: PageOut) {
    setPage(next);
    queries.setQueryData(["page", pageId], next);
    void queries.invalidateQueries({ queryKey: ["page", pageId, "diff"] });
    void queries.invalidateQueries({ queryKey: ["pages"] });
  }

  const root = page?.structure.root;
  const nodes = nodesById(root);
  const title = typeof root?.props.title === "string" && root.props.title ? root.props.title : page?.slug ?? "Page";
  return (
    <div className="canvas-screen">
      <div className="screen-head">
        <ScreenTitle title={page ? `${title} · Canvas` : "Canvas"}
          lead={page ? <>The draft of <span className="mono">{page.slug}</span> as visitors will see it. Click a block to work on it.</> : undefined}>
          {page ? title : "Canvas"}
        </ScreenTitle>
        <Link className="btn btn-secondary" to="/">All pages</Link>
      </div>
      {loaded.isPending ? <Loading label="Loading the page…" /> : null}
      <ErrorNotice error={loaded.error} title="The page could not be loaded" />
      {page ? (
        <div className="canvas-layout">
          <Canvas pageId={pageId} structure={page.structure} selectedId={selected} onSelect={setSelected} />
          <div className="canvas-side">
            <section className="side-panel" aria-label="Selected block">
              <SelectField label="Selected block" value={selected ?? ""}
                hint="Or click it in the canvas."
                onChange={(event) => setSelected(event.target.value || null)}>
                <option value="">Nothing selected</option>
                {outline(root).map(({ node, depth }) => (
                  <option key={node.id} value={node.id}>{"\u2003".repeat(depth)}{nodeLabel(node, node.id)}</option>
                ))}
              </SelectField>
            </section>
            <AiPanel pageId={pageId} revision={page.revision} nodeId={selected}
              nodeLabel={selected ? nodeLabel(nodes.get(selected), selected) : undefined} onApplied={changed} />
            <History pageId={pageId} revision={page.revision} structure={page.structure} onRestored={changed} />
          </div>
        </div>
      ) : null}
    </div>
  );
}
