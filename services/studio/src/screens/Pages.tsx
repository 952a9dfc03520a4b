// The site's pages: title, address, whether visitors see it, when it last changed.

import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router-dom";

import { api } from "../api/client";
import { useSession } from "../api/session";
import type { PageList } from "../api/types";
import { NewPageButton, NewPageFromBriefLink, PageActions } from "../editor/PageActions";
import { ErrorNotice, Loading, ScreenTitle, When } from "../ui";

export function Pages() {
  const pages = useQuery({ queryKey: ["pages"], queryFn: ({ signal }) => api.get<PageList>("/api/cms/pages?limit=100", signal) });
  const list = pages.data?.pages ?? [];
  const state = useSession();
  const viewer = state.kind !== "tenant" || state.role === "VIEWER";
  return (
    <>
      <div className="screen-head">
        <ScreenTitle title="Pages" lead="Every page of the site, the most recently changed first.">Pages</ScreenTitle>
        {viewer ? null : <div className="actions"><NewPageButton /><NewPageFromBriefLink /><Link className="btn btn-primary" to="/new-site">New site from a brief</Link></div>}
      </div>
      {viewer ? <p className="notice notice-info" role="note">You are a viewer on this site: you can open and read every page, not change one. An owner can make you an editor.</p> : null}
      {pages.isPending ? <Loading label="Loading the pages…" /> : null}
      <ErrorNotice error={pages.error} title="The pages could not be loaded" />
      {pages.isSuccess && list.length === 0 ? (
        <section className="empty" aria-labelledby="empty-title">
          <h2 id="empty-title">No pages yet</h2>
          {viewer ? <p>Nobody has made a page on this site yet. Its editors and owners make them; they show here as soon as they exist.</p> : (
            <>
              <p>Describe your business in a few sentences: the studio plans the pages, writes them section by section, and you publish when they read right.</p>
              <Link className="btn btn-primary" to="/new-site">Write my site from a brief</Link>
            </>
          )}
        </section>
      ) : null}
      {list.length ? (
        <div className="table-wrap">
          <table className="pages-table">
            <caption className="visually-hidden">Pages of the site</caption>
            <thead>
              <tr><th scope="col">Title</th><th scope="col">Address</th><th scope="col">State</th><th scope="col">Updated</th><th scope="col"><span className="visually-hidden">Actions</span></th></tr>
            </thead>
            <tbody>
              {list.map((page) => (
                <tr key={page.id}>
                  <th scope="row" className="page-title">{page.title || "Untitled"}</th>
                  <td className="mono">
                    {page.is_published ? <a href={page.slug} target="_blank" rel="noopener">{page.slug}<span className="visually-hidden"> (live page, opens in a new tab)</span></a> : page.slug}
                  </td>
                  <td>
                    {!page.is_published ? <span className="state state-draft">Draft</span>
                      : page.changed_since_live ? <span className="state state-changed">Edited since v{page.live_version} went live</span>
                      : <span className="state state-live">Published{page.live_version ? ` · v${page.live_version}` : ""}</span>}
                  </td>
                  <td><When at={page.updated_at} /></td>
                  <td><PageActions page={page} pages={list} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </>
  );
}
