// WCAG 2.x contrast, computed in the page so a colour shows its warning as it is picked
// (the server refuses an unreadable text/background pair on save; this says so sooner).

function channel(value: number): number {
  const c = value / 255;
  return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

export function luminance(hex: string): number | null {
  const digits = /^#?([0-9a-f]{6}|[0-9a-f]{3})$/i.exec(hex.trim())?.[1];
  if (digits === undefined) return null;
  const full = digits.length === 3 ? [...digits].map((d) => d + d).join("") : digits;
  const [r = 0, g = 0, b = 0] = [0, 2, 4].map((i) => channel(parseInt(full.slice(i, i + 2), 16)));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** The contrast ratio of two colours (1 to 21), or null when either is not a hex colour. */
export function contrast(first: string, second: string): number | null {
  const a = luminance(first);
  const b = luminance(second);
  if (a === null || b === null) return null;
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}

export interface ContrastCheck { pair: string; ratio: number; needed: number }

/** The pairs of a palette that fall short: text needs 4.5:1, buttons and links as shapes 3:1. */
export function contrastWarnings(colors: { background: string; surface: string; text: string; muted: string; primary: string; accent: string }): ContrastCheck[] {
  const pairs: [string, string, string, number][] = [
    ["Text on the background", colors.text, colors.background, 4.5],
    ["Text on cards", colors.text, colors.surface, 4.5],
    ["Quiet text on the background", colors.muted, colors.background, 4.5],
    ["Links (primary) on the background", colors.primary, colors.background, 4.5],
    ["Accent on the background", colors.accent, colors.background, 3],
  ];
  return pairs.flatMap(([pair, fg, bg, needed]) => {
    const ratio = contrast(fg, bg);
    return ratio !== null && ratio < needed ? [{ pair, ratio, needed }] : [];
  });
}

/** White or near-black, whichever reads better on `background` (button labels in the preview). */
export function readableOn(background: string): string {
  return (contrast("#ffffff", background) ?? 0) >= (contrast("#111111", background) ?? 0) ? "#ffffff" : "#111111";
}
