// Uploading several images at once: a drop zone that is also a file button, and one row per
// file with its progress bar, then what became of it (added, already there, or refused with
// the platform's reason). Each upload is its own request, so one refusal leaves the rest going.

import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useId, useRef, useState, type DragEvent } from "react";

import { messageOf } from "../api/problem";
import { assetKeys, upload, type AssetOut } from "./library";

interface Upload {
  key: number;
  name: string;
  loaded: number;
  total: number;
  state: "sending" | "added" | "existing" | "failed";
  error?: string;
  asset?: AssetOut;
}

const ACCEPT = "image/png,image/jpeg,image/webp,image/gif,image/avif";
const kilobytes = new Intl.NumberFormat(undefined, { style: "unit", unit: "kilobyte", maximumFractionDigits: 0 });
const megabytes = new Intl.NumberFormat(undefined, { style: "unit", unit: "megabyte", maximumFractionDigits: 1 });

function size(bytes: number): string {
  return bytes < 1_000_000 ? kilobytes.format(Math.max(1, Math.round(bytes / 1000))) : megabytes.format(bytes / 1_000_000);
}

/** Uploads with their progress; `onUploaded` hears of each stored asset. */
export function useUploads(onUploaded?: (asset: AssetOut) => void) {
  const [uploads, setUploads] = useState<Upload[]>([]);
  const next = useRef(0);
  const queryClient = useQueryClient();
  const change = (key: number, patch: Partial<Upload>) =>
    setUploads((all) => all.map((u) => (u.key === key ? { ...u, ...patch } : u)));

  const start = useCallback((files: FileList | File[]) => {
    for (const file of Array.from(files)) {
      const key = next.current++;
      setUploads((all) => [...all, { key, name: file.name, loaded: 0, total: file.size, state: "sending" }]);
      upload(file, (loaded, total) => change(key, { loaded, total }))
        .then(({ asset, created }) => {
          change(key, { state: created ? "added" : "existing", loaded: file.size, asset });
          queryClient.setQueryData(assetKeys.one(asset.id), asset);
          void queryClient.invalidateQueries({ queryKey: assetKeys.list() });
          onUploaded?.(asset);
        })
        .catch((error: unknown) => change(key, { state: "failed", error: messageOf(error) }));
    }
  }, [queryClient, onUploaded]);

  const clearFinished = () => setUploads((all) => all.filter((u) => u.state === "sending"));
  return { uploads, start, clearFinished };
}

export function DropZone({ onFiles, compact = false, multiple = true }:
  { onFiles: (files: FileList | File[]) => void; compact?: boolean; multiple?: boolean }) {
  const [over, setOver] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const hintId = useId();
  const inputId = useId();
  const drop = (event: DragEvent) => {
    event.preventDefault();
    setOver(false);
    const files = event.dataTransfer.files;
    if (files.length) onFiles(multiple ? files : [...files].slice(0, 1));
  };
  return (
    <div className={`drop-zone${over ? " over" : ""}${compact ? " compact" : ""}`}
      onDragOver={(event) => { event.preventDefault(); setOver(true); }}
      onDragLeave={() => setOver(false)} onDrop={drop}>
      <p className="drop-title" id={hintId}>
        {compact ? `Drop ${multiple ? "images" : "an image"} here, or` : "Drag images here to add them to the library, or"}
      </p>
      <label htmlFor={inputId} className="btn btn-secondary file-button">{multiple ? "Choose images" : "Upload an image"}</label>
      <input id={inputId} ref={input} className="visually-hidden" type="file" accept={ACCEPT} multiple={multiple} aria-describedby={hintId}
        onChange={(event) => {
          if (event.target.files?.length) onFiles(event.target.files);
          event.target.value = "";
        }} />
      {compact ? null : <p className="hint">PNG, JPEG, WebP, GIF or AVIF, up to 20 MB each. The AI writes alt text and a description for each.</p>}
    </div>
  );
}

function outcome(u: Upload): string {
  switch (u.state) {
    case "sending": return u.total ? `${Math.round((100 * u.loaded) / u.total)} %` : "Starting";
    case "added": return "Added";
    case "existing": return "Already in the library";
    case "failed": return u.error ?? "Not added";
  }
}

export function UploadList({ uploads, onClear }: { uploads: ReturnType<typeof useUploads>["uploads"]; onClear: () => void }) {
  if (uploads.length === 0) return null;
  const finished = uploads.some((u) => u.state !== "sending");
  return (
    <section className="uploads" aria-label="Uploads">
      <ul>
        {uploads.map((u) => (
          <li key={u.key} className={`upload upload-${u.state}`}>
            <span className="upload-name">{u.name}</span>
            <span className="upload-size muted">{size(u.total)}</span>
            <progress max={u.total || 1} value={u.state === "sending" ? u.loaded : u.total || 1} aria-label={`Uploading ${u.name}`} />
            <span className="upload-outcome" role={u.state === "failed" ? "alert" : undefined}>{outcome(u)}</span>
          </li>
        ))}
      </ul>
      <p className="visually-hidden" role="status">
        {uploads.filter((u) => u.state === "added" || u.state === "existing").length} of {uploads.length} uploaded
      </p>
      {finished ? <button type="button" className="link-button" onClick={onClear}>Clear finished uploads</button> : null}
    </section>
  );
}
