// The price of AI writing before anything is spent, shared by a new site and a new page: what
// the job will reserve, what it usually charges, what the wallet has, and, when it falls
// short, who can add credits.

import { useEffect, useState } from "react";
import { Link } from "react-router-dom";

import { useSession } from "../api/session";
import type { EstimateOut } from "../api/types";

export function credits(n: number): string {
  return `${n.toLocaleString()} credit${n === 1 ? "" : "s"}`;
}

/** The value once it has stopped changing for `ms`: one estimate per pause, not per key. */
export function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = window.setTimeout(() => setSettled(value), ms);
    return () => window.clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

/** Not enough credits, in words for who is asking: an owner can buy them, an editor asks. */
export function ShortOfCredits({ what, needed, available }: { what: string; needed: number; available: number }) {
  const state = useSession();
  const owner = state.kind === "tenant" && state.role === "OWNER";
  return (
    <div className="notice notice-error" role="alert">
      <p className="notice-title">Not enough credits</p>
      <p>Even the smallest version of {what} needs {credits(needed)}; the site has {credits(available)}.{" "}
        {owner ? <Link to="/settings/credits">Buy credits</Link> : "Ask an owner of the site to add credits."}</p>
    </div>
  );
}

export function Estimate({ estimate, updating, what, empty }: {
  estimate: EstimateOut | undefined; updating: boolean; what: string; empty: string;
}) {
  return (
    <section className="card estimate" aria-labelledby="estimate-title" aria-busy={updating}>
      <h2 id="estimate-title">What it costs</h2>
      {estimate ? (
        <>
          <dl className="figures">
            <div><dt>Reserved while writing</dt><dd>{credits(estimate.max_credits)}</dd></div>
            <div><dt>Usually charged</dt><dd>{credits(estimate.expected_credits)}</dd></div>
            <div><dt>Available</dt><dd>{credits(estimate.available)}</dd></div>
          </dl>
          <p className="muted">You are charged what the writing really uses, never more than is reserved; the rest goes back.</p>
          {estimate.dropped.length ? (
            <p className="notice notice-warning">To fit your credits, {estimate.dropped.length} section{estimate.dropped.length === 1 ? "" : "s"} will be left out.</p>
          ) : null}
          {!estimate.fits ? <ShortOfCredits what={what} needed={estimate.smallest_credits} available={estimate.available} /> : null}
        </>
      ) : <p className="muted">{empty}</p>}
      <p className="visually-hidden" role="status">{updating ? "Updating the price…" : ""}</p>
    </section>
  );
}
