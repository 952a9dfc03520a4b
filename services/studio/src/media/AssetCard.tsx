// One image of the library: its thumbnail, alt text and the AI's description (polled until
// the AI has written them), an inline edit of both, and a box to select it for deletion.

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useRef, useState, type FormEvent } from "react";

import { ApiError } from "../api/problem";
import { Button, ErrorNotice, TextArea } from "../ui";
import { assetKeys, awaitingAi, library, thumbnail, type AssetOut, type ShownAsset } from "./library";

const WAITING_FOR_AI_MS = 1500;
const WAITING_FOR_CREDITS_MS = 15000; // short of credits: described when credits arrive, no need to ask often

/** The asset as it is now: a listed one still being described is asked for again until it is. */
export function useLiveAsset(item: ShownAsset): ShownAsset {
  const queryClient = useQueryClient();
  const live = useQuery({
    queryKey: assetKeys.one(item.id),
    queryFn: ({ signal }) => library.get(item.id, signal),
    enabled: awaitingAi(item.status),
    initialData: item.status ? (item as AssetOut) : undefined,
    staleTime: WAITING_FOR_AI_MS,
    refetchInterval: (query) => {
      const asset = query.state.data;
      if (!awaitingAi(asset?.status)) return false;
      return asset?.status_reason ? WAITING_FOR_CREDITS_MS : WAITING_FOR_AI_MS;
    },
  });
  const settled = live.data !== undefined && !awaitingAi(live.data.status);
  useEffect(() => {
    if (settled && awaitingAi(item.status)) void queryClient.invalidateQueries({ queryKey: assetKeys.list() });
  }, [settled, item.status, queryClient]);
  // Only while the listed copy waits: once the list has the described asset, it is the newer.
  return awaitingAi(item.status) && live.data ? { ...item, ...live.data } : item;
}

function Describing({ asset }: { asset: ShownAsset }) {
  if (awaitingAi(asset.status)) {
    return (
      <p className="asset-state" role="status">
        {asset.status === "undescribed" && asset.status_reason
          ? <>Waiting to be described: {asset.status_reason}</>
          : <><span className="spinner" aria-hidden="true" /> The AI is describing this image…</>}
      </p>
    );
  }
  if (asset.status === "failed") {
    return <p className="asset-state asset-failed">The AI could not describe this image{asset.status_reason ? `: ${asset.status_reason}` : ""}. Write its alt text yourself.</p>;
  }
  return null;
}

function EditForm({ asset, onDone }: { asset: ShownAsset; onDone: () => void }) {
  const queryClient = useQueryClient();
  const [alt, setAlt] = useState(asset.alt_text);
  const [description, setDescription] = useState(asset.ai_description ?? "");
  const save = useMutation({
    mutationFn: () => library.edit(asset.id, { alt_text: alt.trim(), description: description.trim() }),
    onSuccess: (saved) => {
      queryClient.setQueryData(assetKeys.one(saved.id), saved);
      void queryClient.invalidateQueries({ queryKey: assetKeys.all, predicate: (q) => q.queryKey[1] !== "one" });
      onDone();
    },
  });
  const fieldError = (name: string) => (save.error instanceof ApiError ? save.error.fieldMessage(name) : undefined);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    event.stopPropagation();
    save.mutate();
  };
  return (
    <form className="asset-edit" onSubmit={submit} aria-label={`Edit ${asset.filename}`}>
      <ErrorNotice error={save.error} title="Not saved" />
      <TextArea label="Alt text" value={alt} maxLength={300} rows={2} onChange={(e) => setAlt(e.target.value)}
        hint="What the image shows, for people who cannot see it." error={fieldError("alt_text")} autoFocus />
      <TextArea label="Description" value={description} maxLength={2000} rows={4} onChange={(e) => setDescription(e.target.value)}
        hint="Used by search and by the AI when it picks images for pages." error={fieldError("description")} />
      <div className="form-actions">
        <Button type="submit" busy={save.isPending} busyLabel="Saving…">Save</Button>
        <Button type="button" variant="quiet" onClick={onDone}>Cancel</Button>
      </div>
    </form>
  );
}

export function AssetCard({ item, canEdit, selected, onSelect }:
  { item: ShownAsset; canEdit: boolean; selected: boolean; onSelect: (id: string, on: boolean) => void }) {
  const asset = useLiveAsset(item);
  const [editing, setEditing] = useState(false);
  const selectId = useId();
  const editButton = useRef<HTMLButtonElement>(null);
  const wasEditing = useRef(false);
  useEffect(() => { // back to the Edit button once the form closes, so a keyboard user does not start over
    if (!editing && wasEditing.current) editButton.current?.focus();
    wasEditing.current = editing;
  }, [editing]);
  return (
    <li className={`asset-card${selected ? " selected" : ""}`}>
      <div className="asset-thumb">
        <img src={thumbnail(asset.id)} alt={asset.alt_text} loading="lazy" decoding="async"
          width={asset.width ?? undefined} height={asset.height ?? undefined} />
        {canEdit ? (
          <span className="asset-select">
            <input id={selectId} type="checkbox" checked={selected} onChange={(e) => onSelect(asset.id, e.target.checked)} />
            <label htmlFor={selectId} className="visually-hidden">Select {asset.filename}</label>
          </span>
        ) : null}
      </div>
      <div className="asset-body">
        <p className="asset-name" title={asset.filename}>{asset.filename}</p>
        {asset.matched?.length ? (
          <p className="asset-matched">
            {asset.matched.map((m) => <span key={m} className="badge">by {m}</span>)}
          </p>
        ) : null}
        <Describing asset={asset} />
        {editing ? <EditForm asset={asset} onDone={() => setEditing(false)} /> : (
          <>
            <dl className="asset-text">
              <dt>Alt text</dt>
              <dd className="asset-alt">{asset.alt_text || <span className="muted">None yet</span>}</dd>
              <dt>Description</dt>
              <dd className="asset-description">{asset.ai_description || <span className="muted">None yet</span>}</dd>
            </dl>
            {canEdit ? (
              <button ref={editButton} type="button" className="btn btn-quiet asset-edit-button" onClick={() => setEditing(true)}>
                Edit<span className="visually-hidden"> alt text and description of {asset.filename}</span>
              </button>
            ) : null}
          </>
        )}
      </div>
    </li>
  );
}
