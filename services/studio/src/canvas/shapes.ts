// What the canvas, AI and history panels read from cms and billing: the generated OpenAPI
// types (schema.d.ts), so an API change that breaks them fails the type check, plus the
// one place that names a node for a person.

import type { components } from "../api/schema";
import type { TreeNode } from "../api/types";
import { firstWords } from "../editor/tree";

type Schemas = components["schemas"];
export type ProposalOut = Schemas["ProposalOut"];
export type EditIn = Schemas["EditIn"];
export type VersionOut = Schemas["VersionOut"];
export type DiffOut = Schemas["DiffOut"];
export type BalanceOut = Schemas["BalanceOut"];

/** One row of a proposal's diff, as cms writes it (services/cms/ai_edits.py `readable`). */
export interface ProposedChange {
  index: number;
  op: "add" | "remove" | "replace" | "move" | "copy" | "test";
  path: string;
  node_id: string;
  component: string;
  field: string;
  before: unknown;
  after: unknown;
}

export function changesOf(proposal: ProposalOut): ProposedChange[] {
  return proposal.operations as unknown as ProposedChange[];
}

export interface PreviewLink {
  url: string;
  expires_at: number;
}

/** "Hero · Sourdough every morning": the component and its first words, for lists and diffs. */
export function nodeLabel(node: TreeNode | undefined, id: string): string {
  if (!node) return id;
  const words = firstWords(node);
  return words ? `${node.component} · ${words}` : node.component;
}

export function nodesById(root: TreeNode | undefined): Map<string, TreeNode> {
  const found = new Map<string, TreeNode>();
  const visit = (node: TreeNode) => {
    found.set(node.id, node);
    node.children?.forEach(visit);
  };
  if (root) visit(root);
  return found;
}

/** A value of a prop as a person reads it in a diff. */
export function shown(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value, null, 1).replace(/\n\s*/g, " ");
}

export const ifMatch = (revision: number) => ({ "if-match": `"${revision}"` });
