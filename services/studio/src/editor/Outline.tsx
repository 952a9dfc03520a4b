// The page's outline: every node in reading order, indented by depth. Drag a row by its
// handle (mouse, touch, or keyboard: Space to lift, arrows to move, Space to drop) or press
// Alt+↑/↓ on a row; a node only lands where the registry lets its new parent hold it.

import {
  DndContext, KeyboardSensor, PointerSensor, closestCenter, useSensor, useSensors,
  type Announcements, type DragEndEvent,
} from "@dnd-kit/core";
import { SortableContext, sortableKeyboardCoordinates, useSortable, verticalListSortingStrategy } from "@dnd-kit/sortable";
import { CSS } from "@dnd-kit/utilities";
import { useMemo, useState, type KeyboardEvent } from "react";

import { mayHold, type Registry } from "./registry";
import { flatten, locate, moveNode, firstWords, type Located, type PageTree } from "./tree";

interface OutlineProps {
  tree: PageTree;
  registry: Registry;
  selectedId: string | null;
  flagged: Map<string, "error" | "warning">;
  onSelect(id: string): void;
  onChange(tree: PageTree, message: string): void;
  readOnly: boolean;
}

/** Where a dragged node goes when dropped on `over`: beside it, or into it if only it may hold it. */
export function dropTarget(tree: PageTree, registry: Registry, activeId: string, overId: string): { parentId: string; index: number } | null {
  const active = locate(tree, activeId);
  const over = locate(tree, overId);
  if (!active?.parent || !over) return null;
  const component = active.node.component;
  if (over.parent && mayHold(registry, over.parent.component, component)) {
    const sameParent = over.parent.id === active.parent.id;
    const downward = sameParent ? active.index < over.index : flatten(tree).findIndex((r) => r.node.id === activeId) < flatten(tree).findIndex((r) => r.node.id === overId);
    // Within one parent the dragged node takes the place of the one it is dropped on.
    const index = sameParent ? over.index : over.index + (downward ? 1 : 0);
    return { parentId: over.parent.id, index };
  }
  if (mayHold(registry, over.node.component, component)) return { parentId: over.node.id, index: over.node.children?.length ?? 0 };
  return null;
}

function Row({ row, selected, flag, onSelect, onKeyDown, readOnly }: {
  row: Located; selected: boolean; flag: "error" | "warning" | undefined; onSelect(): void;
  onKeyDown(event: KeyboardEvent<HTMLButtonElement>): void; readOnly: boolean;
}) {
  const isRoot = row.parent === null;
  const { attributes, listeners, setNodeRef, setActivatorNodeRef, transform, transition, isDragging } =
    useSortable({ id: row.node.id, disabled: isRoot || readOnly });
  const label = firstWords(row.node);
  return (
    <li ref={setNodeRef} className={`outline-row${selected ? " selected" : ""}${isDragging ? " dragging" : ""}`}
      style={{ transform: CSS.Translate.toString(transform), transition, paddingLeft: `${row.depth * 1.1 + 0.25}rem` }}
      data-node={row.node.id}>
      {isRoot || readOnly ? <span className="outline-handle-space" aria-hidden="true" /> : (
        <button type="button" className="outline-handle" ref={setActivatorNodeRef} {...attributes} {...listeners}
          aria-label={`Move ${row.node.component}${label ? `: ${label}` : ""}`}>
          <svg viewBox="0 0 10 16" aria-hidden="true" width="10" height="16"><g fill="currentColor">
            <circle cx="2" cy="3" r="1.4" /><circle cx="8" cy="3" r="1.4" /><circle cx="2" cy="8" r="1.4" />
            <circle cx="8" cy="8" r="1.4" /><circle cx="2" cy="13" r="1.4" /><circle cx="8" cy="13" r="1.4" /></g></svg>
        </button>
      )}
      <button type="button" className="outline-select" aria-pressed={selected} onClick={onSelect} onKeyDown={onKeyDown}
        id={`outline-${row.node.id}`}>
        <span className="outline-component">{row.node.component}</span>
        {label ? <span className="outline-label">{label}</span> : null}
        {flag ? <span className={`outline-flag flag-${flag}`}>{flag === "error" ? "Error" : "Warning"}</span> : null}
      </button>
    </li>
  );
}

export function Outline({ tree, registry, selectedId, flagged, onSelect, onChange, readOnly }: OutlineProps) {
  const rows = useMemo(() => flatten(tree), [tree]);
  const [refusal, setRefusal] = useState("");
  const sensors = useSensors(
    useSensor(PointerSensor, { activationConstraint: { distance: 4 } }),
    useSensor(KeyboardSensor, { coordinateGetter: sortableKeyboardCoordinates }),
  );
  const name = (id: string | number) => {
    const found = locate(tree, String(id));
    return found ? `${found.node.component}${firstWords(found.node) ? ` “${firstWords(found.node)}”` : ""}` : "the node";
  };
  const announcements: Announcements = {
    onDragStart: ({ active }) => `Picked up ${name(active.id)}. Use the arrow keys to move it, Space to drop it, Escape to cancel.`,
    onDragOver: ({ active, over }) => (over ? `${name(active.id)} is over ${name(over.id)}.` : `${name(active.id)} is no longer over a node.`),
    onDragEnd: ({ active, over }) => (over ? `${name(active.id)} was dropped at ${name(over.id)}.` : `${name(active.id)} was dropped.`),
    onDragCancel: ({ active }) => `Moving ${name(active.id)} was cancelled.`,
  };

  const drop = ({ active, over }: DragEndEvent) => {
    if (!over || active.id === over.id) return;
    const target = dropTarget(tree, registry, String(active.id), String(over.id));
    if (!target) {
      setRefusal(`${name(active.id)} cannot go there: ${locate(tree, String(over.id))?.parent?.component ?? "that place"} does not hold it.`);
      return;
    }
    setRefusal("");
    onChange(moveNode(tree, String(active.id), target.parentId, target.index), `Moved ${name(active.id)}`);
  };

  const nudge = (row: Located, by: -1 | 1) => {
    if (!row.parent) return;
    const index = row.index + by;
    if (index < 0 || index >= (row.parent.children?.length ?? 0)) return;
    onChange(moveNode(tree, row.node.id, row.parent.id, index), `Moved ${name(row.node.id)} ${by < 0 ? "up" : "down"}`);
    window.requestAnimationFrame(() => document.getElementById(`outline-${row.node.id}`)?.focus());
  };

  return (
    <>
      <p className="hint outline-hint" id="outline-help">{readOnly ? "The page's blocks in reading order: select one to read its settings."
        : "Alt+↑ or Alt+↓ moves the selected node among its neighbours; drag a handle (or press Space on it) to move it anywhere."}</p>
      <DndContext sensors={sensors} collisionDetection={closestCenter} onDragEnd={drop} accessibility={{ announcements }}>
        <SortableContext items={rows.map((row) => row.node.id)} strategy={verticalListSortingStrategy}>
          <ul className="outline" aria-label="Page outline" aria-describedby="outline-help">
            {rows.map((row) => (
              <Row key={row.node.id} row={row} selected={row.node.id === selectedId} flag={flagged.get(row.node.id)} readOnly={readOnly}
                onSelect={() => onSelect(row.node.id)}
                onKeyDown={(event) => {
                  if (!event.altKey || readOnly) return;
                  if (event.key === "ArrowUp") { event.preventDefault(); nudge(row, -1); }
                  if (event.key === "ArrowDown") { event.preventDefault(); nudge(row, 1); }
                }} />
            ))}
          </ul>
        </SortableContext>
      </DndContext>
      {refusal ? <p className="field-error" role="alert">{refusal}</p> : null}
    </>
  );
}
