// The studio's few building blocks: a screen's title (document title and focus move with
// navigation, so a screen reader hears where it landed), form fields wired to their
// messages, buttons that say when they are busy, and an error summary.

import { useEffect, useId, useRef, type ButtonHTMLAttributes, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes, type TextareaHTMLAttributes } from "react";

import { ApiError, messageOf } from "./api/problem";

export function ScreenTitle({ children, title, lead }: { children: ReactNode; title: string; lead?: ReactNode }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · Studio`;
    heading.current?.focus({ preventScroll: true });
  }, [title]);
  return (
    <div className="screen-title">
      <h1 ref={heading} tabIndex={-1}>{children}</h1>
      {lead ? <p className="lead">{lead}</p> : null}
    </div>
  );
}

interface FieldProps {
  label: string;
  hint?: ReactNode;
  error?: string | undefined;
}

function described(id: string, hint: ReactNode, error: string | undefined): string | undefined {
  return [hint ? `${id}-hint` : "", error ? `${id}-error` : ""].filter(Boolean).join(" ") || undefined;
}

function FieldFrame({ id, label, hint, error, children }: FieldProps & { id: string; children: ReactNode }) {
  return (
    <div className={error ? "field has-error" : "field"}>
      <label htmlFor={id}>{label}</label>
      {hint ? <p className="hint" id={`${id}-hint`}>{hint}</p> : null}
      {children}
      {error ? <p className="field-error" id={`${id}-error`}>{error}</p> : null}
    </div>
  );
}

export function TextField({ label, hint, error, ...input }: FieldProps & InputHTMLAttributes<HTMLInputElement>) {
  const id = useId();
  return (
    <FieldFrame id={id} label={label} hint={hint} error={error}>
      <input id={id} aria-invalid={error ? true : undefined} aria-describedby={described(id, hint, error)} {...input} />
    </FieldFrame>
  );
}

export function TextArea({ label, hint, error, ...input }: FieldProps & TextareaHTMLAttributes<HTMLTextAreaElement>) {
  const id = useId();
  return (
    <FieldFrame id={id} label={label} hint={hint} error={error}>
      <textarea id={id} aria-invalid={error ? true : undefined} aria-describedby={described(id, hint, error)} {...input} />
    </FieldFrame>
  );
}

export function SelectField({ label, hint, error, children, ...input }: FieldProps & SelectHTMLAttributes<HTMLSelectElement>) {
  const id = useId();
  return (
    <FieldFrame id={id} label={label} hint={hint} error={error}>
      <select id={id} aria-invalid={error ? true : undefined} aria-describedby={described(id, hint, error)} {...input}>
        {children}
      </select>
    </FieldFrame>
  );
}

export function Button({ busy, busyLabel, variant = "primary", children, ...button }:
  { busy?: boolean; busyLabel?: string; variant?: "primary" | "secondary" | "quiet" | "danger" } & ButtonHTMLAttributes<HTMLButtonElement>) {
  return (
    <button className={`btn btn-${variant}`} aria-busy={busy || undefined} disabled={busy || button.disabled} {...button}>
      {busy ? <span className="spinner" aria-hidden="true" /> : null}
      {busy && busyLabel ? busyLabel : children}
    </button>
  );
}

/** A refusal or failure, announced when it appears; fields the problem names are listed. */
export function ErrorNotice({ error, title = "That did not work" }: { error: unknown; title?: string }) {
  if (!error) return null;
  const fields = error instanceof ApiError ? (error.problem.errors ?? []).filter((e) => e.message) : [];
  return (
    <div className="notice notice-error" role="alert">
      <p className="notice-title">{title}</p>
      <p>{messageOf(error)}</p>
      {fields.length > 1 ? (
        <ul>{fields.map((e, i) => <li key={i}>{String(e.message)}</li>)}</ul>
      ) : null}
    </div>
  );
}

export function Loading({ label }: { label: string }) {
  return (
    <p className="loading" role="status">
      <span className="spinner" aria-hidden="true" />
      {label}
    </p>
  );
}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

export function When({ at }: { at: string }) {
  const date = new Date(at);
  return <time dateTime={at}>{dateFormat.format(date)}</time>;
}
