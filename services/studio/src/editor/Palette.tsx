// "Add": the components the chosen container may hold, from the registry, with what each is
// for. A native modal dialog: focus stays inside, Escape closes it, focus returns to "Add".

import { useEffect, useMemo, useRef, useState } from "react";

import type { Registry } from "./registry";

export function Palette({ open, registry, container, onPick, onClose }: {
  open: boolean; registry: Registry; container: string; onPick(component: string): void; onClose(): void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [filter, setFilter] = useState("");
  useEffect(() => {
    const box = dialog.current;
    if (!box) return;
    if (open && !box.open) { setFilter(""); box.showModal(); }
    if (!open && box.open) box.close();
  }, [open]);
  const choices = useMemo(() => {
    const words = filter.trim().toLowerCase();
    return (registry.components[container]?.children ?? [])
      .map((name) => ({ name, description: registry.components[name]?.description ?? "" }))
      .filter((c) => !words || `${c.name} ${c.description}`.toLowerCase().includes(words));
  }, [registry, container, filter]);
  return (
    <dialog ref={dialog} className="palette" aria-labelledby="palette-title"
      // The close event arrives a task after close(): by then the palette may be open again.
      onClose={() => { if (!dialog.current?.open) onClose(); }}>
      <div className="palette-head">
        <h2 id="palette-title">Add to {container}</h2>
        <button type="button" className="btn btn-quiet" onClick={onClose}>Close</button>
      </div>
      <label className="visually-hidden" htmlFor="palette-filter">Find a component</label>
      <input id="palette-filter" type="search" placeholder="Find a component…" value={filter} onChange={(e) => setFilter(e.target.value)} />
      {choices.length ? (
        <ul className="palette-list">
          {choices.map((c) => (
            <li key={c.name}>
              <button type="button" onClick={() => onPick(c.name)}>
                <span className="palette-name">{c.name}</span>
                <span className="palette-description">{c.description}</span>
              </button>
            </li>
          ))}
        </ul>
      ) : (
        <p className="hint">{filter ? "No component matches those words." : `${container} holds no other components: select a section or the page to add to it.`}</p>
      )}
    </dialog>
  );
}
