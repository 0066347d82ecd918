import { useEffect, useId, useState, type KeyboardEvent } from 'react';
import { ORIENTATIONS, SearchQuerySchema, STOCK_SOURCES } from '../../../shared/contract';
import { useClient } from '../client/context';
import { QUALITY_LABELS, STOCK_SOURCE_LABELS } from '../format';
import { SEARCH_QUALITIES, useSearch, type Orientation, type SearchForm as Form } from '../store/search';

/** One request per pause in typing, not one per key. */
const SUGGEST_DELAY_MS = 150;
const SUGGESTIONS = 8;
const POPULAR = 12;

const ORIENTATION_LABELS: Record<Orientation, string> = { landscape: 'Landscape', portrait: 'Portrait', square: 'Square' };

type NumberKey = 'count' | 'minWidth' | 'minHeight' | 'minDurationSec' | 'maxDurationSec';
/** Bounds the engine enforces, read from its schema. */
function bounds(key: NumberKey): { min: number; max: number } {
  const schema = SearchQuerySchema.shape[key].unwrap();
  return { min: schema.minValue ?? 0, max: schema.maxValue ?? Number.MAX_SAFE_INTEGER };
}
const NUMBER_BOXES: ReadonlyArray<{ key: NumberKey; label: string }> = [
  { key: 'count', label: 'Results' },
  { key: 'minWidth', label: 'Min width (px)' },
  { key: 'minHeight', label: 'Min height (px)' },
  { key: 'minDurationSec', label: 'Shortest (s)' },
  { key: 'maxDurationSec', label: 'Longest (s)' },
];

/**
 * The theme field with suggestions from earlier searches, as an ARIA combobox: arrows move through the list,
 * Enter picks, Escape closes, and the focus stays in the field throughout.
 */
function ThemeBox({ value, onType, onPick }: { value: string; onType(text: string): void; onPick(theme: string): void }) {
  const client = useClient();
  const id = useId();
  const listId = `${id}-list`;
  const [suggestions, setSuggestions] = useState<string[]>([]);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  // Only typing asks for suggestions: text set by a pick or a popular theme does not reopen the list.
  const [typed, setTyped] = useState<string | null>(null);

  useEffect(() => {
    const prefix = typed?.trim() ?? '';
    if (prefix === '') return;
    let current = true;
    const timer = setTimeout(() => {
      client.call('search.suggest', { prefix, limit: SUGGESTIONS }).then(
        ({ themes }) => {
          if (!current) return;
          // what is typed already is no suggestion
          const rest = themes.filter((theme) => theme !== prefix.toLowerCase());
          setSuggestions(rest);
          setActive(-1);
          setOpen(rest.length > 0);
        },
        // Suggestions only save typing: when they fail the field works as a plain text box.
        () => current && setOpen(false),
      );
    }, SUGGEST_DELAY_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [client, typed]);

  /** Closes the list and drops a request still waiting, so no late answer reopens it. */
  function close(): void {
    setOpen(false);
    setTyped(null);
  }

  function pick(theme: string): void {
    close();
    onPick(theme);
  }

  function onKeyDown(event: KeyboardEvent<HTMLInputElement>): void {
    const n = suggestions.length;
    if (event.key === 'ArrowDown' && n > 0) {
      event.preventDefault();
      setOpen(true);
      setActive((i) => (open ? (i + 1) % n : 0));
    } else if (event.key === 'ArrowUp' && open && n > 0) {
      event.preventDefault();
      setActive((i) => (i <= 0 ? n - 1 : i - 1));
    } else if (event.key === 'Enter') {
      const theme = open ? suggestions[active] : undefined;
      if (theme === undefined) return close(); // the form searches for what is typed
      event.preventDefault();
      pick(theme);
    } else if (event.key === 'Escape' && open) {
      event.preventDefault();
      setOpen(false);
    }
  }

  const shown = open && suggestions.length > 0;
  return (
    <div className="search-theme">
      <label htmlFor={id}>Theme</label>
      <input
        id={id}
        type="text"
        role="combobox"
        autoComplete="off"
        spellCheck={false}
        maxLength={100}
        placeholder="ocean waves, city at night, snow…"
        aria-autocomplete="list"
        aria-expanded={shown}
        aria-controls={listId}
        aria-activedescendant={shown && active >= 0 ? `${id}-option-${active}` : undefined}
        value={value}
        onChange={(event) => {
          onType(event.target.value);
          setTyped(event.target.value);
          if (event.target.value.trim() === '') setOpen(false);
        }}
        onKeyDown={onKeyDown}
        onBlur={close}
      />
      <ul id={listId} role="listbox" aria-label="Suggested themes" className="search-suggestions" hidden={!shown}>
        {suggestions.map((theme, i) => (
          <li
            key={theme}
            id={`${id}-option-${i}`}
            role="option"
            aria-selected={i === active}
            // keeps the focus in the field, so the blur does not close the list before the click lands
            onMouseDown={(event) => event.preventDefault()}
            onClick={() => pick(theme)}
          >
            {theme}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** Themes searched most often; one click searches again. Hidden until there are some. */
function PopularThemes({ version, onPick }: { version: unknown; onPick(theme: string): void }) {
  const client = useClient();
  const [themes, setThemes] = useState<Array<{ theme: string; count: number }>>([]);

  // `version` changes after each search, which may have changed the ranking.
  useEffect(() => {
    let current = true;
    client.call('search.popular', { limit: POPULAR }).then(
      (answer) => current && setThemes(answer.themes),
      // a shortcut, not a feature the screen depends on: without it the chips simply are not shown
      () => current && setThemes([]),
    );
    return () => {
      current = false;
    };
  }, [client, version]);

  if (themes.length === 0) return null;
  return (
    <div className="search-popular">
      <span className="field-label">Popular</span>
      <ul aria-label="Popular themes">
        {themes.map(({ theme, count }) => (
          <li key={theme}>
            <button type="button" className="chip" title={`Searched ${count} ${count === 1 ? 'time' : 'times'}`} onClick={() => onPick(theme)}>
              {theme}
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}

function NumberBox({ name, label, value, onChange }: { name: NumberKey; label: string; value: string; onChange(text: string): void }) {
  const id = useId();
  return (
    <div className="search-filter">
      <label htmlFor={id}>{label}</label>
      <input id={id} type="number" inputMode="numeric" step={1} {...bounds(name)} value={value} onChange={(event) => onChange(event.target.value)} />
    </div>
  );
}

export function SearchForm() {
  const client = useClient();
  const form = useSearch((s) => s.form);
  const running = useSearch((s) => s.running);
  const answer = useSearch((s) => s.answer);
  const { setForm, run } = useSearch.getState();
  const orientationId = useId();
  const qualityId = useId();

  const change = (patch: Partial<Form>) => setForm(patch);
  const searchFor = (theme: string) => {
    setForm({ theme });
    void run(client);
  };

  return (
    <>
      <form
        role="search"
        aria-label="Stock videos"
        className="search-form"
        onSubmit={(event) => {
          event.preventDefault();
          void run(client);
        }}
      >
        <div className="search-main">
          <ThemeBox value={form.theme} onType={(theme) => change({ theme })} onPick={searchFor} />
          <button type="submit" className="primary" disabled={running}>
            {running ? 'Searching…' : 'Search'}
          </button>
        </div>
        <div className="search-filters">
          <fieldset className="search-sources">
            <legend>Sources</legend>
            {STOCK_SOURCES.map((source) => (
              <label key={source} className="check">
                <input
                  type="checkbox"
                  checked={form.sources.includes(source)}
                  onChange={(event) =>
                    change({ sources: STOCK_SOURCES.filter((s) => (s === source ? event.target.checked : form.sources.includes(s))) })
                  }
                />
                {STOCK_SOURCE_LABELS[source]}
              </label>
            ))}
          </fieldset>
          <div className="search-filter">
            <label htmlFor={orientationId}>Orientation</label>
            <select
              id={orientationId}
              value={form.orientation}
              onChange={(event) => change({ orientation: ORIENTATIONS.find((o) => o === event.target.value) ?? '' })}
            >
              <option value="">Any</option>
              {ORIENTATIONS.map((o) => (
                <option key={o} value={o}>
                  {ORIENTATION_LABELS[o]}
                </option>
              ))}
            </select>
          </div>
          <div className="search-filter">
            <label htmlFor={qualityId}>Quality</label>
            <select
              id={qualityId}
              value={form.quality}
              onChange={(event) => {
                const quality = SEARCH_QUALITIES.find((q) => q === event.target.value);
                if (quality) change({ quality });
              }}
            >
              {SEARCH_QUALITIES.map((q) => (
                <option key={q} value={q}>
                  {QUALITY_LABELS[q]}
                </option>
              ))}
            </select>
          </div>
          {NUMBER_BOXES.map(({ key, label }) => (
            <NumberBox key={key} name={key} label={label} value={form[key]} onChange={(text) => change({ [key]: text })} />
          ))}
        </div>
      </form>
      <PopularThemes version={answer} onPick={searchFor} />
    </>
  );
}
