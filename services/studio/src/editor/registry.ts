// The component registry (GET /api/cms/registry) as the editor uses it: which children a
// container may hold, each component's description, and its props schema made ready for the
// generated form (refs inlined, "string or null" made a plain field, asset, product and
// long-text fields given their widgets). No component has a hand-written form.

import { useQuery } from "@tanstack/react-query";
import type { RJSFSchema, UiSchema } from "@rjsf/utils";

import { api } from "../api/client";

type Schema = Record<string, unknown>;

export interface ComponentSpec {
  description: string;
  props: Schema;
  children: string[];
}

export interface Registry {
  version: number;
  components: Record<string, ComponentSpec>;
}

export function useRegistry() {
  return useQuery({
    queryKey: ["cms-registry"],
    queryFn: ({ signal }) => api.get<Registry>("/api/cms/registry", signal),
    staleTime: Infinity,
  });
}

export function mayHold(registry: Registry, parent: string, child: string): boolean {
  return registry.components[parent]?.children.includes(child) ?? false;
}

const WORDS: Record<string, string> = { cta: "button", href: "link", alt: "alt text", url: "address", id: "" };

/** `secondary_href` → "Secondary link": field labels from the schema's own names. */
export function humanize(name: string): string {
  const words = name.split("_").map((w) => WORDS[w] ?? w).filter(Boolean).join(" ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Where a field is, as a person says it: ["links", "2", "href"] → "Links, item 3, link". */
export function fieldName(path: string[]): string {
  return path.map((step) => (/^\d+$/.test(step) ? `item ${Number(step) + 1}` : humanize(step))).join(", ").toLowerCase()
    .replace(/^./, (first) => first.toUpperCase());
}

function resolve(schema: Schema, defs: Record<string, Schema>, depth: number): Schema {
  if (depth > 10) return {};
  const ref = schema.$ref;
  if (typeof ref === "string" && ref.startsWith("#/$defs/")) {
    const { $ref: _drop, ...rest } = schema;
    return resolve({ ...defs[ref.slice("#/$defs/".length)], ...rest }, defs, depth + 1);
  }
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === "$defs") continue;
    if (key === "properties" && value && typeof value === "object") {
      out.properties = Object.fromEntries(Object.entries(value as Record<string, Schema>).map(([name, prop]) =>
        [name, { title: humanize(name), ...resolve(prop, defs, depth + 1) }]));
    } else if (key === "items" && value && typeof value === "object") {
      out.items = resolve(value as Schema, defs, depth + 1);
    } else if (key === "anyOf" && Array.isArray(value)) {
      // "a value or null": the form edits the value; leaving it empty sends null (see below).
      const options = (value as Schema[]).filter((option) => option.type !== "null");
      if (options.length === 1 && options.length < value.length) {
        Object.assign(out, resolve(options[0]!, defs, depth + 1), { "x-nullable": true });
      }
      else out.anyOf = (value as Schema[]).map((option) => resolve(option, defs, depth + 1));
    } else out[key] = value;
  }
  delete out.title;
  // An empty "value or null" field is sent as null (propsOut); a null default would only
  // make the form fill the field with a value its own schema refuses.
  if (out["x-nullable"] && out.default === null) delete out.default;
  return out;
}

export interface PropsForm {
  schema: RJSFSchema;
  uiSchema: UiSchema;
  nullable: Set<string>;
}

// Images carry the registry's "x-asset" marker, products its "x-product" (services/cms/registry.py).
function isProductRef(schema: Schema): boolean {
  const id = schema.type === "array" ? (schema.items ?? {}) as Schema : schema;
  return Boolean(id["x-product"]);
}

function uiFor(schema: Schema): UiSchema {
  const ui: UiSchema = {};
  // The picker names itself (its own label and description).
  if (schema["x-asset"]) Object.assign(ui, { "ui:widget": "asset", "ui:label": false, "ui:description": "" });
  // Long prose (markdown, answers, bodies) gets a text area; links and short labels a line.
  else if (schema.type === "string" && !schema.enum && !schema.pattern && !schema.format
    && (schema.maxLength === undefined || Number(schema.maxLength) > 300)) ui["ui:widget"] = "textarea";
  if (schema.type === "array" && schema.items) {
    ui.items = uiFor(schema.items as Schema);
    ui["ui:options"] = { orderable: true, addable: true, removable: true };
  }
  if (schema.properties) {
    for (const [name, prop] of Object.entries(schema.properties as Record<string, Schema>)) {
      ui[name] = isProductRef(prop)
        ? { "ui:field": "products", "ui:title": prop.type === "array" ? "Products" : "Product", "ui:label": false, "ui:hideError": true }
        : uiFor(prop);
    }
  }
  return ui;
}

const forms = new Map<string, PropsForm>();

/** The generated form of one component's props (made once per component and registry version). */
export function propsForm(registry: Registry, component: string): PropsForm | null {
  const spec = registry.components[component];
  if (!spec) return null;
  const key = `${registry.version}:${component}`;
  const known = forms.get(key);
  if (known) return known;
  const defs = (spec.props.$defs ?? {}) as Record<string, Schema>;
  const schema = resolve(spec.props, defs, 0);
  const nullable = new Set(Object.entries((schema.properties ?? {}) as Record<string, Schema>)
    .filter(([, prop]) => prop["x-nullable"]).map(([name]) => name));
  const form = { schema: schema as RJSFSchema, uiSchema: { ...uiFor(schema), "ui:submitButtonOptions": { norender: true } }, nullable };
  forms.set(key, form);
  return form;
}

/** The props as the form edits them: a null "value or null" field is an empty one. */
export function propsIn(form: PropsForm, props: Record<string, unknown>): Record<string, unknown> {
  const out = { ...props };
  for (const name of form.nullable) if (out[name] === null) delete out[name];
  return out;
}

/** The form's data as the API wants it: an emptied "value or null" field is null, not absent. */
export function propsOut(form: PropsForm, data: Record<string, unknown>): Record<string, unknown> {
  const out = { ...data };
  for (const name of form.nullable) if (out[name] === undefined || out[name] === "") out[name] = null;
  return out;
}

/** Props a new node starts with: the schema's defaults, and a first value for what is required. */
export function starterProps(registry: Registry, component: string): Record<string, unknown> {
  const form = propsForm(registry, component);
  if (!form) return {};
  const valueOf = (schema: Schema, name: string): unknown => {
    if ("default" in schema) return schema.default;
    if (Array.isArray(schema.enum)) return schema.enum[0];
    switch (schema.type) {
      case "string": {
        if (schema.format === "uuid") return null;
        // A pattern (a link's) takes the first of a few plain values it admits.
        if (typeof schema.pattern === "string") {
          const pattern = new RegExp(schema.pattern, "u");
          return ["/", "#", name, ""].find((value) => pattern.test(value)) ?? "";
        }
        return humanize(name);
      }
      case "integer": case "number": return schema.minimum ?? 0;
      case "boolean": return false;
      case "array": return Array.from({ length: Number(schema.minItems ?? 0) }, () => valueOf((schema.items ?? {}) as Schema, name));
      case "object": return objectOf(schema);
      default: return null;
    }
  };
  const objectOf = (schema: Schema): Record<string, unknown> => {
    const required = new Set((schema.required ?? []) as string[]);
    const out: Record<string, unknown> = {};
    for (const [name, prop] of Object.entries((schema.properties ?? {}) as Record<string, Schema>)) {
      if (required.has(name) || "default" in prop) out[name] = valueOf(prop, name);
    }
    return out;
  };
  return objectOf(form.schema as Schema);
}

export type PropPath = (string | number)[];

/** The pictures a change of props chose, each with where it is, where its alt text goes (the
 * registry's rule: the sibling `<key>_alt`, else `alt`), what that alt text is now and which
 * picture it was written for; at any depth (a gallery's items too). */
export interface ChosenImage { id: string; image: PropPath; alt: PropPath; altNow: string; previous: string | null }

export function chosenImages(form: PropsForm, before: Record<string, unknown>, after: Record<string, unknown>): ChosenImage[] {
  const found: ChosenImage[] = [];
  const walk = (schema: Schema, was: unknown, now: unknown, at: PropPath) => {
    if (!now || typeof now !== "object") return;
    if (Array.isArray(now)) {
      const items = (schema.items ?? {}) as Schema;
      now.forEach((item, index) => walk(items, Array.isArray(was) ? was[index] : undefined, item, [...at, index]));
      return;
    }
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    const old = (was && typeof was === "object" ? was : {}) as Record<string, unknown>;
    const value = now as Record<string, unknown>;
    for (const [key, prop] of Object.entries(properties)) {
      if (prop["x-asset"]) {
        const alt = `${key}_alt` in properties ? `${key}_alt` : "alt" in properties ? "alt" : null;
        const id = value[key];
        if (alt && typeof id === "string" && id && id !== old[key]) {
          found.push({ id, image: [...at, key], alt: [...at, alt], altNow: String(value[alt] ?? "").trim(),
            previous: typeof old[key] === "string" && old[key] ? String(old[key]) : null });
        }
      } else if (prop.type === "object" || prop.type === "array") walk(prop, old[key], value[key], [...at, key]);
    }
  };
  walk(form.schema as Schema, before, after, []);
  return found;
}
