// Shop: Stripe Connect onboarding (OWNER), products (EDITOR and up change them), orders and
// refunds (OWNER). A viewer reads the products; an editor sees no money actions.

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";

import { call } from "../api/client";
import { ApiError } from "../api/problem";
import type { Role } from "../api/types";
import { Button, ErrorNotice, Loading, TextArea, TextField, When } from "../ui";
import { atLeast } from "./access";
import { ReadOnlyNote, SectionTitle, formatMoney } from "./parts";
import type { ConnectOut, OrderPage, ProductOut, ProductPage } from "./types";

export function Shop({ role, canChange }: { role: Role; canChange: boolean }) {
  const owner = atLeast(role, "OWNER");
  return (
    <section aria-labelledby="shop-title">
      <SectionTitle id="shop-title" title="Shop" lead="Sell products on the site; payments go through Stripe to your own account." />
      {!canChange ? <ReadOnlyNote who="editors and owners" /> : null}
      {owner ? <Payments /> : null}
      <Products canChange={canChange} />
      {owner ? <Orders /> : null}
    </section>
  );
}

function Payments() {
  const connect = useQuery({ queryKey: ["connect"], queryFn: ({ signal }) => call<ConnectOut>("GET", "/api/billing/connect", { signal }) });
  const onboard = useMutation({
    mutationFn: async () => {
      const answer = await call<{ url: string }>("POST", "/api/billing/connect/onboarding");
      window.location.assign(answer.url);
    },
  });
  const state = connect.data;
  return (
    <div className="card settings-block">
      <h2>Payments</h2>
      <ErrorNotice error={connect.error} title="We could not load the payments account" />
      {connect.isPending ? <Loading label="Loading the payments account…" /> : null}
      {state ? (
        <>
          <p>
            {state.charges_enabled ? <span className="badge badge-success">Taking payments</span>
              : <span className="badge badge-warning">{state.account_id ? "Onboarding not finished" : "Not set up"}</span>}{" "}
            <span className="muted">Payouts {state.payouts_enabled ? "on" : "off"} · platform fee {state.fee_percent}%</span>
          </p>
          {state.requirements.length ? <p>Stripe still needs: {state.requirements.join(", ").replace(/_/g, " ")}.</p> : null}
          {!state.charges_enabled ? <p className="muted">Stripe asks for your business and bank details once; the shop takes orders when it is done.</p> : null}
          <ErrorNotice error={onboard.error} title="Stripe's onboarding did not open" />
          {!state.charges_enabled || state.requirements.length
            ? <Button type="button" onClick={() => onboard.mutate()} busy={onboard.isPending}>{state.account_id ? "Continue onboarding on Stripe" : "Set up payments with Stripe"}</Button>
            : null}
        </>
      ) : null}
    </div>
  );
}

const EMPTY = { name: "", slug: "", price: "", currency: "eur", description: "", inventory: "", active: true };

function Products({ canChange }: { canChange: boolean }) {
  const queries = useQueryClient();
  const products = useQuery({ queryKey: ["products"], queryFn: ({ signal }) => call<ProductPage>("GET", "/api/billing/products?limit=100", { signal }) });
  const [editing, setEditing] = useState<ProductOut | null>(null);
  const [form, setForm] = useState(EMPTY);
  const startEdit = (product: ProductOut | null) => {
    setEditing(product);
    setForm(product ? { name: product.name, slug: product.slug, price: (product.price_amount / 100).toFixed(2), currency: product.currency,
      description: product.description, inventory: product.inventory === null ? "" : String(product.inventory), active: product.active } : EMPTY);
  };
  const save = useMutation({
    mutationFn: () => {
      const body = { name: form.name.trim(), slug: form.slug.trim(), price_amount: Math.round(Number(form.price) * 100),
        currency: form.currency.trim().toLowerCase(), description: form.description, active: form.active,
        inventory: form.inventory === "" ? null : Number(form.inventory) };
      return editing
        ? call<ProductOut>("PATCH", `/api/billing/products/${editing.id}`, { json: { ...body, untracked: form.inventory === "" } })
        : call<ProductOut>("POST", "/api/billing/products", { json: body });
    },
    onSuccess: () => { startEdit(null); void queries.invalidateQueries({ queryKey: ["products"] }); },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  const fieldError = (field: string) => (save.error instanceof ApiError ? save.error.fieldMessage(field) : undefined);
  const list = products.data?.products ?? [];
  return (
    <div className="settings-block">
      <h2 className="settings-subhead">Products</h2>
      <ErrorNotice error={products.error} title="We could not load the products" />
      {products.isPending ? <Loading label="Loading the products…" /> : null}
      {products.data && list.length === 0 ? <p className="muted">No products yet.{canChange ? " Add the first one below; it shows in the site's shop once it is active." : ""}</p> : null}
      {list.length ? (
        <div className="table-wrap">
          <table className="pages-table">
            <thead><tr><th scope="col">Product</th><th scope="col" className="num">Price</th><th scope="col">Stock</th><th scope="col">State</th>{canChange ? <th scope="col"><span className="visually-hidden">Actions</span></th> : null}</tr></thead>
            <tbody>
              {list.map((product) => (
                <tr key={product.id}>
                  <td>{product.name}<br /><span className="muted mono">{product.slug}</span></td>
                  <td className="num">{formatMoney(product.price_amount, product.currency)}</td>
                  <td>{product.inventory ?? <span className="muted">not tracked</span>}</td>
                  <td>{product.active ? <span className="badge badge-success">on sale</span> : <span className="badge">hidden</span>}</td>
                  {canChange ? <td className="cell-actions"><button type="button" className="link-button" onClick={() => startEdit(product)}>
                    Edit<span className="visually-hidden"> {product.name}</span></button></td> : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {canChange ? (
        <form className="card settings-form" onSubmit={submit} aria-label={editing ? `Edit ${editing.name}` : "Add a product"}>
          <h3>{editing ? `Edit ${editing.name}` : "Add a product"}</h3>
          <div className="field-row">
            <TextField label="Product name" required maxLength={120} value={form.name} error={fieldError("name")}
              onChange={(e) => setForm({ ...form, name: e.target.value, slug: editing ? form.slug : e.target.value.toLowerCase().normalize("NFKD").replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 80) })} />
            <TextField label="Address in the shop" required pattern="[a-z0-9]+(-[a-z0-9]+)*" value={form.slug} error={fieldError("slug")}
              onChange={(e) => setForm({ ...form, slug: e.target.value })} />
          </div>
          <div className="field-row">
            <TextField label="Price" required inputMode="decimal" pattern="[0-9]+([.,][0-9]{1,2})?" value={form.price} error={fieldError("price_amount")}
              onChange={(e) => setForm({ ...form, price: e.target.value.replace(",", ".") })} />
            <TextField label="Currency" required maxLength={3} value={form.currency} error={fieldError("currency")}
              onChange={(e) => setForm({ ...form, currency: e.target.value })} />
            <TextField label="Stock" hint="Empty: not tracked" inputMode="numeric" pattern="[0-9]*" value={form.inventory}
              onChange={(e) => setForm({ ...form, inventory: e.target.value })} />
          </div>
          <TextArea label="Description" rows={3} maxLength={5000} value={form.description} onChange={(e) => setForm({ ...form, description: e.target.value })} />
          <label className="check"><input type="checkbox" checked={form.active} onChange={(e) => setForm({ ...form, active: e.target.checked })} /> On sale</label>
          <ErrorNotice error={save.error} title="The product was not saved" />
          <div className="form-actions">
            <Button type="submit" busy={save.isPending} busyLabel="Saving…">{editing ? "Save product" : "Add product"}</Button>
            {editing ? <Button type="button" variant="quiet" onClick={() => startEdit(null)}>Cancel</Button> : null}
          </div>
        </form>
      ) : null}
    </div>
  );
}

function Orders() {
  const queries = useQueryClient();
  const orders = useQuery({ queryKey: ["orders"], queryFn: ({ signal }) => call<OrderPage>("GET", "/api/billing/orders?limit=50", { signal }) });
  const refund = useMutation({ mutationFn: (id: string) => call<unknown>("POST", `/api/billing/orders/${id}/refund`, { json: {} }),
    onSettled: () => queries.invalidateQueries({ queryKey: ["orders"] }) });
  const list = orders.data?.orders ?? [];
  return (
    <div className="settings-block">
      <h2 className="settings-subhead">Orders</h2>
      <ErrorNotice error={orders.error ?? refund.error} title="Orders" />
      {orders.isPending ? <Loading label="Loading the orders…" /> : null}
      {refund.isSuccess ? <p className="notice notice-success" role="status">Refund asked; Stripe confirms it in a moment.</p> : null}
      {orders.data && list.length === 0 ? <p className="muted">No orders yet. They appear here as customers pay at checkout.</p> : null}
      {list.length ? (
        <div className="table-wrap">
          <table className="pages-table">
            <thead><tr><th scope="col">When</th><th scope="col">Customer</th><th scope="col" className="num">Total</th><th scope="col">State</th><th scope="col"><span className="visually-hidden">Actions</span></th></tr></thead>
            <tbody>
              {list.map((order) => (
                <tr key={order.id}>
                  <td><When at={order.created_at} /></td>
                  <td>{order.customer_email ?? <span className="muted">unknown</span>}</td>
                  <td className="num">{formatMoney(order.amount_total, order.currency)}
                    {order.amount_refunded ? <><br /><span className="muted">{formatMoney(order.amount_refunded, order.currency)} refunded</span></> : null}</td>
                  <td>{order.status.toLowerCase().replace(/_/g, " ")}</td>
                  <td className="cell-actions">{order.status.toLowerCase() === "paid" || order.status.toLowerCase() === "partially_refunded"
                    ? <button type="button" className="link-button" onClick={() => refund.mutate(order.id)} disabled={refund.isPending}>
                      Refund<span className="visually-hidden"> the order of {order.customer_email ?? "this customer"}</span></button> : null}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </div>
  );
}
