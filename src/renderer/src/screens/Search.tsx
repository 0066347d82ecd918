import { memo, useEffect, useId, useRef } from 'react';
import type { SearchResult } from '../../../shared/contract';
import { formatBytes, formatDuration } from '../../../shared/format';
import { useClient } from '../client/context';
import { hashOf } from '../components/route';
import { adviceFor, STOCK_SOURCE_LABELS } from '../format';
import { useSearch, type SearchAnswer } from '../store/search';
import { SearchForm } from './SearchForm';
import './screens.css';

type SourceStatus = SearchAnswer['sources'][number];

function plural(n: number, one: string): string {
  return `${n.toLocaleString()} ${one}${n === 1 ? '' : 's'}`;
}

function clockTime(ms: number): string {
  return new Date(ms).toLocaleTimeString(undefined, { timeStyle: 'short' });
}

/** What happened at one source: how many results and how many requests are left, or why it failed and what to do. */
function SourceLine({ status, found }: { status: SourceStatus; found: number }) {
  const name = STOCK_SOURCE_LABELS[status.source];
  if (!status.ok) {
    const error = status.error;
    return (
      <li data-ok="false">
        <strong>{name}:</strong> {error?.message ?? 'the search failed.'}{' '}
        {error?.code === 'ERR_CREDENTIALS' ? (
          // the engine's sentence already says where the key goes: one click takes the user there
          <a href={hashOf('Settings')}>Open Settings</a>
        ) : (
          error && adviceFor(error.code) && <span className="advice">{adviceFor(error.code)}</span>
        )}
      </li>
    );
  }
  const facts = [plural(found, 'result')];
  if (status.cached) facts.push('from the cache');
  if (status.remaining !== null) {
    facts.push(`${plural(status.remaining, 'request')} left${status.resetAt !== null ? ` until ${clockTime(status.resetAt)}` : ''}`);
  }
  return (
    <li data-ok="true">
      <strong>{name}:</strong> {facts.join(', ')}
    </li>
  );
}

/** Pexels and Pixabay ask that the author is credited: the name links to their page, the site name to the video's. */
function Attribution({ result }: { result: SearchResult }) {
  const site = STOCK_SOURCE_LABELS[result.source];
  return (
    <p className="result-credit">
      by{' '}
      {result.creatorUrl ? (
        <a href={result.creatorUrl} target="_blank" rel="noopener noreferrer">
          {result.creatorName}
        </a>
      ) : (
        result.creatorName
      )}{' '}
      on{' '}
      <a href={result.pageUrl} target="_blank" rel="noopener noreferrer">
        {site}
      </a>
    </p>
  );
}

/** Memoized: ticking one box re-renders that card, not the whole grid. */
const ResultCard = memo(function ResultCard({ result, selected, onToggle }: { result: SearchResult; selected: boolean; onToggle(key: string, on: boolean): void }) {
  const titleId = useId();
  const size = result.width !== null && result.height !== null ? `${result.width}×${result.height}` : null;
  return (
    <li className="result-card" aria-labelledby={titleId} data-selected={selected || undefined}>
      <label className="result-pick">
        {result.thumbnailUrl ? (
          // Remote thumbnails: the referrer stays home, and one that fails to load leaves the grey box.
          <img
            className="result-thumb"
            src={result.thumbnailUrl}
            alt=""
            loading="lazy"
            decoding="async"
            referrerPolicy="no-referrer"
            onError={(event) => event.currentTarget.setAttribute('data-broken', '')}
          />
        ) : (
          <span className="result-thumb" aria-hidden="true" />
        )}
        <input type="checkbox" className="result-check" checked={selected} aria-labelledby={titleId} onChange={(event) => onToggle(result.key, event.target.checked)} />
      </label>
      <p id={titleId} className="result-title">
        {result.title}
      </p>
      <p className="result-meta">
        <span>{formatDuration(result.durationSec)}</span>
        {size && <span>{size}</span>}
        {result.bytes !== null && <span>{formatBytes(result.bytes)}</span>}
        <span>{STOCK_SOURCE_LABELS[result.source]}</span>
      </p>
      <Attribution result={result} />
    </li>
  );
});

/** A link already in the queue keeps its job, so fewer can be created than were asked for. */
function addedText({ asked, created }: { asked: number; created: number }): string {
  const head = `Added ${plural(created, 'video')} to the queue.`;
  const known = asked - created;
  if (known === 0) return head;
  return `${head} ${known === 1 ? '1 was' : `${known.toLocaleString()} were`} already there.`;
}

/** Select all (mixed while some are chosen), the download button and what the last download did. */
function SelectionBar({ answer }: { answer: SearchAnswer }) {
  const client = useClient();
  const selected = useSearch((s) => s.selected.size);
  const downloading = useSearch((s) => s.downloading);
  const added = useSearch((s) => s.added);
  const { selectAll, download } = useSearch.getState();
  const allRef = useRef<HTMLInputElement>(null);
  const total = answer.results.length;

  useEffect(() => {
    if (allRef.current) allRef.current.indeterminate = selected > 0 && selected < total;
  }, [selected, total]);

  return (
    <div className="search-bar">
      <label className="check">
        <input ref={allRef} type="checkbox" checked={selected > 0 && selected === total} onChange={(event) => selectAll(event.target.checked)} />
        Select all
      </label>
      <button type="button" className="primary" disabled={selected === 0 || downloading} onClick={() => void download(client)}>
        {downloading ? 'Adding…' : `Download ${selected} selected`}
      </button>
      <p role="status" className="search-added">
        {added && (
          <>
            {addedText(added)}{' '}
            <a href={hashOf('Queue')}>Open the Queue</a>
          </>
        )}
      </p>
    </div>
  );
}

function Results({ answer }: { answer: SearchAnswer }) {
  const selected = useSearch((s) => s.selected);
  const { toggle } = useSearch.getState();
  const counts = new Map(answer.sources.map((s) => [s.source, answer.results.filter((r) => r.source === s.source).length]));
  const anyOk = answer.sources.some((s) => s.ok);

  return (
    <>
      <ul className="search-sources-status" aria-label="Sources searched">
        {answer.sources.map((status) => (
          <SourceLine key={status.source} status={status} found={counts.get(status.source) ?? 0} />
        ))}
      </ul>
      {answer.results.length > 0 ? (
        <>
          <SelectionBar answer={answer} />
          <ul className="search-results" aria-label="Search results">
            {answer.results.map((result) => (
              <ResultCard key={result.key} result={result} selected={selected.has(result.key)} onToggle={toggle} />
            ))}
          </ul>
        </>
      ) : (
        <div className="empty">
          {anyOk ? (
            <>
              <p className="empty-title">No videos for “{answer.theme}”</p>
              <p>Try a broader theme, or clear some filters (orientation, minimum size, duration).</p>
            </>
          ) : (
            <>
              <p className="empty-title">No source could be searched</p>
              <p>The reasons are listed above for each source.</p>
            </>
          )}
        </div>
      )}
    </>
  );
}

export function Search() {
  const client = useClient();
  const answer = useSearch((s) => s.answer);
  const error = useSearch((s) => s.error);
  const headingId = useId();

  useEffect(() => useSearch.getState().attach(client), [client]);

  return (
    <section className="screen search" aria-labelledby={headingId}>
      <h2 id={headingId}>Search</h2>
      <SearchForm />
      {error && (
        <p role="alert" className="alert">
          {error}
        </p>
      )}
      {answer ? (
        <Results answer={answer} />
      ) : (
        <div className="empty">
          <p className="empty-title">Find stock videos by theme</p>
          <p>
            Search Pexels and Pixabay, pick the videos you want and download them into your library with their authors credited. Both need a
            free API key: add them in <a href={hashOf('Settings')}>Settings → Providers</a>.
          </p>
        </div>
      )}
    </section>
  );
}
