// An image prop (the registry marks it "x-asset"): chosen with the media library's picker
// (../media, a colleague's), searchable by meaning and by words.

import type { WidgetProps } from "@rjsf/utils";

import { AssetPicker } from "../media/AssetPicker";

export function AssetWidget({ value, onChange, label, readonly, disabled }: WidgetProps) {
  const current = typeof value === "string" && value ? value : null;
  return <AssetPicker value={current} onChange={(next) => onChange(next ?? undefined)} label={label} readOnly={readonly || disabled} />;
}
