// The canvas: the server's own rendering of the draft (POST /api/cms/pages/<id>/render, the
// renderer visitors get, each node's outermost element marked with data-node), shown in a
// same-origin iframe so that a click in it selects the node it landed in. The page itself
// runs no script: the frame is sandboxed without scripts, and the studio's own code listens
// to its document from outside. The first answer loads as the frame's srcdoc; every later one
// is swapped into that document in place (its head only when that changed, its body),
// which keeps the scroll position and costs a parse and a layout instead of a navigation
// (about 20 ms instead of 55-75 ms for a generated home page: bench/bench_studio_canvas.py).

import { useEffect, useLayoutEffect, useRef, useState } from "react";

import { call } from "../api/client";
import type { TreeNode } from "../api/types";
import { firstRefusal } from "../editor/refusals";
import { ErrorNotice } from "../ui";
import "./canvas.css";
import { RenderSchedule, type RenderRequest } from "./schedule";

export interface CanvasTiming {
  /** From the structure change to the new document painted (what the editor waits). */
  since_change_ms: number;
  /** From the change to its request going out. */
  wait_ms: number;
  /** Sent after a wait (a burst's quiet spell, or the answer that was out), not at the change. */
  deferred: boolean;
  /** The render request alone, as the network and cms answered it. */
  request_ms: number;
  /** From the answer to the new document painted in the frame. */
  paint_ms: number;
  bytes: number;
  /** Which change this rendering shows (they only ever increase). */
  seq: number;
  /** Swapped into the frame's document (true) or loaded as a new srcdoc document. */
  in_place: boolean;
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

const TIMINGS_KEPT = 1000; // a day's editing must not grow the list without end
const SELECTED_STYLE = "sb-canvas-selected";
const HOVER_STYLE = "sb-canvas-hover";

export interface CanvasProps {
  pageId: string;
  /** The tree the editor holds; null to show the stored draft. */
  structure: { root: TreeNode } | null;
  selectedId: string | null;
  onSelect: (nodeId: string) => void;
}

interface Measured {
  request: RenderRequest<string>;
  answeredAt: number;
  bytes: number;
}

function nodeSelector(id: string): string {
  return `[data-node="${CSS.escape(id)}"]`;
}

/** After the next frame has been rendered: a task posted from an animation frame runs then. */
function afterPaint(then: () => void) {
  requestAnimationFrame(() => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => then();
    channel.port2.postMessage(null);
  });
}

function record(measured: Measured, inPlace: boolean) {
  afterPaint(() => {
    const now = performance.now();
    const { request } = measured;
    const timings = (window.__canvasTimings ??= []);
    if (timings.length >= TIMINGS_KEPT) timings.splice(0, timings.length - TIMINGS_KEPT + 1);
    timings.push({
      since_change_ms: now - request.changedAt, wait_ms: request.sentAt - request.changedAt,
      request_ms: measured.answeredAt - request.sentAt, paint_ms: now - measured.answeredAt,
      bytes: measured.bytes, seq: request.seq, in_place: inPlace, deferred: request.deferred,
    });
  });
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
  // What the frame loads as a new document: the first answer, or one that came while a load was under way.
  const [srcDoc, setSrcDoc] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  // A phone edits at a phone's width; anything wider starts on the desktop's.
  const [width, setWidth] = useState<number>(window.innerWidth < 600 ? 375 : WIDTHS[0].px);
  const [scale, setScale] = useState(1);
  const [available, setAvailable] = useState(0);
  const [stageHeight, setStageHeight] = useState(720);
  const onSelectRef = useRef(onSelect);
  const selectedRef = useRef(selectedId);
  const schedule = useRef<RenderSchedule<string> | null>(null);
  const loading = useRef<Measured | null>(null); // the answer a srcdoc load is showing, null when none is under way
  const wired = useRef(new WeakSet<Document>());
  const shownHead = useRef<string | null>(null); // the head of the document in the frame, as cms wrote it
  const loadingHead = useRef<string | null>(null);
  const latest = useRef<string | null>(null); // the newest answer, whichever way it was shown
  const scrollY = useRef(0);
  onSelectRef.current = onSelect;
  selectedRef.current = selectedId;

  // One schedule per page (./schedule.ts): at once for an isolated change, throttled in a
  // burst, one request at a time.
  useEffect(() => {
    const controller = new AbortController();
    const renders: RenderSchedule<string> = new RenderSchedule(async (request) => {
      try {
        const answer = await call<string>("POST", `/api/cms/pages/${pageId}/render`, {
          json: JSON.parse(request.value), headers: { accept: "text/html" }, signal: controller.signal,
        });
        if (controller.signal.aborted) return;
        setError(null);
        show(answer, { request, answeredAt: performance.now(), bytes: answer.length });
      } catch (failure) {
        if (!controller.signal.aborted) setError(failure);
      } finally {
        if (!controller.signal.aborted) setBusy(renders.waiting);
      }
    });
    schedule.current = renders;
    return () => {
      renders.close();
      controller.abort();
    };
  }, [pageId]);

  const body = JSON.stringify(structure ? { structure } : {});
  useEffect(() => {
    setBusy(true);
    schedule.current?.change(body);
  }, [pageId, body]);

  /** The answer in the frame: swapped into its document, or loaded as a new one. */
  function show(html: string, measured: Measured) {
    latest.current = html;
    const doc = frame.current?.contentDocument;
    const parsed = new DOMParser().parseFromString(html, "text/html");
    if (!doc || loading.current || !wired.current.has(doc)) {
      load(html, parsed.head.innerHTML, measured);
      return;
    }
    const y = doc.defaultView?.scrollY ?? 0;
    const head = parsed.head.innerHTML;
    if (head !== shownHead.current) {
      doc.head.replaceWith(doc.adoptNode(parsed.head));
      shownHead.current = head;
    }
    const root = doc.documentElement;
    for (const name of root.getAttributeNames()) {
      if (!parsed.documentElement.hasAttribute(name)) root.removeAttribute(name);
    }
    for (const { name, value } of Array.from(parsed.documentElement.attributes)) root.setAttribute(name, value);
    doc.body.replaceWith(doc.adoptNode(parsed.body));
    doc.defaultView?.scrollTo({ top: y, behavior: "instant" }); // the site's own CSS may ask for smooth scrolling
    showSelection(false);
    record(measured, true);
  }

  function load(html: string, head: string, measured: Measured | null) {
    scrollY.current = frame.current?.contentWindow?.scrollY ?? scrollY.current;
    loading.current = measured;
    loadingHead.current = head;
    setSrcDoc(html);
  }

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

  // A srcdoc document has loaded: listen to it, and put back the scroll position and selection.
  function wire() {
    const doc = frame.current?.contentDocument;
    const view = frame.current?.contentWindow;
    if (!doc || !view || doc.URL !== "about:srcdoc") return;
    if (latest.current !== null && latest.current !== srcDoc) {
      // The frame loaded its srcdoc again (the element was moved): that is an older answer.
      const head = new DOMParser().parseFromString(latest.current, "text/html").head.innerHTML;
      load(latest.current, head, null);
      return;
    }
    const measured = loading.current;
    loading.current = null;
    shownHead.current = loadingHead.current;
    view.scrollTo({ top: scrollY.current, behavior: "instant" });
    showSelection(false);
    if (measured) record(measured, false);
    if (wired.current.has(doc)) return;
    wired.current.add(doc);
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

  const refusal = firstRefusal(error);
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
          {busy ? <><span className="spinner" aria-hidden="true" /> Updating…</> : srcDoc !== null ? "Up to date" : ""}
        </p>
      </div>
      {refusal ? (
        <div className="notice notice-warning" role="status">
          <p className="notice-title">The canvas shows this page again once a field is fixed</p>
          <p>{refusal.message}</p>
        </div>
      ) : <ErrorNotice error={error} title="The canvas could not show this version of the page" />}
      <div className="canvas-stage" ref={stage}>
        {srcDoc === null && !error ? (
          <p className="canvas-loading"><span className="spinner" aria-hidden="true" /> Rendering the page…</p>
        ) : null}
        {srcDoc !== null ? (
          <iframe ref={frame} className="canvas-frame" title="The page as visitors will see it (click a block to select it)"
            sandbox="allow-same-origin" srcDoc={srcDoc} onLoad={wire}
            style={{ width: `${width}px`, height: `${stageHeight / scale}px`, transform: `scale(${scale})`,
              left: `${Math.max(0, (available - width * scale) / 2)}px` }} />
        ) : null}
      </div>
    </section>
  );
}
