// Choosing an image for a page's component: the chosen one (thumbnail and alt text), "Choose"
// opens a dialog with the library, its search and an upload (an uploaded image is chosen at
// once), and "Remove" clears the choice.

import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { useCallback, useId, useState } from "react";

import { useSession } from "../api/session";
import { Button, ErrorNotice, Loading } from "../ui";
import { assetKeys, canEditMedia, library, thumbnail, type AssetOut, type ShownAsset } from "./library";
import { Modal } from "./Modal";
import { SearchBox, useAssetSearch } from "./search";
import { DropZone, UploadList, useUploads } from "./Uploads";
import "./media.css";

export interface AssetPickerProps {
  value: string | null;
  onChange(id: string | null): void;
  label: string;
  /** A viewer's editor: the chosen image is shown, nothing offers to change it. */
  readOnly?: boolean;
}

function PickerDialog({ label, value, onPick, onClose }:
  { label: string; value: string | null; onPick: (id: string) => void; onClose: () => void }) {
  const state = useSession();
  const canUpload = canEditMedia(state.kind === "tenant" ? state.role : undefined);
  const search = useAssetSearch();
  const picked = useCallback((asset: AssetOut) => onPick(asset.id), [onPick]);
  const { uploads, start, clearFinished } = useUploads(picked);
  const list = useInfiniteQuery({
    queryKey: assetKeys.list(),
    queryFn: ({ pageParam, signal }) => library.list(pageParam, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (page) => page.next_cursor,
  });
  const searching = search.query !== "";
  const shown: ShownAsset[] = searching ? search.results.data ?? [] : list.data?.pages.flatMap((p) => p.assets) ?? [];
  const loading = searching ? search.results.isPending : list.isPending;
  const error = searching ? search.results.error : list.error;
  return (
    <Modal open onClose={onClose} title={`Choose the ${label.toLowerCase()}`} wide>
      {canUpload ? (
        <div className="picker-upload">
          <DropZone compact multiple={false} onFiles={start} />
          <UploadList uploads={uploads} onClear={clearFinished} />
        </div>
      ) : null}
      <SearchBox label="Search images" query={search.query} onSearch={search.setQuery} />
      {loading ? <Loading label={searching ? "Searching…" : "Loading images…"} /> : null}
      <ErrorNotice error={error} title={searching ? "The search did not work" : "The library could not be loaded"} />
      {!loading && !error && shown.length === 0 ? (
        <p className="empty picker-empty">{searching ? "No image matches. Try other words." : canUpload ? "The library is empty: upload an image above." : "The library is empty."}</p>
      ) : null}
      <ul className="picker-grid" aria-label={searching ? "Search results" : "Images"}>
        {shown.map((asset) => (
          <li key={asset.id}>
            <button type="button" className={asset.id === value ? "picker-choice current" : "picker-choice"}
              aria-pressed={asset.id === value} onClick={() => onPick(asset.id)}>
              <img src={thumbnail(asset.id)} alt="" loading="lazy" decoding="async" />
              <span className="picker-caption">{asset.alt_text || asset.filename}</span>
              {asset.matched?.length ? <span className="picker-matched">by {asset.matched.join(" and ")}</span> : null}
            </button>
          </li>
        ))}
      </ul>
      {!searching && list.hasNextPage ? (
        <Button type="button" variant="secondary" busy={list.isFetchingNextPage} busyLabel="Loading…" onClick={() => void list.fetchNextPage()}>
          Show more images
        </Button>
      ) : null}
    </Modal>
  );
}

export function AssetPicker({ value, onChange, label, readOnly = false }: AssetPickerProps) {
  const [open, setOpen] = useState(false);
  const labelId = useId();
  const chosen = useQuery({
    queryKey: assetKeys.one(value ?? ""),
    queryFn: ({ signal }) => library.get(value ?? "", signal),
    enabled: value !== null,
  });
  const pick = useCallback((id: string) => {
    onChange(id);
    setOpen(false);
  }, [onChange]);
  return (
    <div className="asset-picker" role="group" aria-labelledby={labelId}>
      <p className="asset-picker-label" id={labelId}>{label}</p>
      {value === null ? <p className="muted asset-picker-none">No image chosen.</p> : (
        <div className="asset-picker-chosen">
          {chosen.isPending ? <Loading label="Loading the image…" /> : null}
          <ErrorNotice error={chosen.error} title="The chosen image could not be loaded" />
          {chosen.data ? (
            <>
              <img src={thumbnail(chosen.data.id)} alt={chosen.data.alt_text} />
              <p className="asset-picker-alt">{chosen.data.alt_text || <span className="muted">No alt text yet ({chosen.data.filename})</span>}</p>
            </>
          ) : null}
        </div>
      )}
      {readOnly ? null : <div className="actions">
        <Button type="button" variant="secondary" onClick={() => setOpen(true)}>
          {value === null ? "Choose" : "Change"}<span className="visually-hidden"> {label}</span>
        </Button>
        {value !== null ? (
          <Button type="button" variant="quiet" onClick={() => onChange(null)}>
            Remove<span className="visually-hidden"> {label}</span>
          </Button>
        ) : null}
      </div>}
      {open && !readOnly ? <PickerDialog label={label} value={value} onPick={pick} onClose={() => setOpen(false)} /> : null}
    </div>
  );
}
