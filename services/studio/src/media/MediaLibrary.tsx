// The media library (/media): upload by dropping or choosing images, watch the AI describe
// them, edit alt text and descriptions, search, and delete several at once. A VIEWER sees the
// library read-only, told why.

import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";

import { useSession } from "../api/session";
import { Button, ErrorNotice, Loading, ScreenTitle } from "../ui";
import { AssetCard } from "./AssetCard";
import { assetKeys, canEditMedia, library, type ShownAsset } from "./library";
import { Modal } from "./Modal";
import { SearchBox, useAssetSearch } from "./search";
import { DropZone, UploadList, useUploads } from "./Uploads";
import "./media.css";

function ConfirmDelete({ count, onConfirm, onClose, busy, error }:
  { count: number; onConfirm: () => void; onClose: () => void; busy: boolean; error: unknown }) {
  const images = count === 1 ? "this image" : `these ${count} images`;
  return (
    <Modal open onClose={onClose} title={`Delete ${count === 1 ? "1 image" : `${count} images`}?`}>
      <ErrorNotice error={error} title="Nothing was deleted" />
      <p>Deleting removes {images} and {count === 1 ? "its" : "their"} files for good. Pages that show {count === 1 ? "it" : "them"} will show nothing in {count === 1 ? "its" : "their"} place.</p>
      <div className="form-actions">
        <Button type="button" variant="danger" busy={busy} busyLabel="Deleting…" onClick={onConfirm}>Delete {count === 1 ? "image" : `${count} images`}</Button>
        <Button type="button" variant="secondary" onClick={onClose} data-autofocus>Keep {count === 1 ? "it" : "them"}</Button>
      </div>
    </Modal>
  );
}

export function MediaLibrary() {
  const state = useSession();
  const canEdit = canEditMedia(state.kind === "tenant" ? state.role : undefined);
  const queryClient = useQueryClient();
  const { uploads, start, clearFinished } = useUploads();
  const search = useAssetSearch();
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [confirming, setConfirming] = useState(false);
  const [deletedNote, setDeletedNote] = useState("");

  const list = useInfiniteQuery({
    queryKey: assetKeys.list(),
    queryFn: ({ pageParam, signal }) => library.list(pageParam, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (page) => page.next_cursor,
  });
  const remove = useMutation({
    mutationFn: () => library.remove([...selected]),
    onSuccess: ({ deleted }) => {
      setDeletedNote(`${deleted} ${deleted === 1 ? "image" : "images"} deleted.`);
      setSelected(new Set());
      setConfirming(false);
      void queryClient.invalidateQueries({ queryKey: assetKeys.all });
    },
  });

  const searching = search.query !== "";
  const shown: ShownAsset[] = searching ? search.results.data ?? [] : list.data?.pages.flatMap((p) => p.assets) ?? [];
  const loading = searching ? search.results.isPending : list.isPending;
  const error = searching ? search.results.error : list.error;
  const select = (id: string, on: boolean) => setSelected((now) => {
    const next = new Set(now);
    if (on) next.add(id); else next.delete(id);
    return next;
  });
  const allSelected = shown.length > 0 && shown.every((a) => selected.has(a.id));

  return (
    <>
      <ScreenTitle title="Media" lead="The images your pages use. The AI writes alt text and a description for each one you add.">Media</ScreenTitle>
      {canEdit ? (
        <section className="media-upload" aria-label="Add images">
          <DropZone onFiles={start} />
          <UploadList uploads={uploads} onClear={clearFinished} />
        </section>
      ) : (
        <div className="notice notice-info">
          <p className="notice-title">You can look, not change</p>
          <p>Your role on this site is viewer, so uploading, editing and deleting images are not open to you. An owner of the site can make you an editor.</p>
        </div>
      )}

      <SearchBox label="Search your images" query={search.query} onSearch={search.setQuery} />

      <div className="media-toolbar">
        <p className="media-count" role="status">
          {searching
            ? (search.results.data ? `${search.results.data.length} ${search.results.data.length === 1 ? "image matches" : "images match"} “${search.query}”, best first` : "")
            : deletedNote}
        </p>
        {searching ? <button type="button" className="btn btn-quiet" onClick={() => search.setQuery("")}>Show all images</button> : null}
        {canEdit && shown.length > 0 ? (
          <div className="media-bulk">
            <button type="button" className="btn btn-quiet" onClick={() => setSelected(allSelected ? new Set() : new Set(shown.map((a) => a.id)))}>
              {allSelected ? "Select none" : "Select all shown"}
            </button>
            <Button type="button" variant="danger" disabled={selected.size === 0} onClick={() => { remove.reset(); setConfirming(true); }}>
              Delete selected{selected.size ? ` (${selected.size})` : ""}
            </Button>
          </div>
        ) : null}
      </div>

      {loading && (searching || !list.data) ? <Loading label={searching ? "Searching…" : "Loading your images…"} /> : null}
      <ErrorNotice error={error} title={searching ? "The search did not work" : "The library could not be loaded"} />
      {!loading && !error && shown.length === 0 ? (
        <div className="empty">
          <h2>{searching ? "No image matches" : "No images yet"}</h2>
          <p>{searching
            ? "Try other words, or describe what the picture shows. Images still being described are found by their file name only."
            : canEdit ? "Drag images onto the box above, or choose them from your computer. Each one gets alt text and a description from the AI." : "Nobody has added images to this site yet."}</p>
        </div>
      ) : null}
      {shown.length > 0 ? (
        <ul className="asset-grid" aria-label={searching ? "Search results" : "Images"}>
          {shown.map((asset) => (
            <AssetCard key={asset.id} item={asset} canEdit={canEdit} selected={selected.has(asset.id)} onSelect={select} />
          ))}
        </ul>
      ) : null}
      {!searching && list.hasNextPage ? (
        <div className="media-more">
          <Button type="button" variant="secondary" busy={list.isFetchingNextPage} busyLabel="Loading…" onClick={() => void list.fetchNextPage()}>
            Show more images
          </Button>
        </div>
      ) : null}
      {confirming ? (
        <ConfirmDelete count={selected.size} busy={remove.isPending} error={remove.error}
          onConfirm={() => remove.mutate()} onClose={() => setConfirming(false)} />
      ) : null}
    </>
  );
}
