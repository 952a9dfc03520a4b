// What can be done to a page from the pages list: open it in the editor, change its address,
// duplicate it, delete it (owners only: the API refuses others, so they see why instead),
// the "New page" dialog and the way to a new page from a brief. Every write names the
// revision it read (If-Match).

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from "react";
import { Link, useNavigate } from "react-router-dom";

import { ApiError } from "../api/problem";
import { useSession } from "../api/session";
import type { PageSummary } from "../api/types";
import { Button, ErrorNotice, TextField } from "../ui";
import { copySlug, pagesApi } from "./pagesApi";
import "./page-actions.css";

function Dialog({ open, title, onClose, children }: { open: boolean; title: string; onClose(): void; children: ReactNode }) {
  const box = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    if (open && !box.current?.open) box.current?.showModal();
    if (!open && box.current?.open) box.current.close();
  }, [open]);
  return (
    <dialog ref={box} className="page-dialog" aria-labelledby={titleId} onClose={() => { if (!box.current?.open) onClose(); }}>
      <h2 id={titleId}>{title}</h2>
      {open ? children : null}
    </dialog>
  );
}

/** "/about us" → "/about-us": what the address field will be saved as, shown as it is typed. */
export function asSlug(text: string): string {
  const path = text.trim().toLowerCase().replace(/[^a-z0-9/_-]+/g, "-").replace(/-{2,}/g, "-").replace(/\/{2,}/g, "/").replace(/(^-|-$)/g, "");
  return path.startsWith("/") ? path : `/${path}`;
}

export function NewPageButton() {
  const [open, setOpen] = useState(false);
  const [title, setTitle] = useState("");
  const [slug, setSlug] = useState("");
  const [slugTouched, setSlugTouched] = useState(false);
  const navigate = useNavigate();
  const queries = useQueryClient();
  const session = useSession();
  const create = useMutation({
    mutationFn: () => pagesApi.create(asSlug(slug || title), title.trim() || undefined),
    onSuccess: (page) => {
      void queries.invalidateQueries({ queryKey: ["pages"] });
      navigate(`/pages/${page.id}`);
    },
  });
  if (session.kind === "tenant" && session.role === "VIEWER") return null;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (title.trim()) create.mutate();
  };
  const error = create.error instanceof ApiError ? create.error : null;
  return (
    <>
      <Button variant="secondary" onClick={() => { setOpen(true); create.reset(); setTitle(""); setSlug(""); setSlugTouched(false); }}>New page</Button>
      <Dialog open={open} title="New page" onClose={() => setOpen(false)}>
        <form onSubmit={submit} className="dialog-form" noValidate>
          <TextField label="Title" value={title} required maxLength={60} autoFocus
            onChange={(e) => { setTitle(e.target.value); if (!slugTouched) setSlug(asSlug(e.target.value)); }}
            error={error?.fieldMessage("title") ?? (create.isError && !title.trim() ? "Give the page a title." : undefined)} />
          <TextField label="Address" hint="Where visitors find it on your site, such as /about." value={slug} className="mono"
            onChange={(e) => { setSlug(e.target.value); setSlugTouched(true); }} error={error?.fieldMessage("slug")} />
          {error && !error.fieldMessage("slug") && !error.fieldMessage("title") ? <ErrorNotice error={error} title="The page was not created" /> : null}
          <div className="actions">
            <Button type="submit" busy={create.isPending} busyLabel="Creating…" disabled={!title.trim()}>Create and edit</Button>
            <Button type="button" variant="quiet" onClick={() => setOpen(false)}>Cancel</Button>
          </div>
        </form>
      </Dialog>
    </>
  );
}

/** The way to a page written from a brief (screens/NewPage.tsx); a viewer writes nothing. */
export function NewPageFromBriefLink() {
  const session = useSession();
  if (session.kind === "tenant" && session.role === "VIEWER") return null;
  return <Link className="btn btn-secondary" to="/new-page">New page from a brief</Link>;
}

export function PageActions({ page, pages }: { page: PageSummary; pages: PageSummary[] }) {
  const [dialog, setDialog] = useState<"address" | "delete" | null>(null);
  const [slug, setSlug] = useState(page.slug);
  const queries = useQueryClient();
  const navigate = useNavigate();
  const session = useSession();
  const role = session.kind === "tenant" ? session.role : "VIEWER";
  const done = () => { void queries.invalidateQueries({ queryKey: ["pages"] }); setDialog(null); };
  const move = useMutation({ mutationFn: () => pagesApi.moveTo(page.id, page.revision, asSlug(slug)), onSuccess: done });
  const remove = useMutation({ mutationFn: () => pagesApi.remove(page.id, page.revision), onSuccess: done });
  const duplicate = useMutation({
    mutationFn: async () => {
      const full = await pagesApi.get(page.id);
      return pagesApi.create(copySlug(page.slug, new Set(pages.map((p) => p.slug))), undefined, full.structure);
    },
    onSuccess: (copy) => { void queries.invalidateQueries({ queryKey: ["pages"] }); navigate(`/pages/${copy.id}`); },
  });
  const name = page.title || page.slug;
  const stale = (error: unknown) => error instanceof ApiError && error.status === 412;
  return (
    <div className="page-actions">
      <Link className="btn btn-secondary btn-small" to={`/pages/${page.id}`}>{role === "VIEWER" ? "Open" : "Edit"}<span className="visually-hidden"> {name}</span></Link>
      {role === "VIEWER" ? null : (
        <>
          <button type="button" className="btn btn-quiet btn-small" onClick={() => { setSlug(page.slug); move.reset(); setDialog("address"); }}>
            Change address<span className="visually-hidden"> of {name}</span>
          </button>
          <button type="button" className="btn btn-quiet btn-small" onClick={() => duplicate.mutate()} disabled={duplicate.isPending} aria-busy={duplicate.isPending || undefined}>
            {duplicate.isPending ? "Duplicating…" : "Duplicate"}<span className="visually-hidden"> {name}</span>
          </button>
          {role === "OWNER" ? (
            <button type="button" className="btn btn-quiet btn-small btn-quiet-danger" onClick={() => { remove.reset(); setDialog("delete"); }}>
              Delete<span className="visually-hidden"> {name}</span>
            </button>
          ) : (
            <span className="page-actions-note" title="Only an owner of the site can delete pages">Only owners delete pages</span>
          )}
        </>
      )}
      <ErrorNotice error={duplicate.error} title="The page was not duplicated" />
      <Dialog open={dialog === "address"} title={`Change the address of ${name}`} onClose={() => setDialog(null)}>
        <form className="dialog-form" noValidate onSubmit={(e) => { e.preventDefault(); move.mutate(); }}>
          <TextField label="Address" className="mono" value={slug} onChange={(e) => setSlug(e.target.value)} autoFocus
            hint={page.is_published ? "Links to the old address stop working; update the links that point to it." : "Where visitors will find it."}
            error={move.error instanceof ApiError ? move.error.fieldMessage("slug") : undefined} />
          {stale(move.error) ? <p className="notice notice-warning" role="alert">Someone changed this page meanwhile. Close this and try again on the fresh list.</p>
            : move.error instanceof ApiError && move.error.fieldMessage("slug") ? null : <ErrorNotice error={move.error} title="The address was not changed" />}
          <div className="actions">
            <Button type="submit" busy={move.isPending} busyLabel="Saving…">Save the address</Button>
            <Button type="button" variant="quiet" onClick={() => setDialog(null)}>Cancel</Button>
          </div>
        </form>
      </Dialog>
      <Dialog open={dialog === "delete"} title={`Delete ${name}?`} onClose={() => setDialog(null)}>
        <p>The page and all its published versions go. {page.is_published ? "Visitors get “not found” at its address." : "It was never published."} This cannot be undone.</p>
        {stale(remove.error) ? <p className="notice notice-warning" role="alert">Someone changed this page meanwhile: look at it again before deleting.</p>
          : <ErrorNotice error={remove.error} title="The page was not deleted" />}
        <div className="actions">
          <Button variant="danger" onClick={() => remove.mutate()} busy={remove.isPending} busyLabel="Deleting…">Delete the page</Button>
          <Button type="button" variant="quiet" onClick={() => setDialog(null)} autoFocus>Keep it</Button>
        </div>
      </Dialog>
    </div>
  );
}
