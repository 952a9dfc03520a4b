// A component's products (ProductGrid's `product_ids`, or any `product_id`), chosen from the
// shop's catalogue instead of typed as ids: the chosen ones with their name, price and picture,
// in the order the site shows them; "Choose products" opens the catalogue in a dialog,
// searchable by name. An empty shop says where products are added (Settings → Shop).

import type { ErrorSchema, FieldProps } from "@rjsf/utils";
import { useQuery } from "@tanstack/react-query";
import { useId, useMemo, useState } from "react";
import { Link } from "react-router-dom";

import { api } from "../api/client";
import type { components } from "../api/schema";
import { Button, ErrorNotice, Loading } from "../ui";
import { thumbnail } from "../media/library";
import { Modal } from "../media/Modal";
import { formatMoney } from "../settings/parts";
import "./product-picker.css";

export interface ShopProduct { id: string; name: string; slug: string; price_amount: number; currency: string; images: string[]; active: boolean }
interface ShopProductPage { products: ShopProduct[]; next_cursor: string | null }

type Schemas = components["schemas"];
type Unknown<Client, Server> = Exclude<keyof Client, keyof Server>;
type None<Fields extends never> = Fields;
export type ProductPickerContract = [None<Unknown<ShopProduct, Schemas["ProductOut"]>>, None<Unknown<ShopProductPage, Schemas["ProductPage"]>>];

// A catalogue is a few dozen products; past this many pages the search still covers the rest of what loaded.
const MOST_PAGES = 10;

/** The whole catalogue, newest first. Under ["products"], so Settings → Shop's changes refresh it. */
export function useCatalogue() {
  return useQuery({
    queryKey: ["products", "catalogue"],
    // Products are added in Settings → Shop, maybe by someone else: ask again whenever a picker opens.
    staleTime: 0,
    queryFn: async ({ signal }) => {
      const all: ShopProduct[] = [];
      let cursor: string | null = null;
      for (let page = 0; page < MOST_PAGES; page++) {
        const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
        const answer: ShopProductPage = await api.get<ShopProductPage>(`/api/billing/products?limit=100${query}`, signal);
        all.push(...answer.products);
        cursor = answer.next_cursor;
        if (!cursor) break;
      }
      return all;
    },
  });
}

/** "Crème brûlée" is found by "creme": names compared without case or accents. */
function folded(text: string): string {
  return text.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase();
}

function ProductLook({ product }: { product: ShopProduct }) {
  const image = product.images[0];
  return (
    <>
      {image ? <img className="product-thumb" src={thumbnail(image)} alt="" loading="lazy" decoding="async" />
        : <span className="product-thumb product-thumb-none" aria-hidden="true">{product.name.charAt(0).toUpperCase()}</span>}
      <span className="product-text">
        <span className="product-name">{product.name}</span>
        <span className="product-price">{formatMoney(product.price_amount, product.currency)}
          {product.active ? null : <span className="badge"> not on sale</span>}</span>
      </span>
    </>
  );
}

function EmptyShop() {
  return (
    <p className="notice notice-info product-empty">
      The shop has no products yet. Add them in <Link to="/settings/shop">Settings → Shop</Link>, then choose them here.
    </p>
  );
}

function CatalogueDialog({ label, chosen, most, multiple, onChange, onClose }: {
  label: string; chosen: string[]; most: number; multiple: boolean;
  onChange(ids: string[]): void; onClose(): void;
}) {
  const catalogue = useCatalogue();
  const [query, setQuery] = useState("");
  const searchId = useId();
  const products = catalogue.data ?? [];
  const shown = useMemo(() => {
    const wanted = folded(query.trim());
    return wanted ? products.filter((p) => folded(`${p.name} ${p.slug}`).includes(wanted)) : products;
  }, [products, query]);
  const full = chosen.length >= most;
  const toggle = (id: string) => {
    if (!multiple) {
      onChange([id]);
      onClose();
      return;
    }
    onChange(chosen.includes(id) ? chosen.filter((c) => c !== id) : [...chosen, id]);
  };
  return (
    <Modal open onClose={onClose} title={`Choose the ${label.toLowerCase()}`} wide>
      {catalogue.isPending ? <Loading label="Loading the shop's products…" /> : null}
      <ErrorNotice error={catalogue.error} title="The shop's products could not be loaded" />
      {catalogue.isSuccess && products.length === 0 ? <EmptyShop /> : null}
      {products.length ? (
        <>
          <div className="field product-search">
            <label htmlFor={searchId}>Search products by name</label>
            <input id={searchId} type="search" value={query} onChange={(e) => setQuery(e.target.value)} data-autofocus />
          </div>
          <p className="muted" role="status">
            {multiple ? `${chosen.length} chosen, at most ${most}. The site shows them in the order you choose them.` : "Choose one."}
            {query && shown.length === 0 ? " No product is called that: try other words." : ""}
          </p>
          <ul className="product-choices" aria-label={query ? "Products found" : "Products"}>
            {shown.map((product) => {
              const on = chosen.includes(product.id);
              return (
                <li key={product.id}>
                  <button type="button" className={on ? "product-choice current" : "product-choice"} aria-pressed={on}
                    disabled={!on && ((multiple && full) || !product.active)} onClick={() => toggle(product.id)}>
                    <ProductLook product={product} />
                    <span className="product-mark" aria-hidden="true">{on ? "✓" : ""}</span>
                  </button>
                </li>
              );
            })}
          </ul>
          {products.some((p) => !p.active) ? <p className="hint">Products not on sale cannot be chosen: put them on sale in <Link to="/settings/shop">Settings → Shop</Link>.</p> : null}
        </>
      ) : null}
      <div className="form-actions">
        <Button type="button" onClick={onClose}>Done</Button>
      </div>
    </Modal>
  );
}

export interface ProductPickerProps {
  label: string;
  /** The chosen ids in order (a single product is a list of one). */
  value: string[];
  multiple: boolean;
  most: number;
  readOnly: boolean;
  error: string | undefined;
  onChange(ids: string[]): void;
}

export function ProductPicker({ label, value, multiple, most, readOnly, error, onChange }: ProductPickerProps) {
  const [open, setOpen] = useState(false);
  const labelId = useId();
  const errorId = useId();
  const catalogue = useCatalogue();
  const known = new Map((catalogue.data ?? []).map((p) => [p.id, p]));
  const move = (at: number, by: number) => {
    const next = [...value];
    const [moved] = next.splice(at, 1);
    next.splice(at + by, 0, moved!);
    onChange(next);
  };
  return (
    <div className={error ? "product-picker has-error" : "product-picker"} role="group" aria-labelledby={labelId}
      aria-describedby={error ? errorId : undefined}>
      <p className="product-picker-label" id={labelId}>{label}</p>
      {catalogue.isPending && value.length ? <Loading label="Loading the products…" /> : null}
      <ErrorNotice error={catalogue.error} title="The shop's products could not be loaded" />
      {value.length === 0 ? <p className="muted product-none">No product chosen.</p> : (
        <ol className="product-chosen">
          {value.map((id, at) => {
            const product = known.get(id);
            const name = product?.name ?? "a product no longer in the shop";
            return (
              <li key={id} className="product-row">
                {product ? <ProductLook product={product} />
                  : catalogue.isSuccess ? <span className="product-text muted">A product no longer in the shop: remove it.</span> : null}
                {readOnly ? null : (
                  <span className="product-tools">
                    {multiple && value.length > 1 ? (
                      <>
                        <button type="button" className="btn btn-quiet btn-small" disabled={at === 0} onClick={() => move(at, -1)}>
                          Up<span className="visually-hidden"> {name}</span></button>
                        <button type="button" className="btn btn-quiet btn-small" disabled={at === value.length - 1} onClick={() => move(at, 1)}>
                          Down<span className="visually-hidden"> {name}</span></button>
                      </>
                    ) : null}
                    <button type="button" className="btn btn-quiet btn-small" onClick={() => onChange(value.filter((v) => v !== id))}>
                      Remove<span className="visually-hidden"> {name}</span></button>
                  </span>
                )}
              </li>
            );
          })}
        </ol>
      )}
      {catalogue.isSuccess && catalogue.data.length === 0 ? <EmptyShop /> : null}
      {error ? <p className="field-error" id={errorId}>{error}</p> : null}
      {readOnly ? null : (
        <div className="actions">
          <Button type="button" variant="secondary" onClick={() => setOpen(true)} disabled={catalogue.isSuccess && catalogue.data.length === 0}>
            {value.length === 0 ? (multiple ? "Choose products" : "Choose a product") : (multiple ? "Change the products" : "Change the product")}
            <span className="visually-hidden"> ({label})</span>
          </Button>
        </div>
      )}
      {open ? <CatalogueDialog label={label} chosen={value} most={most} multiple={multiple}
        onChange={onChange} onClose={() => setOpen(false)} /> : null}
    </div>
  );
}

/** The messages rjsf and the server left anywhere under this field (an item's too). */
function messagesIn(errors: ErrorSchema | undefined): string[] {
  if (!errors) return [];
  const own = (errors.__errors ?? []) as string[];
  const nested = Object.entries(errors).filter(([key]) => key !== "__errors").flatMap(([, inner]) => messagesIn(inner as ErrorSchema));
  return [...own, ...nested];
}

/** The picker as the generated form's field for a product prop (registry.ts marks it "ui:field": "products"). */
export function ProductsField({ schema, formData, onChange, fieldPathId, errorSchema, readonly, disabled, name, uiSchema }: FieldProps) {
  const multiple = schema.type === "array";
  const ids = (multiple ? (Array.isArray(formData) ? formData : []) : [formData])
    .filter((id): id is string => typeof id === "string" && id !== "");
  const least = multiple ? Number(schema.minItems ?? 0) : 0;
  const most = multiple ? Number(schema.maxItems ?? 24) : 1;
  const messages = messagesIn(errorSchema);
  // A missing product (a new grid starts with an empty slot) gets the words, not the schema's.
  const error = messages.length === 0 ? undefined
    : ids.length < Math.max(least, 1) ? "Choose a product of the shop to save." : [...new Set(messages)].join(" ");
  const label = String(uiSchema?.["ui:title"] ?? schema.title ?? name);
  return (
    <ProductPicker label={label} value={ids} multiple={multiple} most={most} readOnly={Boolean(readonly || disabled)} error={error}
      onChange={(next) => onChange((multiple ? next : next[0]) as never, fieldPathId.path)} />
  );
}
