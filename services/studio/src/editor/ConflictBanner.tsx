// Another editor saved this page while you were editing it. Their version and yours are
// summarised side by side; nothing is saved until you choose.

import type { PageOut } from "../api/types";
import { Button } from "../ui";
import { differences, locate, firstWords, type PageTree } from "./tree";

export function ConflictBanner({ mine, theirs, busy, onReload, onKeepMine }: {
  mine: PageTree; theirs: PageOut; busy: boolean; onReload(): void; onKeepMine(): void;
}) {
  const theirTree = theirs.structure as PageTree;
  const diff = differences(mine, theirTree);
  const name = (tree: PageTree, id: string) => {
    const node = locate(tree, id)?.node;
    return node ? `${node.component}${firstWords(node) ? ` “${firstWords(node)}”` : ""}` : id;
  };
  const lines = [
    ...diff.changed.map((id) => `${name(theirTree, id)} differs`),
    ...diff.added.map((id) => `${name(theirTree, id)} is only in theirs`),
    ...diff.removed.map((id) => `${name(mine, id)} is only in yours`),
  ];
  return (
    <section className="conflict notice notice-warning" role="alert" aria-labelledby="conflict-title">
      <h2 id="conflict-title" className="notice-title">Someone else saved this page while you were editing</h2>
      <p>Their version (revision {theirs.revision}, saved <time dateTime={theirs.updated_at}>{new Date(theirs.updated_at).toLocaleTimeString()}</time>) and yours differ in {lines.length === 1 ? "one place" : `${lines.length} places`}. Your changes are kept here and have not been saved.</p>
      {lines.length ? <ul className="conflict-list">{lines.slice(0, 8).map((line) => <li key={line}>{line}</li>)}</ul> : null}
      {lines.length > 8 ? <p>…and {lines.length - 8} more.</p> : null}
      <div className="actions">
        <Button variant="secondary" onClick={onReload} disabled={busy}>Reload theirs</Button>
        <Button onClick={onKeepMine} busy={busy} busyLabel="Saving your copy…">Keep editing mine as a copy</Button>
      </div>
    </section>
  );
}
