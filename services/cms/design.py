"""The design system: a tenant's resolved theme tokens (shared/theme.py) as the page's CSS.

One stylesheet per token set: the custom properties of the shared vocabulary on :root, the
four section tones, and the base rules every component builds on (type scale, rhythm,
containers, buttons, cards, grids, forms, focus, motion). Components write only their own
classes, in render.py, and read only these variables. Every colour comes from the tokens,
whose text/background pairs are AA by construction; a token reaches the CSS only as a hex
colour, a catalogue font stack or a number, so a stored theme cannot inject CSS.
The result is memoized per token set: rendering a page must not rebuild it."""

from __future__ import annotations

import re
from functools import lru_cache

from shared import fonts
from shared.theme import Tokens, Tone, is_light, rgb

# The fluid type scale runs between these viewport widths (rem).
NARROW, WIDE = 22.5, 80.0
BODY_SIZE = {"compact": (1.0, 1.0625), "comfortable": (1.0, 1.125), "airy": (1.0625, 1.1875)}
SPACE = (0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0)  # --space-1 … --space-9 at comfortable density
DENSITY = {"compact": 0.85, "comfortable": 1.0, "airy": 1.2}
SECTION_PAD = {"compact": (2.75, 4.5), "comfortable": (3.5, 6.0), "airy": (4.25, 8.0)}


def fluid(low: float, high: float) -> str:
    """A clamp() growing linearly from `low` rem at the narrow viewport to `high` rem at the wide one."""
    slope = (high - low) / (WIDE - NARROW)
    return f"clamp({low:.4g}rem,{low - slope * NARROW:.4g}rem + {slope * 100:.4g}vw,{high:.4g}rem)"


def type_scale(tokens: Tokens) -> list[str]:
    small, large = BODY_SIZE.get(tokens.density, BODY_SIZE["comfortable"])
    narrow_ratio, wide_ratio = tokens.scale
    return [f"--step-{step}:{fluid(small * narrow_ratio ** step, large * wide_ratio ** step)}"
            for step in range(-1, 6)]


def tone_properties(tone: Tone) -> str:
    return (f"--tone-bg:{tone.bg};--tone-text:{tone.text};--tone-muted:{tone.muted};--tone-link:{tone.link};"
            f"--tone-border:{tone.border};--tone-card:{tone.card};--tone-btn-bg:{tone.btn_bg};"
            f"--tone-btn-text:{tone.btn_text};--tone-control:{tone.control};--tone-badge:{tone.badge};"
            f"--tone-mark:{tone.mark};"
            f"--tone-error:{tone.error};--tone-field:{tone.field};--focus-ring:0 0 0 3px {tone.link}")


def shadows(tokens: Tokens) -> str:
    r, g, b = rgb(tokens.dark) if is_light(tokens.background) else (0, 0, 0)
    strength = 1.0 if is_light(tokens.background) else 3.0  # shadows must show on a dark page too
    def colour(alpha: float) -> str:
        return f"rgba({r},{g},{b},{min(alpha * strength, 0.6):.3g})"
    return (f"--shadow-sm:0 1px 2px {colour(0.05)},0 1px 3px {colour(0.07)};"
            f"--shadow-md:0 2px 4px {colour(0.05)},0 8px 20px -4px {colour(0.12)};"
            f"--shadow-lg:0 4px 8px {colour(0.05)},0 24px 48px -12px {colour(0.22)}")


def scheme(background: str) -> str:
    return "light" if is_light(background) else "dark"


def root(tokens: Tokens) -> str:
    factor = DENSITY.get(tokens.density, 1.0)
    pad_low, pad_high = SECTION_PAD.get(tokens.density, SECTION_PAD["comfortable"])
    heading = fonts.family(tokens.heading_font)
    serif_heading = heading.category == "serif"
    radius = tokens.radius
    properties = [
        f"--c-bg:{tokens.background};--c-surface:{tokens.surface};--c-text:{tokens.text};--c-muted:{tokens.muted};"
        f"--c-border:{tokens.border};--c-primary:{tokens.primary};--c-on-primary:{tokens.on_primary};"
        f"--c-accent:{tokens.accent};--c-on-accent:{tokens.on_accent};--c-dark:{tokens.dark};"
        f"--c-on-dark:{tokens.on_dark}",
        tone_properties(tokens.tone("default")),
        f"--font-heading:{heading.stack};--font-body:{fonts.stack(tokens.body_font)};"
        f"--heading-weight:{tokens.heading_weight}",
        *type_scale(tokens),
        f"--leading-tight:{1.12 if serif_heading else 1.15};--leading-body:{1.7 if tokens.density == 'airy' else 1.6};"
        f"--tracking-tight:{'-0.01em' if serif_heading else '-0.022em'}",
        *(f"--space-{i}:{value * factor:.4g}rem" for i, value in enumerate(SPACE, start=1)),
        f"--section-pad:{fluid(pad_low, pad_high)};--gap:{fluid(1.0 * factor, 2.0 * factor)};"
        f"--gutter:{fluid(1.25, 3.0)}",
        "--content:72rem;--content-narrow:44rem;--content-wide:88rem",
        f"--radius:{radius}px;--radius-lg:{0 if radius == 0 else min(radius * 2, radius + 12)}px;"
        f"--radius-pill:{0 if radius == 0 else 999}px",
        shadows(tokens),
        f"color-scheme:{scheme(tokens.background)}",
    ]
    # color-scheme: native controls (checkboxes, selects' menus, scrollbars) match their band.
    tones = "".join(f".tone-{t.name}{{{tone_properties(t)};color-scheme:{scheme(t.bg)};"
                    "background-color:var(--tone-bg);color:var(--tone-text)}" for t in tokens.tones)
    collapse = "".join(f".section.tone-{t.name}+.section.tone-{t.name}{{padding-top:0}}" for t in tokens.tones)
    return ":root{" + ";".join(properties) + "}" + tones + collapse


BASE = """
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%;scroll-padding-top:6rem}
body{margin:0;min-height:100vh;font-family:var(--font-body);font-size:var(--step-0);line-height:var(--leading-body);
 color:var(--tone-text);background:var(--tone-bg);-webkit-font-smoothing:antialiased;-moz-osx-font-smoothing:grayscale;
 text-rendering:optimizeLegibility;font-kerning:normal;overflow-wrap:break-word}
img,picture,svg,video,iframe{display:block;max-width:100%}
img,video{height:auto}
:where(p,ul,ol,dl,blockquote,figure,pre,h1,h2,h3,h4,h5,h6){margin:0}
:where(p,ul,ol,dl,blockquote,pre,figure)+:where(p,ul,ol,dl,blockquote,pre,figure,h2,h3,h4){margin-top:1em}
:where(ul,ol){padding-left:1.25em}
:where(ul:not([class],[role=list])>li+li,ol:not([class],[role=list])>li+li){margin-top:.35em}
h1,h2,h3,h4,h5,h6{font-family:var(--font-heading);font-weight:var(--heading-weight);line-height:var(--leading-tight);
 letter-spacing:var(--tracking-tight);color:inherit;text-wrap:balance}
h1{font-size:var(--step-5)}h2{font-size:var(--step-4)}h3{font-size:var(--step-2)}
h4{font-size:var(--step-1)}h5,h6{font-size:var(--step-0)}
p,li,dd{text-wrap:pretty}
strong,b{font-weight:700}
small{font-size:var(--step--1)}
a{color:var(--tone-link);text-decoration-line:underline;text-decoration-thickness:max(1px,.07em);
 text-underline-offset:.22em;transition:text-decoration-thickness .15s ease,color .15s ease}
a:hover{text-decoration-thickness:max(2px,.12em)}
hr{border:0;border-top:1px solid var(--tone-border);margin:0}
blockquote{font-family:var(--font-heading);font-size:var(--step-1);line-height:1.45}
code,kbd,pre{font-family:ui-monospace,'SFMono-Regular',Menlo,Consolas,monospace;font-size:.9em}
:not(pre)>code{background:var(--tone-card);border:1px solid var(--tone-border);border-radius:4px;padding:.05em .35em}
pre{background:var(--tone-card);border:1px solid var(--tone-border);border-radius:var(--radius);padding:var(--space-4);
 overflow-x:auto}
::selection{background:var(--c-accent);color:var(--c-on-accent)}
:focus-visible{outline:3px solid var(--tone-link);outline-offset:3px}
.wrap,.wrap-narrow,.wrap-wide{width:min(100% - 2 * var(--gutter),var(--content));margin-inline:auto}
.wrap-narrow{width:min(100% - 2 * var(--gutter),var(--content-narrow))}
.wrap-wide{width:min(100% - 2 * var(--gutter),var(--content-wide))}
.wrap .wrap-narrow,.wrap .wrap-wide,.wrap .wrap{width:100%;max-width:var(--content-narrow)}
.wrap .wrap-wide,.wrap .wrap{max-width:none}
.section{padding-block:var(--section-pad);position:relative}
.stack{display:flex;flex-direction:column;gap:var(--space-5)}
.stack>*{margin-block:0}
.stack>:not(h1,h2,h3,h4,h5,h6,p,blockquote,.eyebrow,.lead,.btn-row)+:not(h1,h2,h3,h4,h5,h6,p,.eyebrow,.lead,.btn-row){
 margin-top:calc(var(--space-8) - var(--space-5))}
.eyebrow{display:block;font-family:var(--font-body);font-size:var(--step--1);font-weight:600;line-height:1.3;
 letter-spacing:.12em;text-transform:uppercase;color:var(--tone-link)}
.stack>.eyebrow{margin-bottom:calc(var(--space-2) - var(--space-5))}
.lead{font-size:var(--step-1);line-height:1.55;color:var(--tone-muted)}
.btn{display:inline-flex;align-items:center;justify-content:center;gap:.55em;min-height:2.75rem;padding:.72em 1.4em;
 font-family:var(--font-body);font-size:var(--step-0);font-weight:600;line-height:1.2;letter-spacing:.005em;
 text-align:center;text-decoration:none;border:1.5px solid transparent;border-radius:var(--radius);cursor:pointer;
 transition:background-color .18s ease,border-color .18s ease,color .18s ease,box-shadow .18s ease,transform .18s ease}
.btn:hover{text-decoration:none}
.btn:active{transform:translateY(1px)}
.btn-primary{background:var(--tone-btn-bg);color:var(--tone-btn-text);box-shadow:var(--shadow-sm)}
.btn-primary:hover{box-shadow:var(--shadow-md);transform:translateY(-1px)}
.btn-secondary{background:transparent;color:var(--tone-text);border-color:var(--tone-control)}
.btn-secondary:hover{border-color:var(--tone-text);background:var(--tone-card)}
.btn-ghost{background:transparent;color:var(--tone-text)}
.btn-ghost:hover{background:var(--tone-card)}
.btn-link{min-height:0;padding:.25em 0;border:0;border-radius:0;background:none;color:var(--tone-link);
 text-decoration:underline;text-underline-offset:.22em}
.btn-link:hover{text-decoration-thickness:2px}
.btn-lg{min-height:3.25rem;padding:.85em 1.75em;font-size:var(--step-1)}
.btn .icon{width:1.15em;height:1.15em}
.btn-row{display:flex;flex-wrap:wrap;align-items:center;gap:var(--space-3)}
.card{display:flex;flex-direction:column;gap:var(--space-3);min-width:0;padding:clamp(var(--space-5),3vw,var(--space-6));
 background:var(--tone-card);color:var(--tone-text);border:1px solid var(--tone-border);border-radius:var(--radius-lg);
 box-shadow:var(--shadow-sm)}
.card>*{margin-block:0}
a.card{text-decoration:none;transition:box-shadow .2s ease,transform .2s ease,border-color .2s ease}
a.card:hover{box-shadow:var(--shadow-md);transform:translateY(-2px);border-color:var(--tone-control)}
.grid{display:grid;gap:var(--gap);grid-template-columns:minmax(0,1fr)}
@media (min-width:40rem){.cols-2,.cols-4{grid-template-columns:repeat(2,minmax(0,1fr))}}
@media (min-width:52rem){.cols-3{grid-template-columns:repeat(3,minmax(0,1fr))}}
@media (min-width:64rem){.cols-4{grid-template-columns:repeat(4,minmax(0,1fr))}}
label{font-weight:600}
.field{display:flex;flex-direction:column;gap:var(--space-2);min-width:0}
.field>label{font-size:var(--step-0);line-height:1.35}
.field .hint,.field small{color:var(--tone-muted);font-size:var(--step--1);line-height:1.45}
input:not([type=checkbox],[type=radio],[type=submit],[type=button],[type=hidden]),textarea,select{
 display:block;width:100%;min-height:2.9rem;padding:.65em .9em;font:inherit;line-height:1.4;color:var(--tone-text);
 background-color:var(--tone-field);border:1px solid var(--tone-control);border-radius:min(var(--radius),12px);
 transition:border-color .15s ease,box-shadow .15s ease;appearance:none}
textarea{min-height:9rem;resize:vertical}
select{padding-right:2.6em;background-image:linear-gradient(45deg,transparent 50%,currentColor 50%),
 linear-gradient(135deg,currentColor 50%,transparent 50%);background-position:calc(100% - 1.25em) 52%,
 calc(100% - .9em) 52%;background-size:.36em .36em;background-repeat:no-repeat}
input:hover,textarea:hover,select:hover{border-color:var(--tone-text)}
input:focus-visible,textarea:focus-visible,select:focus-visible{outline:none;border-color:var(--tone-link);
 box-shadow:var(--focus-ring)}
::placeholder{color:var(--tone-muted);opacity:1}
[aria-invalid=true]{border-color:var(--tone-error)!important}
.field-error{color:var(--tone-error);font-size:var(--step--1);font-weight:600}
.form-errors{padding:var(--space-4) var(--space-5);background:var(--tone-card);color:var(--tone-text);
 border:1px solid var(--tone-border);border-left:4px solid var(--tone-error);border-radius:var(--radius)}
.form-errors a{color:var(--tone-text)}
.check{display:flex;align-items:flex-start;gap:var(--space-3);font-weight:400}
.check input{flex:none;width:1.2rem;height:1.2rem;margin:.2em 0 0;accent-color:var(--tone-link)}
.visually-hidden{position:absolute!important;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;
 clip:rect(0,0,0,0);white-space:nowrap;border:0}
.skip-link{position:absolute;top:var(--space-3);left:var(--space-3);z-index:1000;padding:.75em 1.2em;
 background:var(--c-primary);color:var(--c-on-primary);font-weight:600;text-decoration:none;border-radius:var(--radius);
 transform:translateY(calc(-100% - 3rem));transition:transform .2s ease}
.skip-link:focus,.skip-link:focus-visible{transform:none;box-shadow:var(--shadow-lg)}
.icon{display:inline-block;flex:none;width:1.5rem;height:1.5rem;fill:none;stroke:currentColor;stroke-width:1.75;
 stroke-linecap:round;stroke-linejoin:round;vertical-align:middle}
.icon-badge{display:inline-grid;place-items:center;flex:none;width:3rem;height:3rem;color:var(--tone-link);
 background:var(--tone-badge);border-radius:min(var(--radius-lg),14px)}
@media (prefers-reduced-motion:no-preference){html{scroll-behavior:smooth}}
@media (prefers-reduced-motion:reduce){*,*::before,*::after{animation-duration:.01ms!important;
 animation-iteration-count:1!important;transition-duration:.01ms!important;scroll-behavior:auto!important}}
"""


def minify(css: str) -> str:
    css = re.sub(r"\s+", " ", css)
    return re.sub(r"\s*([{};,>])\s*", r"\1", css).replace(";}", "}").strip()


BASE_MIN = minify(BASE)


@lru_cache(maxsize=256)
def stylesheet(tokens: Tokens) -> str:
    """The page's design-system CSS for these tokens, minified; component CSS follows it."""
    return minify(root(tokens)) + BASE_MIN
