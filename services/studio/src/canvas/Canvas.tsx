// The canvas: the server's own rendering of the draft (POST /api/cms/pages/<id>/render, the
// renderer visitors get, each node's outermost element marked with data-node), shown in a
// same-origin iframe so that a click in it selects the node it landed in. The page itself
// runs no script: the frame is sandboxed without scripts, and the studio's own code listens
// to its document from outside.

import { useEffect, useLayoutEffect, useRef, useState } from "react";

import { call } from "../api/client";
import type { TreeNode } from "../api/types";
import { ErrorNotice } from "../ui";
import "./canvas.css";

export interface CanvasTiming {
  /** From the structure change to the new document painted (what the editor waits). */
  since_change_ms: number;
  /** The render request alone, as the network and cms answered it. */
  request_ms: number;
  /** From the answer to the new document painted in the frame. */
  paint_ms: number;
  bytes: number;
}

declare global {
  interface Window {
    __canvasTimings?: CanvasTiming[];
  }
}

export const WIDTHS = [
  { name: "Desktop", px: 1280 },
  { name: "Tablet", px: 768 },
  { name: "Phone", px: 375 },
] as const;

const QUIET_MS = 150; // a burst of changes (typing) is rendered once it pauses this long
const SELECTED_STYLE = "sb-canvas-selected";
const HOVER_STYLE = "sb-canvas-hover";

export interface CanvasProps {
  pageId: string;
  /** The tree the editor holds; null to show the stored draft. */
  structure: { root: TreeNode } | null;
  selectedId: string | null;
  onSelect: (nodeId: string) => void;
}

interface Pending {
  changedAt: number;
  requestMs: number;
  answeredAt: number;
  bytes: number;
}

function nodeSelector(id: string): string {
  return `[data-node="${CSS.escape(id)}"]`;
}

function setStyle(doc: Document, id: string, css: string) {
  let style = doc.getElementById(id);
  if (!style) {
    style = doc.createElement("style");
    style.id = id;
    doc.head.appendChild(style);
  }
  style.textContent = css;
}

export function Canvas({ pageId, structure, selectedId, onSelect }: CanvasProps) {
  const frame = useRef<HTMLIFrameElement>(null);
  const stage = useRef<HTMLDivElement>(null);
  const [html, setHtml] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  // A phone edits at a phone's width; anything wider starts on the desktop's.
  const [width, setWidth] = useState<number>(window.innerWidth < 600 ? 375 : WIDTHS[0].px);
  const [scale, setScale] = useState(1);
  const [available, setAvailable] = useState(0);
  const [stageHeight, setStageHeight] = useState(720);
  const onSelectRef = useRef(onSelect);
  const selectedRef = useRef(selectedId);
  const pending = useRef<Pending | null>(null);
  const scrollY = useRef(0);
  const lastSent = useRef(0);
  onSelectRef.current = onSelect;
  selectedRef.current = selectedId;

  // Render on every change of the tree: at once after a quiet spell, else once the burst
  // pauses; an answer overtaken by a newer request is dropped.
  const body = JSON.stringify(structure ? { structure } : {});
  useEffect(() => {
    const changedAt = performance.now();
    const controller = new AbortController();
    const wait = Math.max(0, lastSent.current + QUIET_MS - changedAt);
    const timer = window.setTimeout(async () => {
      lastSent.current = performance.now();
      setBusy(true);
      const sentAt = performance.now();
      try {
        const answer = await call<string>("POST", `/api/cms/pages/${pageId}/render`, {
          json: JSON.parse(body), headers: { accept: "text/html" }, signal: controller.signal,
        });
        const answeredAt = performance.now();
        pending.current = { changedAt, requestMs: answeredAt - sentAt, answeredAt, bytes: answer.length };
        scrollY.current = frame.current?.contentWindow?.scrollY ?? scrollY.current;
        setError(null);
        setHtml(answer);
      } catch (failure) {
        if (!controller.signal.aborted) setError(failure);
      } finally {
        if (!controller.signal.aborted) setBusy(false);
      }
    }, wait);
    return () => {
      window.clearTimeout(timer);
      controller.abort();
    };
  }, [pageId, body]);

  // The frame's width is the device's; it is scaled down to fit the space it has.
  useLayoutEffect(() => {
    const element = stage.current;
    if (!element) return;
    const fit = () => {
      setAvailable(element.clientWidth);
      setScale(element.clientWidth > 0 ? Math.min(1, element.clientWidth / width) : 1);
      setStageHeight(Math.max(480, element.clientHeight));
    };
    fit();
    const observer = new ResizeObserver(fit);
    observer.observe(element);
    return () => observer.disconnect();
  }, [width]);

  function wire() {
    const doc = frame.current?.contentDocument;
    const view = frame.current?.contentWindow;
    if (!doc || !view) return;
    view.scrollTo(0, scrollY.current);
    // The frame's elements are of its own window, so `instanceof Element` would say no.
    const nodeAt = (target: EventTarget | null) =>
      target && "closest" in target ? (target as Element).closest<HTMLElement>("[data-node]") : null;
    doc.addEventListener("click", (event) => {
      event.preventDefault(); // a link or a button of the page stays where it is
      const found = nodeAt(event.target);
      if (found?.dataset.node) onSelectRef.current(found.dataset.node);
    }, true);
    doc.addEventListener("submit", (event) => event.preventDefault(), true);
    doc.addEventListener("mouseover", (event) => {
      const found = nodeAt(event.target);
      setStyle(doc, HOVER_STYLE, found?.dataset.node
        ? `${nodeSelector(found.dataset.node)}{outline:1px dashed #1e5a85;outline-offset:-1px;cursor:pointer}` : "");
    });
    doc.addEventListener("mouseleave", () => setStyle(doc, HOVER_STYLE, ""));
    showSelection(false);
    const measured = pending.current;
    pending.current = null;
    if (measured) {
      // Two frames later the new document has been painted.
      requestAnimationFrame(() => requestAnimationFrame(() => {
        const now = performance.now();
        (window.__canvasTimings ??= []).push({
          since_change_ms: now - measured.changedAt, request_ms: measured.requestMs,
          paint_ms: now - measured.answeredAt, bytes: measured.bytes,
        });
      }));
    }
  }

  function showSelection(reveal: boolean) {
    const doc = frame.current?.contentDocument;
    const id = selectedRef.current;
    if (!doc?.head) return;
    setStyle(doc, SELECTED_STYLE, id
      ? `${nodeSelector(id)}{outline:3px solid #1e5a85 !important;outline-offset:-3px;` +
        "box-shadow:0 0 0 6px rgb(30 90 133 / 22%) inset}" : "");
    const element = id ? doc.querySelector(nodeSelector(id)) : null;
    if (reveal && element) element.scrollIntoView({ block: "nearest", behavior: "smooth" });
  }

  useEffect(() => showSelection(true), [selectedId]);

  return (
    <section className="canvas" aria-label="Canvas">
      <div className="canvas-bar">
        <div className="canvas-widths" role="group" aria-label="Canvas width">
          {WIDTHS.map((option) => (
            <button key={option.px} type="button" className="canvas-width" aria-pressed={width === option.px}
              onClick={() => setWidth(option.px)}>
              {option.name} <span className="canvas-px">{option.px}</span>
            </button>
          ))}
        </div>
        <p className="canvas-state" role="status">
          {busy ? <><span className="spinner" aria-hidden="true" /> Updating…</> : html ? "Up to date" : ""}
        </p>
      </div>
      <ErrorNotice error={error} title="The canvas could not show this version of the page" />
      <div className="canvas-stage" ref={stage}>
        {html === null && !error ? (
          <p className="canvas-loading"><span className="spinner" aria-hidden="true" /> Rendering the page…</p>
        ) : null}
        {html !== null ? (
          <iframe ref={frame} className="canvas-frame" title="The page as visitors will see it (click a block to select it)"
            sandbox="allow-same-origin" srcDoc={html} onLoad={wire}
            style={{ width: `${width}px`, height: `${stageHeight / scale}px`, transform: `scale(${scale})`,
              left: `${Math.max(0, (available - width * scale) / 2)}px` }} />
        ) : null}
      </div>
    </section>
  );
}
