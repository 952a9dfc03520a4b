// Small pieces every settings section uses.

import type { ReactNode } from "react";

import { ScreenTitle } from "../ui";

/** Said above a form the caller may read but not change; the form's fieldset is disabled. */
export function ReadOnlyNote({ who }: { who: string }) {
  return <p className="notice notice-info" role="note">You can look but not change this: only {who} can.</p>;
}

export function SectionTitle({ id, title, lead }: { id: string; title: string; lead?: ReactNode }) {
  return <ScreenTitle title={title} lead={lead}><span id={id}>{title}</span></ScreenTitle>;
}

const money = new Map<string, Intl.NumberFormat>();

/** An amount in minor units (cents) in its currency. */
export function formatMoney(amount: number, currency: string): string {
  const code = currency.toUpperCase();
  if (!money.has(code)) money.set(code, new Intl.NumberFormat(undefined, { style: "currency", currency: code }));
  return money.get(code)!.format(amount / 100);
}
