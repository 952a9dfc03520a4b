// Site & theme: the site's name, a preset (with its swatches), the colours and fonts the
// owner overrides, the brand kit the AI writes with, a live preview styled from the chosen
// tokens as the renderer draws them, and the contrast of every pair visitors meet.

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState, type CSSProperties, type FormEvent } from "react";

import { call } from "../api/client";
import type { Role, TenantOut } from "../api/types";
import { Button, ErrorNotice, Loading, SelectField, TextArea, TextField } from "../ui";
import { checkPairs, describe, drawn } from "./contrast";
import { ReadOnlyNote, SectionTitle } from "./parts";
import type { PresetOption, ThemeDocument, ThemeOptions } from "./types";

type ColorKey = "primary" | "accent" | "background" | "text";
const COLOR_LABELS: [ColorKey, string][] = [["primary", "Primary (buttons, links)"], ["accent", "Accent"],
  ["background", "Background"], ["text", "Text"]];

export function SiteTheme({ canChange }: { role: Role; canChange: boolean }) {
  const tenant = useQuery({ queryKey: ["tenant"], queryFn: ({ signal }) => call<TenantOut>("GET", "/api/identity/tenant", { signal }) });
  const options = useQuery({ queryKey: ["theme-options"], staleTime: Infinity,
    queryFn: ({ signal }) => call<ThemeOptions>("GET", "/api/identity/theme/options", { signal }) });
  return (
    <section aria-labelledby="site-title">
      <SectionTitle id="site-title" title="Site & theme" lead="How the site looks and sounds: its name, colours, fonts and voice." />
      {!canChange ? <ReadOnlyNote who="the site's owners" /> : null}
      <ErrorNotice error={tenant.error ?? options.error} title="We could not load the theme" />
      {tenant.data && options.data
        ? <ThemeForm tenant={tenant.data} options={options.data} canChange={canChange} />
        : !tenant.error && !options.error ? <Loading label="Loading the theme…" /> : null}
    </section>
  );
}

function ThemeForm({ tenant, options, canChange }: { tenant: TenantOut; options: ThemeOptions; canChange: boolean }) {
  const queries = useQueryClient();
  const stored = tenant.theme as ThemeDocument;
  const [name, setName] = useState(tenant.name);
  const [preset, setPreset] = useState(stored.preset ?? options.default_preset);
  const [colors, setColors] = useState<ThemeDocument["colors"]>(stored.colors ?? {});
  const [fonts, setFonts] = useState(stored.fonts ?? {});
  const [brand, setBrand] = useState(stored.brand ?? {});
  const [saved, setSaved] = useState(false);
  useEffect(() => setSaved(false), [name, preset, colors, fonts, brand]);

  // the options always hold the default preset; a stored name no longer offered falls back to it
  const chosen: PresetOption = options.presets.find((p) => p.name === preset)
    ?? options.presets.find((p) => p.name === options.default_preset)!;
  const palette = { ...chosen.palette, ...Object.fromEntries(Object.entries(colors ?? {}).filter(([, v]) => v)) };
  const headingFont = fonts.heading || chosen.fonts.heading || "serif";
  const bodyFont = fonts.body || chosen.fonts.body || "sans-serif";
  const overrides = Object.fromEntries(Object.entries(colors ?? {}).filter(([, v]) => v));
  const shown = drawn(chosen.palette, overrides);
  const pairs = checkPairs(chosen.palette, overrides);
  const warnings = pairs.filter((p) => p.verdict === "fails" || p.verdict === "refused");
  const shaded = pairs.filter((p) => p.verdict === "shaded");

  const save = useMutation({
    mutationFn: async () => {
      const theme: ThemeDocument = { preset };
      const overridden = Object.fromEntries(Object.entries(colors ?? {}).filter(([, v]) => v));
      if (Object.keys(overridden).length) theme.colors = overridden;
      const chosenFonts = Object.fromEntries(Object.entries(fonts).filter(([, v]) => v));
      if (Object.keys(chosenFonts).length) theme.fonts = chosenFonts;
      const kit = Object.fromEntries(Object.entries(brand).filter(([, v]) => v));
      if (Object.keys(kit).length) theme.brand = kit;
      let answer = await call<TenantOut>("PUT", "/api/identity/tenant/theme", { json: theme });
      if (name.trim() !== tenant.name) answer = await call<TenantOut>("PATCH", "/api/identity/tenant", { json: { name: name.trim() } });
      return answer;
    },
    onSuccess: (answer) => {
      queries.setQueryData(["tenant"], answer);
      setSaved(true);
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  const setColor = (key: ColorKey, value: string) => setColors({ ...colors, [key]: value });

  // The preview uses the colours visitors get, shaded where the renderer shades them.
  const preview = {
    "--pv-bg": shown.background, "--pv-surface": shown.card, "--pv-text": shown.text, "--pv-muted": shown.muted,
    "--pv-primary": shown.primary, "--pv-on-primary": shown.onPrimary, "--pv-link": shown.link, "--pv-accent": shown.accent,
    "--pv-heading": `"${headingFont}", serif`, "--pv-body": `"${bodyFont}", sans-serif`, "--pv-radius": `${chosen.radius}px`,
  } as CSSProperties;

  return (
    <div className="theme-layout">
      <form onSubmit={submit} className="card settings-form" aria-label="Site and theme">
        <fieldset disabled={!canChange} className="plain-fieldset">
          <TextField label="Site name" name="name" required maxLength={120} value={name} onChange={(e) => setName(e.target.value)} />
          <fieldset className="preset-picker">
            <legend>Theme preset</legend>
            <div className="preset-grid">
              {options.presets.map((option) => (
                <label key={option.name} className={option.name === preset ? "preset chosen" : "preset"}>
                  <input type="radio" name="preset" value={option.name} checked={option.name === preset}
                    onChange={() => setPreset(option.name)} />
                  <span className="preset-text">
                    <span className="preset-name">{option.label}</span>
                    <span className="swatches" aria-hidden="true">
                      {(["background", "primary", "accent", "text"] as const).map((key) => (
                        <span key={key} className="swatch" style={{ background: option.palette[key] }} />
                      ))}
                    </span>
                  </span>
                </label>
              ))}
            </div>
            <p className="hint">{chosen.description}</p>
          </fieldset>
          <fieldset className="plain-fieldset">
            <legend className="group-legend">Colours <span className="muted">(leave one as the preset's to keep it)</span></legend>
            <div className="color-row">
              {COLOR_LABELS.map(([key, label]) => (
                <div className="field color-field" key={key}>
                  <label htmlFor={`color-${key}`}>{label}</label>
                  <span className="color-input">
                    <input id={`color-${key}`} type="color" value={palette[key]} onChange={(e) => setColor(key, e.target.value)} />
                    <span className="mono">{palette[key]}</span>
                    {colors?.[key] ? <button type="button" className="link-button" onClick={() => setColor(key, "")}>
                      Use the preset's<span className="visually-hidden"> {label.toLowerCase()}</span></button> : null}
                  </span>
                </div>
              ))}
            </div>
          </fieldset>
          <div className="field-row">
            <SelectField label="Heading font" value={fonts.heading ?? ""} onChange={(e) => setFonts({ ...fonts, heading: e.target.value })}>
              <option value="">The preset's ({chosen.fonts.heading ?? "default"})</option>
              {options.fonts.map((font) => <option key={font.name} value={font.name}>{font.name}</option>)}
            </SelectField>
            <SelectField label="Body font" value={fonts.body ?? ""} onChange={(e) => setFonts({ ...fonts, body: e.target.value })}>
              <option value="">The preset's ({chosen.fonts.body ?? "default"})</option>
              {options.fonts.map((font) => <option key={font.name} value={font.name}>{font.name}</option>)}
            </SelectField>
          </div>
          <fieldset className="plain-fieldset">
            <legend className="group-legend">Brand kit <span className="muted">(the AI writes with it)</span></legend>
            <TextField label="Voice" placeholder="warm, plain-spoken, a little wry" maxLength={200} value={brand.voice ?? ""}
              onChange={(e) => setBrand({ ...brand, voice: e.target.value })} />
            <TextField label="Audience" placeholder="young families in the neighbourhood" maxLength={200} value={brand.audience ?? ""}
              onChange={(e) => setBrand({ ...brand, audience: e.target.value })} />
            <TextArea label="Notes" hint="Words to avoid, claims to make, the story." rows={3} value={brand.notes ?? ""}
              onChange={(e) => setBrand({ ...brand, notes: e.target.value })} />
          </fieldset>
          <ErrorNotice error={save.error} title="The theme was not saved" />
          {saved ? <p className="notice notice-success" role="status">Saved. The live site uses the new theme now.</p> : null}
          {canChange ? <div className="form-actions"><Button type="submit" busy={save.isPending} busyLabel="Saving…">Save theme</Button></div> : null}
        </fieldset>
      </form>
      <aside className="theme-side" aria-label="Preview">
        <h2>Preview</h2>
        <div className="theme-preview" style={preview} data-preset={preset}>
          <p className="pv-eyebrow">{name || tenant.name}</p>
          <p className="pv-heading">Fresh every morning</p>
          <p className="pv-body">A sample of your pages in the chosen colours and fonts.</p>
          <div className="pv-card"><p className="pv-body">A card on the surface colour, with <span className="pv-link">a link</span>.</p>
            <p className="pv-muted">Quieter text, such as opening hours.</p></div>
          <span className="pv-button">Book a table</span>
        </div>
        {warnings.length ? (
          <div className="notice notice-warning contrast-warnings" role="status">
            <p className="notice-title">Hard to read</p>
            <ul>{warnings.map((w) => <li key={w.pair}>{describe(w)}</li>)}</ul>
          </div>
        ) : <p className="notice notice-success contrast-ok" role="status">Every pair visitors meet reads at WCAG AA: text at 4.5:1, field borders at 3:1.</p>}
        {shaded.length ? (
          <div className="notice notice-info contrast-shaded">
            <p className="notice-title">Shaded so they read</p>
            <ul>{shaded.map((w) => <li key={w.pair}>{describe(w)}</li>)}</ul>
          </div>
        ) : null}
      </aside>
    </div>
  );
}
