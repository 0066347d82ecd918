import { create } from 'zustand';
import { SearchQuerySchema, STOCK_SOURCES, type MethodInput, type MethodOutput, type SearchQuery, type StockSource } from '../../../shared/contract';
import { toAppError } from '../../../shared/errors';
import type { AppClient } from '../client/types';

export type SearchQuality = SearchQuery['quality'];
export type Orientation = NonNullable<SearchQuery['orientation']>;
export const SEARCH_QUALITIES = SearchQuerySchema.shape.quality.unwrap().options;

/** The search form as typed: number boxes stay text until the query is built, so a half-typed value is not lost. */
export interface SearchForm {
  theme: string;
  sources: readonly StockSource[];
  count: string;
  /** Empty for any orientation. */
  orientation: Orientation | '';
  minWidth: string;
  minHeight: string;
  minDurationSec: string;
  maxDurationSec: string;
  quality: SearchQuality;
}

export const DEFAULT_FORM: SearchForm = {
  theme: '',
  sources: STOCK_SOURCES,
  count: String(SearchQuerySchema.shape.count.def.defaultValue),
  orientation: '',
  minWidth: '',
  minHeight: '',
  minDurationSec: '',
  maxDurationSec: '',
  quality: SearchQuerySchema.shape.quality.def.defaultValue,
};

/** An empty box leaves the filter out; anything else goes to the engine, which says what it needs (NaN included). */
function numberOf(text: string): number | undefined {
  return text.trim() === '' ? undefined : Number(text);
}

/** Why the form cannot be sent as it is, in terms of its own controls; null when it can. */
export function formProblem(form: SearchForm): string | null {
  if (form.theme.trim() === '') return 'Type a theme to search for, for example “ocean waves”.';
  if (form.sources.length === 0) return 'Pick at least one source: Pexels or Pixabay.';
  return null;
}

export function queryOf(form: SearchForm): MethodInput<'search.run'> {
  const numbers = {
    count: numberOf(form.count),
    minWidth: numberOf(form.minWidth),
    minHeight: numberOf(form.minHeight),
    minDurationSec: numberOf(form.minDurationSec),
    maxDurationSec: numberOf(form.maxDurationSec),
  };
  return {
    theme: form.theme.trim(),
    sources: [...form.sources],
    quality: form.quality,
    ...(form.orientation ? { orientation: form.orientation } : {}),
    ...Object.fromEntries(Object.entries(numbers).filter(([, value]) => value !== undefined)),
  };
}

export type SearchAnswer = MethodOutput<'search.run'> & { theme: string };

interface SearchData {
  /** The client the results came from: another one (a test, a new connection) starts afresh. */
  client: AppClient | null;
  form: SearchForm;
  answer: SearchAnswer | null;
  running: boolean;
  /** The engine's sentence for the last failed search or download; cleared by the next success. */
  error: string | null;
  /** Keys of the chosen results. */
  selected: ReadonlySet<string>;
  downloading: boolean;
  /** What the last download added to the queue, until the next search or change of the selection. */
  added: { asked: number; created: number } | null;
}

interface SearchState extends SearchData {
  attach(client: AppClient): void;
  setForm(patch: Partial<SearchForm>): void;
  run(client: AppClient): Promise<void>;
  toggle(key: string, on: boolean): void;
  selectAll(on: boolean): void;
  download(client: AppClient): Promise<void>;
}

const initial: Omit<SearchData, 'client'> = {
  form: DEFAULT_FORM,
  answer: null,
  running: false,
  error: null,
  selected: new Set(),
  downloading: false,
  added: null,
};

/** Module-wide, so a search and its selection are still there after a look at the Queue. */
export const useSearch = create<SearchState>((set, get) => {
  // a second search may start before the first answers: only the latest may land
  let runs = 0;

  return {
    ...initial,
    client: null,

    attach(client) {
      if (get().client === client) return;
      runs++;
      set({ ...initial, client });
    },

    setForm(patch) {
      set({ form: { ...get().form, ...patch } });
    },

    async run(client) {
      const { form } = get();
      const problem = formProblem(form);
      if (problem) return set({ error: problem });
      const mine = ++runs;
      set({ running: true, error: null });
      try {
        const answer = await client.call('search.run', queryOf(form));
        if (mine !== runs) return;
        set({ answer: { ...answer, theme: form.theme.trim() }, running: false, selected: new Set(), added: null });
      } catch (err) {
        if (mine === runs) set({ running: false, error: toAppError(err).message });
      }
    },

    toggle(key, on) {
      const selected = new Set(get().selected);
      if (on) selected.add(key);
      else selected.delete(key);
      set({ selected, added: null });
    },

    selectAll(on) {
      set({ selected: new Set(on ? (get().answer?.results.map((r) => r.key) ?? []) : []), added: null });
    },

    async download(client) {
      const { answer, selected } = get();
      const results = answer?.results.filter((r) => selected.has(r.key)) ?? [];
      if (results.length === 0) return;
      set({ downloading: true, error: null });
      try {
        const { created } = await client.call('search.download', { results });
        set({ downloading: false, selected: new Set(), added: { asked: results.length, created } });
      } catch (err) {
        set({ downloading: false, error: toAppError(err).message });
      }
    },
  };
});
