import { useCallback, useEffect, useId, useRef, useState, type ReactNode } from 'react';
import type { ProviderHealth, ProviderStats, Stats as StatsData } from '../../../shared/contract';
import { toAppError } from '../../../shared/errors';
import { formatBytes, formatSpeed } from '../../../shared/format';
import type { AppClient } from '../client/types';
import { useClient } from '../client/context';
import { formatElapsed, formatTime, providerLabel } from '../format';
import './screens.css';

const PERIODS = [7, 30, 90, 365] as const;
/** Jobs often finish in bursts (a playlist): one reload per burst. */
const REFRESH_DELAY_MS = 500;

/** What `fetch` answers, loaded again whenever a job finishes (`fetch` changes with the period, which reloads too). */
function useFigures<T>(client: AppClient, fetch: () => Promise<T>): { data: T | null; error: string | null } {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const latest = useRef(0);

  const load = useCallback(() => {
    // Answers can cross when the period changes quickly: only the newest request may land.
    const request = ++latest.current;
    fetch().then(
      (result) => {
        if (request !== latest.current) return;
        setData(result);
        setError(null);
      },
      (err: unknown) => {
        if (request === latest.current) setError(toAppError(err).message);
      },
    );
  }, [fetch]);

  useEffect(() => {
    load();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const off = client.on('job.updated', (job) => {
      if (job.state !== 'completed' && job.state !== 'failed') return;
      clearTimeout(timer);
      timer = setTimeout(load, REFRESH_DELAY_MS);
    });
    return () => {
      off();
      clearTimeout(timer);
    };
  }, [client, load]);

  return { data, error };
}

function percent(rate: number | null): string {
  return rate === null ? '—' : `${Math.round(rate * 100)} %`;
}

function chartLabel(days: StatsData['days']): string {
  const completed = days.reduce((n, d) => n + d.completed, 0);
  const failed = days.reduce((n, d) => n + d.failed, 0);
  const head = `Downloads per day over the last ${days.length} days: ${completed} completed, ${failed} failed`;
  const busiest = days.reduce<StatsData['days'][number] | null>((best, d) => (d.completed + d.failed > (best ? best.completed + best.failed : 0) ? d : best), null);
  return busiest ? `${head}; the busiest day was ${busiest.day} with ${busiest.completed + busiest.failed}.` : `${head}.`;
}

const BAR = 10;
const CHART_HEIGHT = 100;

/** Completed and failed downloads stacked per day; the numbers are in a table for screen readers as well. */
function DayChart({ days }: { days: StatsData['days'] }) {
  const max = Math.max(1, ...days.map((d) => d.completed + d.failed));
  const scale = (n: number) => (n / max) * CHART_HEIGHT;
  return (
    <figure className="stats-chart">
      <figcaption>Downloads per day</figcaption>
      <svg role="img" aria-label={chartLabel(days)} viewBox={`0 0 ${days.length * BAR} ${CHART_HEIGHT}`} preserveAspectRatio="none">
        {days.map((d, i) => {
          const ok = scale(d.completed);
          const failed = scale(d.failed);
          return (
            <g key={d.day}>
              <title>{`${d.day}: ${d.completed} completed, ${d.failed} failed`}</title>
              <rect className="stats-bar-ok" x={i * BAR + 1} width={BAR - 2} y={CHART_HEIGHT - ok} height={ok} />
              <rect className="stats-bar-failed" x={i * BAR + 1} width={BAR - 2} y={CHART_HEIGHT - ok - failed} height={failed} />
            </g>
          );
        })}
      </svg>
      <div className="stats-axis" aria-hidden="true">
        <span>{days[0]?.day}</span>
        <span>
          <span className="stats-key stats-key-ok" /> completed <span className="stats-key stats-key-failed" /> failed · up to {max} a day
        </span>
        <span>{days.at(-1)?.day}</span>
      </div>
      <CountsTable className="sr-only" caption="Downloads per day" head="Day" rows={days.map((d) => ({ label: d.day, ...d }))} />
    </figure>
  );
}

function Totals({ totals }: { totals: StatsData['totals'] }) {
  const rows: Array<[string, string]> = [
    ['Completed', String(totals.completed)],
    ['Failed', String(totals.failed)],
    ['Duplicates skipped', String(totals.duplicates)],
    ['Success rate', percent(totals.successRate)],
    ['Total size', formatBytes(totals.bytes)],
    ['Average speed', formatSpeed(totals.avgSpeed) || '—'],
  ];
  return (
    <dl className="stats-totals">
      {rows.map(([name, value]) => (
        <div key={name}>
          <dt>{name}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

const BREAKER_HINTS: Record<ProviderHealth['breaker'], string> = {
  closed: 'working: tried as usual',
  open: 'paused after failures in a row: skipped until the pause ends',
  'half-open': 'the pause is over: a few tries decide whether it is back',
};

/** Each provider's attempts over the period: how often it was tried, how it ended and what it cost. */
function ProviderTable({ providers }: { providers: ProviderStats[] }) {
  return (
    <table className="stats-table">
      <caption>By provider</caption>
      <thead>
        <tr>
          <th scope="col">Provider</th>
          <th scope="col">Attempts</th>
          <th scope="col">Succeeded</th>
          <th scope="col">Failed</th>
          <th scope="col">As fallback</th>
          <th scope="col">Size</th>
          <th scope="col">Time</th>
          <th scope="col" className="stats-codes">
            Failures by code
          </th>
        </tr>
      </thead>
      <tbody>
        {providers.map((p) => (
          <tr key={p.provider}>
            <th scope="row">{providerLabel(p.provider)}</th>
            <td>{p.attempts}</td>
            <td>{p.successes}</td>
            <td>{p.failures}</td>
            <td>{p.fallbacks}</td>
            <td>{formatBytes(p.bytes)}</td>
            <td>{formatElapsed(p.ms)}</td>
            <td className="stats-codes">
              {Object.entries(p.failuresByCode)
                .sort(([, a], [, b]) => b - a)
                .map(([code, n]) => (
                  <span key={code}>
                    <code>{code}</code> {n}
                  </span>
                ))}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Whether each provider is being tried now, and if not, why: circuit breaker, missing credentials, switched off. */
function HealthTable({ providers }: { providers: ProviderHealth[] }) {
  return (
    <table className="stats-table stats-health">
      <caption>Provider health</caption>
      <thead>
        <tr>
          <th scope="col">Provider</th>
          <th scope="col">Breaker</th>
          <th scope="col">Recent success</th>
          <th scope="col">Last error</th>
          <th scope="col">Notes</th>
        </tr>
      </thead>
      <tbody>
        {providers.map((p) => (
          <tr key={p.provider}>
            <th scope="row">{providerLabel(p.provider)}</th>
            <td>
              <span className="badge" data-breaker={p.breaker} title={BREAKER_HINTS[p.breaker]}>
                {p.breaker}
              </span>
            </td>
            <td>{p.recentSuccessRate === null ? '—' : `${percent(p.recentSuccessRate)} of ${p.recentAttempts}`}</td>
            <td>
              {p.lastError ? (
                <>
                  <code>{p.lastError.code}</code> {p.lastError.message} <span className="muted">({formatTime(p.lastError.at)})</span>
                </>
              ) : (
                '—'
              )}
            </td>
            <td>{healthNotes(p).join(' ') || '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function healthNotes(p: ProviderHealth): string[] {
  const notes: string[] = [];
  // `unavailable` already says "disabled" for a provider switched off; the flag alone is the fallback wording.
  if (p.unavailable) notes.push(`Not used: ${p.unavailable.replace(/\.$/, '')}.`);
  else if (!p.enabled) notes.push('Disabled in Settings → Providers.');
  if (p.breaker === 'open') {
    const failures = `${p.consecutiveFailures} ${p.consecutiveFailures === 1 ? 'failure' : 'failures'} in a row`;
    notes.push(p.openUntil === null ? `Paused after ${failures}.` : `Paused after ${failures}, until ${formatTime(p.openUntil)}.`);
  }
  return notes;
}

type CountsRow = { label: string; completed: number; failed: number; bytes: number };

/** Completed, failed and size per row: the chart's accessible twin and the per-source figures. */
function CountsTable({ caption, head, rows, className }: { caption: string; head: string; rows: CountsRow[]; className: string }) {
  return (
    <table className={className}>
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">{head}</th>
          <th scope="col">Completed</th>
          <th scope="col">Failed</th>
          <th scope="col">Size</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.label}>
            <th scope="row">{r.label}</th>
            <td>{r.completed}</td>
            <td>{r.failed}</td>
            <td>{formatBytes(r.bytes)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A block of figures that loads on its own: its failure is said in its place and leaves the rest of the screen alone. */
function Figures<T>({ figures, what, children }: { figures: { data: T | null; error: string | null }; what: string; children(data: T): ReactNode }) {
  if (figures.error) {
    return (
      <p role="alert" className="alert">
        Could not load {what}: {figures.error}
      </p>
    );
  }
  return figures.data === null ? null : children(figures.data);
}

/** Hands the engine's export to the browser as a file download. */
async function download(client: AppClient, format: 'json' | 'csv'): Promise<void> {
  const { filename, mimeType, content } = await client.call('stats.export', { format });
  const url = URL.createObjectURL(new Blob([content], { type: mimeType }));
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  // Some browsers only follow a click on a link that is in the document.
  document.body.append(link);
  link.click();
  link.remove();
  // Revoked on the next task, once the browser has started reading the blob.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

export function Stats() {
  const client = useClient();
  const [days, setDays] = useState<number>(30);
  const { data: summary, error } = useFigures(
    client,
    useCallback(() => client.call('stats.summary', { days, utcOffsetMin: -new Date().getTimezoneOffset() }), [client, days]),
  );
  const providers = useFigures(
    client,
    useCallback(() => client.call('stats.providers', { days }), [client, days]),
  );
  const health = useFigures(
    client,
    useCallback(() => client.call('providers.health', {}), [client]),
  );
  const [exportError, setExportError] = useState<string | null>(null);
  const headingId = useId();
  const periodId = useId();

  function exportAs(format: 'json' | 'csv'): void {
    setExportError(null);
    download(client, format).catch((err: unknown) => setExportError(toAppError(err).message));
  }

  const shownError = error ?? exportError;
  return (
    <section className="screen stats" aria-labelledby={headingId}>
      <h2 id={headingId}>Stats</h2>
      <div className="stats-toolbar">
        <label htmlFor={periodId}>Period</label>
        <select id={periodId} value={days} onChange={(event) => setDays(Number(event.target.value))}>
          {PERIODS.map((n) => (
            <option key={n} value={n}>
              Last {n} days
            </option>
          ))}
        </select>
        <button type="button" onClick={() => exportAs('json')}>
          Export JSON
        </button>
        <button type="button" onClick={() => exportAs('csv')}>
          Export CSV
        </button>
      </div>
      {shownError && (
        <p role="alert" className="alert">
          {shownError}
        </p>
      )}
      {summary === null ? (
        !error && <p>Loading stats…</p>
      ) : (
        <>
          <Totals totals={summary.totals} />
          <DayChart days={summary.days} />
          {summary.sources.length > 0 ? (
            <CountsTable className="stats-table" caption="By source" head="Source" rows={summary.sources.map((x) => ({ label: x.source, ...x }))} />
          ) : <p className="empty">No downloads in this period.</p>}
        </>
      )}
      <Figures figures={providers} what="the figures by provider">
        {(data) => (data.providers.length > 0 ? <ProviderTable providers={data.providers} /> : null)}
      </Figures>
      <Figures figures={health} what="provider health">
        {(data) => <HealthTable providers={data.providers} />}
      </Figures>
    </section>
  );
}
