// Credits (OWNER): balance, held and available; the ledger with type and date filters and
// its CSV; credit packs and the subscription, each paid through Stripe Checkout.

import { useInfiniteQuery, useMutation, useQuery } from "@tanstack/react-query";
import { useState } from "react";

import { call } from "../api/client";
import type { Role } from "../api/types";
import { Button, ErrorNotice, Loading, SelectField, TextField, When } from "../ui";
import { SectionTitle } from "./parts";
import type { BalanceOut, LedgerPage } from "./types";

// billing's CREDIT_PACKS keys; Checkout shows each pack's price before anything is paid
const PACKS = ["100", "500", "2000"];
const TYPES = ["TOP_UP", "SIGNUP_GRANT", "MONTHLY_GRANT", "AI_PAGE_GENERATION", "AI_GENERATION", "AI_EMBEDDING", "AI_ASSET_DESCRIPTION"];
const label = (type: string) => type.charAt(0) + type.slice(1).toLowerCase().replace(/_/g, " ");

async function toCheckout(path: string, json: unknown): Promise<void> {
  const answer = await call<{ checkout_url?: string; url?: string }>("POST", path, { json });
  const url = answer.checkout_url ?? answer.url;
  if (url) window.location.assign(url);
}

export function Credits(_: { role: Role; canChange: boolean }) {
  const balance = useQuery({ queryKey: ["balance"], queryFn: ({ signal }) => call<BalanceOut>("GET", "/api/billing/balance", { signal }) });
  const [type, setType] = useState("");
  const [since, setSince] = useState("");
  const [until, setUntil] = useState("");
  const filters = new URLSearchParams({ limit: "50", ...(type ? { type } : {}), ...(since ? { since: `${since}T00:00:00Z` } : {}),
    ...(until ? { until: `${until}T23:59:59Z` } : {}) });
  const ledger = useInfiniteQuery({
    queryKey: ["ledger", filters.toString()],
    initialPageParam: "",
    queryFn: ({ pageParam, signal }) => call<LedgerPage>("GET", `/api/billing/ledger?${filters}${pageParam ? `&cursor=${encodeURIComponent(pageParam)}` : ""}`, { signal }),
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const topUp = useMutation({ mutationFn: (pack: string) => toCheckout("/api/billing/top-ups", { pack }) });
  const subscribe = useMutation({ mutationFn: () => toCheckout("/api/billing/subscription", { plan: "pro" }) });
  const csv = useMutation({
    mutationFn: async () => {
      const text = await call<string>("GET", "/api/billing/ledger.csv");
      const link = document.createElement("a");
      link.href = URL.createObjectURL(new Blob([text], { type: "text/csv" }));
      link.download = "credits-ledger.csv";
      link.click();
      URL.revokeObjectURL(link.href);
    },
  });
  const entries = ledger.data?.pages.flatMap((page) => page.entries) ?? [];
  return (
    <section aria-labelledby="credits-title">
      <SectionTitle id="credits-title" title="Credits" lead="AI work is paid in credits: writing a page, describing an image." />
      <ErrorNotice error={balance.error} title="We could not load the balance" />
      {balance.isPending ? <Loading label="Loading the balance…" /> : null}
      {balance.data ? (
        <dl className="stat-row">
          <div className="stat card"><dt>Available</dt><dd>{balance.data.available}</dd></div>
          <div className="stat card"><dt>Balance</dt><dd>{balance.data.balance}</dd></div>
          <div className="stat card"><dt>Held for work in progress</dt><dd>{balance.data.held}</dd></div>
        </dl>
      ) : null}

      <div className="card settings-block">
        <h2>Buy credits</h2>
        <p className="muted">You pay on Stripe's Checkout page and come back here; the credits arrive once the payment clears.</p>
        <div className="actions">
          {PACKS.map((pack) => <Button key={pack} type="button" variant="secondary" busy={topUp.isPending && topUp.variables === pack}
            onClick={() => topUp.mutate(pack)}>{pack} credits</Button>)}
        </div>
        <h2 className="settings-subhead">Subscription</h2>
        <p>Plan status: <span className="badge">{balance.data?.subscription_status.toLowerCase() ?? "…"}</span></p>
        {balance.data && balance.data.subscription_status.toLowerCase() !== "active"
          ? <Button type="button" onClick={() => subscribe.mutate()} busy={subscribe.isPending}>Subscribe to Pro: 1,000 credits a month</Button> : null}
        <ErrorNotice error={topUp.error ?? subscribe.error} title="Checkout did not open" />
      </div>

      <h2 className="settings-subhead">Ledger</h2>
      <div className="filters" role="group" aria-label="Filter the ledger">
        <SelectField label="Type" value={type} onChange={(e) => setType(e.target.value)}>
          <option value="">Every type</option>
          {TYPES.map((t) => <option key={t} value={t}>{label(t)}</option>)}
        </SelectField>
        <TextField label="From" type="date" value={since} onChange={(e) => setSince(e.target.value)} />
        <TextField label="To" type="date" value={until} onChange={(e) => setUntil(e.target.value)} />
        <Button type="button" variant="secondary" onClick={() => csv.mutate()} busy={csv.isPending}>Download CSV</Button>
      </div>
      <ErrorNotice error={ledger.error ?? csv.error} />
      {ledger.isPending ? <Loading label="Loading the ledger…" /> : null}
      {ledger.data && entries.length === 0 ? <p className="muted">No entries match. Clear the filters to see every entry.</p> : null}
      {entries.length ? (
        <div className="table-wrap">
          <table className="pages-table">
            <thead><tr><th scope="col">When</th><th scope="col">Type</th><th scope="col" className="num">Credits</th><th scope="col">Note</th></tr></thead>
            <tbody>
              {entries.map((entry) => (
                <tr key={entry.id}>
                  <td><When at={entry.created_at} /></td>
                  <td>{label(entry.type)}</td>
                  <td className={entry.amount < 0 ? "num debit" : "num credit"}>{entry.amount > 0 ? `+${entry.amount}` : entry.amount}</td>
                  <td>{entry.note ?? <span className="muted">{entry.reference_id}</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {ledger.hasNextPage ? <div className="actions"><Button type="button" variant="secondary" onClick={() => void ledger.fetchNextPage()}
        busy={ledger.isFetchingNextPage}>Show older entries</Button></div> : null}
    </section>
  );
}
