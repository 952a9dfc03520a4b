// A modal dialog on the browser's own <dialog>: showModal() makes the rest of the page inert
// (focus stays inside) and Escape closes it; focus goes back to what opened it, and starts
// on the control marked data-autofocus if there is one.

import { useEffect, useId, useRef, type ReactNode } from "react";
import { createPortal } from "react-dom";

export function Modal({ open, onClose, title, children, wide = false }:
  { open: boolean; onClose: () => void; title: string; children: ReactNode; wide?: boolean }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const node = dialog.current;
    if (!node || !open) return;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (!node.open) node.showModal();
    // showModal() focuses the first control (Close); a dialog may name a safer first choice.
    node.querySelector<HTMLElement>("[data-autofocus]")?.focus();
    return () => {
      if (node.open) node.close();
      opener?.focus();
    };
  }, [open]);
  if (!open) return null;
  // In <body>, not where it is used: a picker inside a properties <form> must not nest its forms in it.
  return createPortal(
    <dialog ref={dialog} className={wide ? "modal modal-wide" : "modal"} aria-labelledby={titleId}
      onCancel={(event) => { event.preventDefault(); onClose(); }}>
      <div className="modal-head">
        <h2 id={titleId}>{title}</h2>
        <button type="button" className="icon-button" onClick={onClose}>
          <span aria-hidden="true">×</span><span className="visually-hidden">Close</span>
        </button>
      </div>
      {children}
    </dialog>,
    document.body,
  );
}
