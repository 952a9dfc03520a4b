// A chosen picture takes the library's alt text (the AI describes every upload, and a person
// may have corrected it there) where the field is empty or still holds the library's words
// for the picture it replaces. A fresh upload is asked again for a few seconds, until it is
// described. Words a person typed in the field are never replaced.

import { useCallback, useEffect, useRef } from "react";

import { awaitingAi, library } from "../media/library";
import { chosenImages, propsForm, type ChosenImage, type PropPath, type Registry } from "./registry";
import { locate, setProps, type PageTree } from "./tree";

const RETRY_MS = 1500;
const RETRIES = 12;

function valueAt(value: unknown, path: PropPath): unknown {
  return path.reduce<unknown>((at, step) => (at && typeof at === "object" ? (at as Record<string | number, unknown>)[step] : undefined), value);
}

function withValueAt(value: unknown, path: PropPath, text: string): unknown {
  if (path.length === 0) return text;
  const [step, ...rest] = path;
  if (Array.isArray(value)) return value.map((item, index) => (index === step ? withValueAt(item, rest, text) : item));
  const object = (value && typeof value === "object" ? value : {}) as Record<string, unknown>;
  return { ...object, [step!]: withValueAt(object[step!], rest, text) };
}

export function useAltFromLibrary(registry: Registry, tree: PageTree,
  change: (next: PageTree, message: string) => void): (nodeId: string, component: string,
  before: Record<string, unknown>, after: Record<string, unknown>) => void {
  const latest = useRef(tree);
  latest.current = tree;
  const alive = useRef(true);
  useEffect(() => () => { alive.current = false; }, []);

  const fill = useCallback(async (nodeId: string, chosen: ChosenImage, attempt: number) => {
    if (chosen.altNow && attempt === 0) {
      // Words in the field are the library's for the picture replaced, or a person's: kept.
      const replaced = chosen.previous ? await library.get(chosen.previous).catch(() => null) : null;
      if (!replaced || replaced.alt_text.trim() !== chosen.altNow) return;
    }
    const asset = await library.get(chosen.id).catch(() => null);
    if (!asset || !alive.current) return;
    if (!asset.alt_text.trim()) {
      if (awaitingAi(asset.status) && attempt < RETRIES) window.setTimeout(() => void fill(nodeId, chosen, attempt + 1), RETRY_MS);
      return;
    }
    const node = locate(latest.current, nodeId)?.node;
    // Only where the same picture is still chosen and its alt text is as it was.
    if (!node || valueAt(node.props, chosen.image) !== chosen.id || String(valueAt(node.props, chosen.alt) ?? "").trim() !== chosen.altNow) return;
    const props = withValueAt(node.props, chosen.alt, asset.alt_text) as Record<string, unknown>;
    change(setProps(latest.current, nodeId, props), `The picture's alt text is the library's: ${asset.alt_text}`);
  }, [change]);

  return useCallback((nodeId, component, before, after) => {
    const form = propsForm(registry, component);
    if (!form) return;
    for (const chosen of chosenImages(form, before, after)) void fill(nodeId, chosen, 0);
  }, [registry, fill]);
}
