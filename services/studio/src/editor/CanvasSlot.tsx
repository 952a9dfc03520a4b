// The canvas (../canvas, a colleague's): the server's own rendering of the draft, where a
// click selects a node. The editor hands it the unsaved tree, so it shows every edit at once.

import { Canvas, type CanvasProps } from "../canvas/Canvas";

export function CanvasSlot(props: CanvasProps) {
  return <Canvas {...props} />;
}
