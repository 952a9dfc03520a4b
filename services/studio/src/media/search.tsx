// The library's search box: by meaning (what the picture shows, from the AI's description)
// and by words (alt text, description, tags, file name), fused into one ranking by the API.

import { useQuery } from "@tanstack/react-query";
import { useId, useState, type FormEvent } from "react";

import { assetKeys, library } from "./library";

export function useAssetSearch() {
  const [query, setQuery] = useState("");
  const results = useQuery({
    queryKey: assetKeys.search(query),
    queryFn: ({ signal }) => library.search(query, signal),
    enabled: query !== "",
  });
  return { query, setQuery, results };
}

export function SearchBox({ label, query, onSearch }: { label: string; query: string; onSearch: (q: string) => void }) {
  const [text, setText] = useState(query);
  const id = useId();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    event.stopPropagation(); // React carries a submit through a portal to the form around the picker
    onSearch(text.trim().slice(0, 200));
  };
  return (
    <div className="asset-search">
      <form onSubmit={submit} role="search" aria-label={label}>
        <div className="field">
          <label htmlFor={id}>{label}</label>
          <p className="hint" id={`${id}-hint`}>Finds images by meaning (“dog on a beach”) and by words in their alt text, description, tags and file name.</p>
          <div className="search-row">
            <input id={id} type="search" value={text} maxLength={200} aria-describedby={`${id}-hint`}
              onChange={(event) => {
                setText(event.target.value);
                if (event.target.value === "") onSearch("");
              }} />
            <button type="submit" className="btn btn-secondary">Search</button>
          </div>
        </div>
      </form>
    </div>
  );
}
