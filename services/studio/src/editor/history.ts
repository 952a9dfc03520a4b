// Undo and redo over whole tree states. Typing in one field is one step, not one per key:
// a change carrying the same `merge` key as the previous one within a second replaces it.

import { useCallback, useReducer } from "react";

import type { PageTree } from "./tree";

interface History {
  past: PageTree[];
  present: PageTree;
  future: PageTree[];
  merge: string | null;
  at: number;
}

type Action =
  | { kind: "change"; tree: PageTree; merge: string | null; at: number }
  | { kind: "undo" }
  | { kind: "redo" }
  | { kind: "reset"; tree: PageTree };

const LIMIT = 200;

function step(state: History, action: Action): History {
  switch (action.kind) {
    case "change": {
      if (action.tree === state.present) return state;
      const merging = action.merge !== null && action.merge === state.merge && action.at - state.at < 1000;
      const past = merging ? state.past : [...state.past, state.present].slice(-LIMIT);
      return { past, present: action.tree, future: [], merge: action.merge, at: action.at };
    }
    case "undo": {
      const previous = state.past.at(-1);
      if (!previous) return state;
      return { past: state.past.slice(0, -1), present: previous, future: [state.present, ...state.future], merge: null, at: 0 };
    }
    case "redo": {
      const [next, ...future] = state.future;
      if (!next) return state;
      return { past: [...state.past, state.present], present: next, future, merge: null, at: 0 };
    }
    case "reset":
      return { past: [], present: action.tree, future: [], merge: null, at: 0 };
  }
}

export function useHistory(initial: PageTree) {
  const [state, dispatch] = useReducer(step, initial, (tree): History => ({ past: [], present: tree, future: [], merge: null, at: 0 }));
  return {
    tree: state.present,
    canUndo: state.past.length > 0,
    canRedo: state.future.length > 0,
    change: useCallback((tree: PageTree, merge: string | null = null) => dispatch({ kind: "change", tree, merge, at: Date.now() }), []),
    undo: useCallback(() => dispatch({ kind: "undo" }), []),
    redo: useCallback(() => dispatch({ kind: "redo" }), []),
    reset: useCallback((tree: PageTree) => dispatch({ kind: "reset", tree }), []),
  };
}
