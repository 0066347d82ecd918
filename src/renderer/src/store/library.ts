import { createStore, type StoreApi } from 'zustand';
import type { Item, LIBRARY_SORTS, MethodInput } from '../../../shared/contract';
import { toAppError } from '../../../shared/errors';
import type { AppClient } from '../client/types';

export type LibrarySort = (typeof LIBRARY_SORTS)[number];
export type AddedWithin = 'any' | 'today' | 'week' | 'month' | 'year';
export type DurationRange = 'any' | 'short' | 'medium' | 'long';
export type MinResolution = 'any' | '720' | '1080' | '2160';

export interface LibraryFilters {
  query: string;
  /** Empty for every source. */
  source: string;
  added: AddedWithin;
  duration: DurationRange;
  resolution: MinResolution;
  sort: LibrarySort;
}

export const NO_FILTERS: LibraryFilters = { query: '', source: '', added: 'any', duration: 'any', resolution: 'any', sort: 'newest' };

/** Whether anything narrows the results (the sort order does not). */
export function isFiltered(f: LibraryFilters): boolean {
  return f.query.trim() !== '' || f.source !== '' || f.added !== 'any' || f.duration !== 'any' || f.resolution !== 'any';
}

const DAY_MS = 86_400_000;
const DURATIONS: Record<DurationRange, { minDurationSec?: number; maxDurationSec?: number }> = {
  any: {},
  short: { maxDurationSec: 60 },
  medium: { minDurationSec: 60, maxDurationSec: 600 },
  long: { minDurationSec: 600 },
};

const ADDED_DAYS = { week: 7, month: 30, year: 365 } as const;

/** The `since` bound for "date added", in local time: "today" starts at the user's midnight, not UTC's. */
function sinceFor(added: AddedWithin, now: Date): number | undefined {
  if (added === 'any') return undefined;
  if (added === 'today') return new Date(now.getFullYear(), now.getMonth(), now.getDate()).getTime();
  return now.getTime() - ADDED_DAYS[added] * DAY_MS;
}

export function listQuery(f: LibraryFilters, now = new Date()): MethodInput<'library.list'> {
  const query = f.query.trim();
  const since = sinceFor(f.added, now);
  return {
    sort: f.sort,
    ...(query ? { query } : {}),
    ...(f.source ? { source: f.source } : {}),
    ...(since !== undefined ? { since } : {}),
    ...DURATIONS[f.duration],
    ...(f.resolution !== 'any' ? { minHeight: Number(f.resolution) } : {}),
  };
}

export const PAGE_SIZE = 200;
/** Pages kept on either side of the visible ones: scrolling back a little needs no refetch, memory stays bounded. */
const KEEP_PAGES = 2;
/** Events come in bursts (a playlist finishing): one refetch per burst. */
const REFRESH_DELAY_MS = 150;

export interface LibraryState {
  filters: LibraryFilters;
  /** Items matching the filters; null until the first page arrives. */
  total: number | null;
  /** Loaded items by their position in the current order: sparse, only pages near the visible window. */
  items: ReadonlyMap<number, Item>;
  sources: Array<{ source: string; count: number }>;
  /** The engine's sentence for the last failed load; cleared by the next successful one. */
  error: string | null;
  setFilters(patch: Partial<LibraryFilters>): void;
  /** Tells the store which positions are on screen: loads their pages and drops far-away ones. */
  showRange(first: number, last: number): void;
  /** Loads the first page and sources and follows library events; returns the cleanup. */
  connect(): () => void;
}

export type LibraryStore = StoreApi<LibraryState>;

/**
 * One store per mounted Gallery, bound to its client: a fresh mount starts from the top with no filters, and the
 * first page it receives is the one the `gallery:data` benchmark mark stands for.
 */
export function createLibraryStore(client: AppClient): LibraryStore {
  // Bumped whenever the query changes or the screen disconnects, so answers to older requests are dropped.
  let generation = 0;
  const pages = new Set<number>();
  let visible = { first: 0, last: 0 };
  // Pages load only while connected: the grid reports its range before the screen connects (child effects run
  // first), and fetching then as well would load the first page twice.
  let connected = false;
  let refreshTimer: ReturnType<typeof setTimeout> | undefined;
  let marked = false;

  return createStore<LibraryState>((set, get) => {
    function fetchPage(page: number): void {
      const gen = generation;
      pages.add(page);
      const input = { ...listQuery(get().filters), limit: PAGE_SIZE, offset: page * PAGE_SIZE };
      client.call('library.list', input).then(
        ({ items, total }) => {
          if (gen !== generation || !pages.has(page)) return;
          const next = new Map(get().items);
          const start = page * PAGE_SIZE;
          for (let i = start; i < start + PAGE_SIZE; i++) next.delete(i);
          items.forEach((item, k) => next.set(start + k, item));
          for (const i of next.keys()) if (i >= total) next.delete(i);
          set({ items: next, total, error: null });
          if (!marked) {
            marked = true;
            performance.mark('gallery:data');
          }
        },
        (err: unknown) => {
          if (gen !== generation) return;
          pages.delete(page);
          set({ error: toAppError(err).message });
        },
      );
    }

    function fetchVisible(): void {
      const lastPage = Math.floor(Math.max(visible.first, visible.last) / PAGE_SIZE);
      for (let p = Math.floor(visible.first / PAGE_SIZE); p <= lastPage; p++) if (!pages.has(p)) fetchPage(p);
    }

    function loadSources(): void {
      client.call('library.facets', {}).then(
        ({ sources }) => set({ sources }),
        (err: unknown) => set({ error: toAppError(err).message }),
      );
    }

    /**
     * Where an added item lands depends on the sort and filters only the engine knows in full, so the pages on
     * screen are simply fetched again; they stay displayed until the new ones arrive.
     */
    function scheduleRefresh(): void {
      clearTimeout(refreshTimer);
      refreshTimer = setTimeout(() => {
        for (const page of pages) fetchPage(page);
        fetchVisible();
        loadSources();
      }, REFRESH_DELAY_MS);
    }

    /** Shifts the loaded items after a removed one up by one, so the grid updates at once, then refetches. */
    function removeLocally(id: number): void {
      const { items, total } = get();
      let removedAt = -1;
      for (const [i, item] of items) if (item.id === id) removedAt = i;
      if (removedAt >= 0) {
        const next = new Map<number, Item>();
        for (const [i, item] of items) if (i !== removedAt) next.set(i > removedAt ? i - 1 : i, item);
        set({ items: next, total: total === null ? null : Math.max(0, total - 1) });
      }
      scheduleRefresh();
    }

    return {
      filters: NO_FILTERS,
      total: null,
      items: new Map(),
      sources: [],
      error: null,

      setFilters(patch) {
        generation++;
        pages.clear();
        // The total is kept until the new one arrives, so the grid does not flash the empty state while typing.
        set({ filters: { ...get().filters, ...patch }, items: new Map() });
        visible = { first: 0, last: 0 };
        if (connected) fetchVisible();
      },

      showRange(first, last) {
        visible = { first, last };
        const firstPage = Math.floor(first / PAGE_SIZE);
        const lastPage = Math.floor(Math.max(first, last) / PAGE_SIZE);
        const far = [...pages].filter((p) => p < firstPage - KEEP_PAGES || p > lastPage + KEEP_PAGES);
        if (far.length > 0) {
          for (const p of far) pages.delete(p);
          const next = new Map(get().items);
          for (const i of next.keys()) if (!pages.has(Math.floor(i / PAGE_SIZE))) next.delete(i);
          set({ items: next });
        }
        if (connected) fetchVisible();
      },

      connect() {
        connected = true;
        pages.clear();
        fetchVisible();
        loadSources();
        const offAdded = client.on('library.added', scheduleRefresh);
        const offRemoved = client.on('library.removed', ({ id }) => removeLocally(id));
        return () => {
          connected = false;
          generation++;
          clearTimeout(refreshTimer);
          offAdded();
          offRemoved();
        };
      },
    };
  });
}
