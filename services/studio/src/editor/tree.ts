// Pure operations on a page tree ({root: node}); every edit returns a new tree so the
// history can keep each state and React sees what changed.

import type { TreeNode } from "../api/types";

export interface PageTree {
  root: TreeNode;
}

export interface Located {
  node: TreeNode;
  parent: TreeNode | null;
  index: number;
  depth: number;
}

export function locate(tree: PageTree, id: string): Located | null {
  const walk = (node: TreeNode, parent: TreeNode | null, index: number, depth: number): Located | null => {
    if (node.id === id) return { node, parent, index, depth };
    for (const [i, child] of (node.children ?? []).entries()) {
      const found = walk(child, node, i, depth + 1);
      if (found) return found;
    }
    return null;
  };
  return walk(tree.root, null, 0, 0);
}

/** Every node in reading order with its depth: the outline's rows. */
export function flatten(tree: PageTree): Located[] {
  const rows: Located[] = [];
  const walk = (node: TreeNode, parent: TreeNode | null, index: number, depth: number) => {
    rows.push({ node, parent, index, depth });
    (node.children ?? []).forEach((child, i) => walk(child, node, i, depth + 1));
  };
  walk(tree.root, null, 0, 0);
  return rows;
}

/** The id of the deepest node a JSON pointer (a finding's, a 422's) lies in. */
export function nodeAtPointer(tree: PageTree, pointer: string): string | null {
  const parts = pointer.split("/").slice(1).map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
  if (parts[0] !== "root") return null;
  let node = tree.root;
  for (let i = 1; i + 1 < parts.length && parts[i] === "children"; i += 2) {
    const next = node.children?.[Number(parts[i + 1])];
    if (!next) break;
    node = next;
  }
  return node.id;
}

/** The part of a pointer below a node's props (`/root/children/0/props/items/1` → `items/1`). */
export function propPath(pointer: string): string[] {
  const at = pointer.lastIndexOf("/props/");
  return at < 0 ? [] : pointer.slice(at + "/props/".length).split("/");
}

function mapNode(node: TreeNode, id: string, change: (node: TreeNode) => TreeNode): TreeNode {
  if (node.id === id) return change(node);
  if (!node.children) return node;
  let changed = false;
  const children = node.children.map((child) => {
    const next = mapNode(child, id, change);
    if (next !== child) changed = true;
    return next;
  });
  return changed ? { ...node, children } : node;
}

export function setProps(tree: PageTree, id: string, props: Record<string, unknown>): PageTree {
  return { root: mapNode(tree.root, id, (node) => ({ ...node, props })) };
}

export function removeNode(tree: PageTree, id: string): PageTree {
  const found = locate(tree, id);
  if (!found?.parent) return tree;
  return { root: mapNode(tree.root, found.parent.id, (parent) => ({ ...parent, children: (parent.children ?? []).filter((c) => c.id !== id) })) };
}

export function insertNode(tree: PageTree, parentId: string, index: number, node: TreeNode): PageTree {
  return {
    root: mapNode(tree.root, parentId, (parent) => {
      const children = [...(parent.children ?? [])];
      children.splice(Math.max(0, Math.min(index, children.length)), 0, node);
      return { ...parent, children };
    }),
  };
}

/** Move a node to be child `index` of `parentId` (index counted without the node). */
export function moveNode(tree: PageTree, id: string, parentId: string, index: number): PageTree {
  const found = locate(tree, id);
  if (!found?.parent || contains(found.node, parentId)) return tree;
  return insertNode(removeNode(tree, id), parentId, index, found.node);
}

export function contains(node: TreeNode, id: string): boolean {
  return node.id === id || (node.children ?? []).some((child) => contains(child, id));
}

export function newId(component: string): string {
  const random = crypto.getRandomValues(new Uint32Array(2));
  return `${component.toLowerCase().slice(0, 12)}-${random[0]!.toString(36)}${random[1]!.toString(36)}`;
}

/** A copy with fresh ids throughout (ids are unique in a page). */
export function withFreshIds(node: TreeNode): TreeNode {
  return { ...node, id: newId(node.component), ...(node.children ? { children: node.children.map(withFreshIds) } : {}) };
}

export function duplicateNode(tree: PageTree, id: string): { tree: PageTree; copyId: string | null } {
  const found = locate(tree, id);
  if (!found?.parent) return { tree, copyId: null };
  const copy = withFreshIds(found.node);
  return { tree: insertNode(tree, found.parent.id, found.index + 1, copy), copyId: copy.id };
}

/** Node ids whose props or place differ between two trees, and those only one of them has. */
export function differences(mine: PageTree, theirs: PageTree): { added: string[]; removed: string[]; changed: string[] } {
  const index = (tree: PageTree) => new Map(flatten(tree).map((row) => [row.node.id, row]));
  const a = index(mine);
  const b = index(theirs);
  const changed: string[] = [];
  for (const [id, row] of a) {
    const other = b.get(id);
    if (other && (JSON.stringify(other.node.props) !== JSON.stringify(row.node.props)
      || other.parent?.id !== row.parent?.id || other.index !== row.index)) changed.push(id);
  }
  return {
    added: [...b.keys()].filter((id) => !a.has(id)),
    removed: [...a.keys()].filter((id) => !b.has(id)),
    changed,
  };
}

/** A node's first words (its title, headline, text…), to tell it from its siblings. */
export function firstWords(node: TreeNode): string {
  const props = node.props;
  for (const key of ["title", "headline", "text", "heading", "label", "caption", "markdown", "name", "anchor"]) {
    const value = props[key];
    if (typeof value === "string" && value.trim()) {
      const words = value.replace(/[#*_`>]/g, "").trim();
      return words.length > 48 ? `${words.slice(0, 47)}…` : words;
    }
  }
  return "";
}

/** Equal as JSON values, whatever the order of their keys (a form may reorder them). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
