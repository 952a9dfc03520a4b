// The media library's shapes held to the platform's OpenAPI document, as api/contract.ts does
// for the rest of the studio: a field the assets API renames or drops fails the type check.
// Search hits are typed by the document as free objects, so AssetHit is held to AssetOut for
// the fields they share.

import type { components } from "../api/schema";
import type { AssetHit, AssetOut, AssetPage, AssetPatch, BulkDelete } from "./library";

type Schemas = components["schemas"];
type Unknown<Client, Server> = Exclude<keyof Client, keyof Server>;
type None<Fields extends never> = Fields;

export type MediaContract = [
  None<Unknown<AssetOut, Schemas["AssetOut"]>>,
  None<Unknown<AssetPage, Schemas["AssetPage"]>>,
  None<Unknown<AssetPatch, Schemas["AssetPatch"]>>,
  None<Unknown<BulkDelete, Schemas["BulkDelete"]>>,
  None<Unknown<Omit<AssetHit, "score" | "matched">, Schemas["AssetOut"]>>,
];
