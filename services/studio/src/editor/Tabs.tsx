// Tabs as the ARIA pattern has them: one tab in the Tab order, arrows (and Home/End) move
// between them, each tab naming the panel it controls.

export interface TabItem<T extends string> {
  id: T;
  label: string;
}

export function Tabs<T extends string>({ items, value, onChange, label, idPrefix, className }: {
  items: readonly TabItem<T>[]; value: T; onChange: (id: T) => void; label: string; idPrefix: string; className: string;
}) {
  const move = (to: number) => {
    const next = items[(to + items.length) % items.length]!;
    onChange(next.id);
    document.getElementById(`${idPrefix}-${next.id}`)?.focus();
  };
  return (
    <div className={className} role="tablist" aria-label={label}>
      {items.map((item, index) => (
        <button key={item.id} type="button" role="tab" id={`${idPrefix}-${item.id}`} aria-controls={`${idPrefix}-panel-${item.id}`}
          aria-selected={value === item.id} tabIndex={value === item.id ? 0 : -1} onClick={() => onChange(item.id)}
          onKeyDown={(event) => {
            const to = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: items.length - 1 }[event.key];
            if (to === undefined) return;
            event.preventDefault();
            move(to);
          }}>
          {item.label}
        </button>
      ))}
    </div>
  );
}
