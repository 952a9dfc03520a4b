// WCAG 2.x contrast of the pairs visitors meet on the page's own background, worked out as the
// renderer works them out (shared/theme.py `resolve_theme`, the "default" tone): the renderer
// shades text, quiet text and links until they read, and picks button labels itself, so a
// colour that falls short on its own is usually drawn darker rather than shown unreadable.
// Checking the raw palette instead warned about pairs no visitor meets (the Harbour accent on
// white: the renderer never sets text in it). tests/unit/test_studio_contrast.py holds this
// file to shared/theme.py for every preset and a few custom palettes.

const WHITE = "#ffffff";
const BLACK = "#000000";
const NEAR_BLACK = "#111111";

export const TEXT_NEEDS = 4.5; // WCAG AA, normal-size text (1.4.3)
export const UI_NEEDS = 3; // WCAG AA, large text and the parts of controls (1.4.11)

function channel(value: number): number {
  const c = value / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

function hexOf(colour: string): string | null {
  const digits = /^#?([0-9a-f]{6}|[0-9a-f]{3})$/i.exec(colour.trim())?.[1];
  if (digits === undefined) return null;
  return `#${(digits.length === 3 ? [...digits].map((d) => d + d).join("") : digits).toLowerCase()}`;
}

function rgb(hex: string): [number, number, number] {
  return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
}

export function luminance(colour: string): number | null {
  const hex = hexOf(colour);
  if (hex === null) return null;
  const [r, g, b] = rgb(hex).map(channel) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** The contrast ratio of two colours (1 to 21), or null when either is not a hex colour. */
export function contrast(first: string, second: string): number | null {
  const a = luminance(first);
  const b = luminance(second);
  if (a === null || b === null) return null;
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}

const ratio = (first: string, second: string): number => contrast(first, second) ?? 1;

// Python's round() rounds halves to even; the renderer's shades are made with it.
function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const part = value - floor;
  if (Math.abs(part - 0.5) > 1e-9) return Math.round(value);
  return floor % 2 === 0 ? floor : floor + 1;
}

/** `amount` of `colour` over `other` (1 is `colour` itself). */
function mix(colour: string, other: string, amount: number): string {
  const [a, b] = [rgb(colour), rgb(other)];
  return `#${a.map((v, i) => roundHalfEven(v * amount + b[i]! * (1 - amount)).toString(16).padStart(2, "0")).join("")}`;
}

const isLight = (colour: string): boolean => ratio(colour, BLACK) >= ratio(colour, WHITE);

/** Near-black or white, whichever reads better on `background`; pure black where neither reaches AA. */
export function readableOn(background: string): string {
  const best = ratio(NEAR_BLACK, background) >= ratio(WHITE, background) ? NEAR_BLACK : WHITE;
  return ratio(best, background) >= TEXT_NEEDS || (best === WHITE && ratio(WHITE, background) >= ratio(BLACK, background))
    ? best : BLACK;
}

/** `colour`, or the nearest shade of it (towards black or white) that meets `needed` on every background. */
export function readable(colour: string, backgrounds: string[], needed = TEXT_NEEDS): string {
  if (backgrounds.every((b) => ratio(colour, b) >= needed)) return colour;
  const towards = isLight(backgrounds[0]!) ? BLACK : WHITE;
  for (let step = 1; step < 26; step += 1) {
    const shade = mix(colour, towards, 1 - step / 25);
    if (backgrounds.every((b) => ratio(shade, b) >= needed)) return shade;
  }
  return towards;
}

function bestText(background: string, darkChoice: string, lightChoice: string): string {
  for (const candidate of isLight(background) ? [darkChoice, lightChoice] : [lightChoice, darkChoice]) {
    if (ratio(candidate, background) >= TEXT_NEEDS) return candidate;
  }
  return readableOn(background);
}

export interface Palette { background: string; surface: string; text: string; muted: string; primary: string; accent: string }
export type Overrides = Partial<Record<keyof Palette | "on_primary", string>>;

/** The colours of the page's own background as the renderer draws them. */
export interface Drawn {
  background: string; card: string; text: string; muted: string; link: string; control: string;
  primary: string; onPrimary: string; accent: string; onAccent: string;
}

/** The preset's palette with the owner's colours, resolved as shared/theme.py does for the default tone. */
export function drawn(preset: Palette, chosen: Overrides): Drawn {
  const pick = (key: keyof Overrides): string | null => (chosen[key] ? hexOf(chosen[key]!) : null);
  const background = pick("background") ?? preset.background;
  let surface = pick("surface") ?? preset.surface;
  if (!pick("surface") && pick("background")) surface = mix(background, readableOn(background), 0.95);
  const primary = pick("primary") ?? preset.primary;
  const accent = pick("accent") ?? preset.accent;
  const text = readable(pick("text") ?? preset.text, [background]);
  const muted = readable(pick("muted") ?? preset.muted, [background, surface]);
  const ownOnPrimary = pick("on_primary");
  const onPrimary = ownOnPrimary && ratio(ownOnPrimary, primary) >= TEXT_NEEDS ? ownOnPrimary : bestText(primary, text, background);
  const onAccent = bestText(accent, text, background);
  // light_tone: a card no text colour can share with the band is moved towards the band
  let card = surface;
  let colours = [text, muted, primary];
  for (let step = 0; step <= 10; step += 1) {
    card = mix(background, surface, step / 10);
    colours = [text, muted, primary].map((c) => readable(c, [background, card]));
    if (colours.every((c) => ratio(c, background) >= TEXT_NEEDS && ratio(c, card) >= TEXT_NEEDS)) break;
  }
  const [toneText, toneMuted, link] = colours as [string, string, string];
  return { background, card, text: toneText, muted: toneMuted, link,
    control: readable(mix(toneText, background, 0.45), [background, card], UI_NEEDS),
    primary, onPrimary: readable(onPrimary, [primary]), accent, onAccent };
}

export interface PairCheck {
  pair: string;
  /** The colour asked for (the preset's or the owner's) and the one visitors see. */
  asked: string;
  shown: string;
  on: string;
  askedRatio: number;
  shownRatio: number;
  needed: number;
  /** "refused": the site will not save it; "fails": visitors meet it unreadable; "shaded": drawn darker so it reads. */
  verdict: "passes" | "shaded" | "fails" | "refused";
  suggestion: string;
}

/** Every pair visitors meet on the page's background, with what the renderer makes of the chosen colours. */
export function checkPairs(preset: Palette, chosen: Overrides): PairCheck[] {
  const d = drawn(preset, chosen);
  const own = (key: keyof Overrides) => Boolean(chosen[key] && hexOf(chosen[key]!));
  const pairs: [string, string, string, string, number, boolean][] = [
    // [pair, asked, shown, on, needed, refused when it falls short (shared/theme.py check_chosen_pairs)]
    ["Text on the background", own("text") ? chosen.text! : preset.text, d.text, d.background, TEXT_NEEDS, own("text")],
    ["Text on cards", d.text, d.text, d.card, TEXT_NEEDS, false],
    ["Quiet text (captions, hours)", own("muted") ? chosen.muted! : preset.muted, d.muted, d.background, TEXT_NEEDS, false],
    ["Links on the background", d.primary, d.link, d.background, TEXT_NEEDS, false],
    ["Links on cards", d.primary, d.link, d.card, TEXT_NEEDS, false],
    ["Button labels on the primary colour", d.onPrimary, d.onPrimary, d.primary, TEXT_NEEDS, own("on_primary")],
    ["Button labels on the accent colour", d.onAccent, d.onAccent, d.accent, TEXT_NEEDS, false],
    ["Form field borders on the background", d.control, d.control, d.background, UI_NEEDS, false],
  ];
  return pairs.map(([pair, askedRaw, shown, on, needed, strict]) => {
    const asked = hexOf(askedRaw) ?? askedRaw;
    const askedRatio = ratio(asked, on);
    const shownRatio = ratio(shown, on);
    const verdict = strict && askedRatio < needed ? "refused"
      : shownRatio < needed ? "fails" : asked !== shown ? "shaded" : "passes";
    return { pair, asked, shown, on, askedRatio, shownRatio, needed, verdict, suggestion: readable(asked, [on], needed) };
  });
}

/** The sentence for one pair that needs a word: which pair, its ratio, what to do. */
export function describe(check: PairCheck): string {
  const r = (value: number) => `${(Math.floor(value * 100) / 100).toFixed(2)}:1`;
  switch (check.verdict) {
    case "refused":
      return `${check.pair}: ${check.asked} on ${check.on} is ${r(check.askedRatio)}, text needs ${check.needed}:1, so the site `
        + `will not save it. Try ${check.suggestion}, or use the preset's colour.`;
    case "fails":
      return `${check.pair}: ${check.shown} on ${check.on} is ${r(check.shownRatio)}, needs ${check.needed}:1. Try ${check.suggestion}.`;
    case "shaded":
      return `${check.pair}: ${check.asked} would be ${r(check.askedRatio)}, so visitors see ${check.shown} (${r(check.shownRatio)}). `
        + `Choose one with more contrast to keep your own.`;
    default:
      return `${check.pair}: ${r(check.shownRatio)}.`;
  }
}
