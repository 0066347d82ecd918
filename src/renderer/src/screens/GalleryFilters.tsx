import { useEffect, useId, useState } from 'react';
import { useStore } from 'zustand';
import type { AddedWithin, DurationRange, LibrarySort, LibraryStore, MinResolution } from '../store/library';

const SEARCH_DELAY_MS = 150;

type Options<V extends string> = ReadonlyArray<readonly [V, string]>;

const ADDED: Options<AddedWithin> = [
  ['any', 'Any time'],
  ['today', 'Today'],
  ['week', 'Last 7 days'],
  ['month', 'Last 30 days'],
  ['year', 'Last year'],
];
const DURATION: Options<DurationRange> = [
  ['any', 'Any length'],
  ['short', 'Under 1 min'],
  ['medium', '1–10 min'],
  ['long', 'Over 10 min'],
];
const RESOLUTION: Options<MinResolution> = [
  ['any', 'Any resolution'],
  ['720', '720p and up'],
  ['1080', '1080p and up'],
  ['2160', '2160p and up'],
];
const SORT: Options<LibrarySort> = [
  ['newest', 'Newest first'],
  ['oldest', 'Oldest first'],
  ['title', 'Title'],
  ['duration', 'Longest first'],
  ['size', 'Largest first'],
];

/** A labelled select whose value type is the option table's, so no string has to be cast back. */
function Choice<V extends string>({ label, value, options, onChange }: { label: string; value: V; options: Options<V>; onChange(value: V): void }) {
  const id = useId();
  return (
    <div className="gallery-filter">
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        value={value}
        onChange={(event) => {
          const hit = options.find(([v]) => v === event.target.value);
          if (hit) onChange(hit[0]);
        }}
      >
        {options.map(([v, text]) => (
          <option key={v} value={v}>
            {text}
          </option>
        ))}
      </select>
    </div>
  );
}

/** Search as you type, debounced: one query per pause rather than one per key. */
function SearchBox({ store }: { store: LibraryStore }) {
  const applied = useStore(store, (s) => s.filters.query);
  const [text, setText] = useState(applied);
  // Follow the store when it changes from elsewhere ("Clear filters").
  const [seen, setSeen] = useState(applied);
  if (applied !== seen) {
    setSeen(applied);
    setText(applied);
  }
  useEffect(() => {
    if (text === store.getState().filters.query) return;
    const timer = setTimeout(() => store.getState().setFilters({ query: text }), SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [text, store]);

  return (
    <input
      type="search"
      className="gallery-search"
      aria-label="Search library"
      placeholder="Search title, uploader or source"
      data-shortcut="search"
      maxLength={200}
      value={text}
      onChange={(event) => setText(event.target.value)}
    />
  );
}

export function GalleryFilters({ store }: { store: LibraryStore }) {
  const filters = useStore(store, (s) => s.filters);
  const sources = useStore(store, (s) => s.sources);
  const setFilters = useStore(store, (s) => s.setFilters);

  const sourceOptions: Array<readonly [string, string]> = [['', 'All sources'], ...sources.map(({ source, count }) => [source, `${source} (${count})`] as const)];
  // A source whose last item was just deleted is no longer a facet, but it is still the selected filter.
  if (filters.source && !sources.some((s) => s.source === filters.source)) sourceOptions.push([filters.source, filters.source]);

  return (
    <form role="search" aria-label="Library filters" className="gallery-filters" onSubmit={(event) => event.preventDefault()}>
      <SearchBox store={store} />
      <Choice label="Source" value={filters.source} options={sourceOptions} onChange={(source) => setFilters({ source })} />
      <Choice label="Date added" value={filters.added} options={ADDED} onChange={(added) => setFilters({ added })} />
      <Choice label="Duration" value={filters.duration} options={DURATION} onChange={(duration) => setFilters({ duration })} />
      <Choice label="Resolution" value={filters.resolution} options={RESOLUTION} onChange={(resolution) => setFilters({ resolution })} />
      <Choice label="Sort" value={filters.sort} options={SORT} onChange={(sort) => setFilters({ sort })} />
    </form>
  );
}
