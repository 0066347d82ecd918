import { useEffect, useId, useState } from 'react';
import { useStore } from 'zustand';
import type { Item } from '../../../shared/contract';
import { toAppError } from '../../../shared/errors';
import { useClient } from '../client/context';
import { createLibraryStore, isFiltered, NO_FILTERS, type LibraryStore } from '../store/library';
import { useSettings } from '../store/settings';
import { GalleryFilters } from './GalleryFilters';
import { GalleryGrid } from './GalleryGrid';
import { GalleryPlayer } from './GalleryPlayer';
import './screens.css';

/** "1 234 videos": a narrow no-break space groups thousands in every locale and never wraps. */
function formatCount(n: number): string {
  return `${n.toLocaleString('en-US').replaceAll(',', '\u202f')} ${n === 1 ? 'video' : 'videos'}`;
}

/**
 * Benchmark marks: `gallery:painted` once the first data has been committed and a frame has been painted with it
 * (the second animation frame after the commit starts after that paint). `gallery:data` is set by the store.
 */
function usePaintedMark(loaded: boolean): void {
  useEffect(() => {
    if (!loaded) return;
    let frame = requestAnimationFrame(() => {
      frame = requestAnimationFrame(() => performance.mark('gallery:painted'));
    });
    return () => cancelAnimationFrame(frame);
  }, [loaded]);
}

function EmptyState({ store }: { store: LibraryStore }) {
  const filters = useStore(store, (s) => s.filters);
  if (!isFiltered(filters)) return <p className="empty">Your library is empty. Finished downloads appear here.</p>;
  return (
    <div className="empty">
      <p>No videos match these filters.</p>
      <button type="button" onClick={() => store.getState().setFilters({ ...NO_FILTERS, sort: filters.sort })}>
        Clear filters
      </button>
    </div>
  );
}

export function Gallery() {
  const client = useClient();
  const [store] = useState(() => createLibraryStore(client));
  const total = useStore(store, (s) => s.total);
  const filters = useStore(store, (s) => s.filters);
  const error = useStore(store, (s) => s.error);
  const [open, setOpen] = useState<Item | null>(null);
  const [infoError, setInfoError] = useState<string | null>(null);
  const headingId = useId();

  useEffect(() => store.getState().connect(), [store]);
  // The player's "Show in folder" depends on what the host can do.
  useEffect(() => {
    useSettings
      .getState()
      .loadInfo(client)
      .catch((err: unknown) => setInfoError(toAppError(err).message));
  }, [client]);
  // An item deleted elsewhere (another window, the CLI) cannot stay open here.
  useEffect(() => client.on('library.removed', ({ id }) => setOpen((item) => (item?.id === id ? null : item))), [client]);
  usePaintedMark(total !== null);

  const shownError = error ?? infoError;
  return (
    <section className="screen gallery" aria-labelledby={headingId}>
      <h2 id={headingId}>Gallery</h2>
      <GalleryFilters store={store} />
      <p role="status" className="gallery-count">
        {total === null ? 'Loading…' : formatCount(total)}
      </p>
      {shownError && (
        <p role="alert" className="alert">
          {shownError}
        </p>
      )}
      {total === 0 ? (
        <EmptyState store={store} />
      ) : (
        // A new query starts a new list: keyed by the filters, the grid comes back scrolled to the top.
        <GalleryGrid key={JSON.stringify(filters)} store={store} onOpen={setOpen} />
      )}
      {open && <GalleryPlayer item={open} onClose={() => setOpen(null)} />}
    </section>
  );
}
