import { useCallback, useEffect, useId, useRef, useState } from 'react';
import type { Stats as StatsData } from '../../../shared/contract';
import { toAppError } from '../../../shared/errors';
import { formatBytes, formatSpeed } from '../../../shared/format';
import type { AppClient } from '../client/types';
import { useClient } from '../client/context';
import './screens.css';

const PERIODS = [7, 30, 90, 365] as const;
/** Jobs often finish in bursts (a playlist): one reload per burst. */
const REFRESH_DELAY_MS = 500;

/** The summary for the last `days` days in the user's time zone, reloaded whenever a job finishes. */
function useSummary(client: AppClient, days: number): { summary: StatsData | null; error: string | null } {
  const [summary, setSummary] = useState<StatsData | null>(null);
  const [error, setError] = useState<string | null>(null);
  const latest = useRef(0);

  const load = useCallback(() => {
    // Answers can cross when the period changes quickly: only the newest request may land.
    const request = ++latest.current;
    client.call('stats.summary', { days, utcOffsetMin: -new Date().getTimezoneOffset() }).then(
      (result) => {
        if (request !== latest.current) return;
        setSummary(result);
        setError(null);
      },
      (err: unknown) => {
        if (request === latest.current) setError(toAppError(err).message);
      },
    );
  }, [client, days]);

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

  return { summary, error };
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
  const { summary, error } = useSummary(client, days);
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
            <CountsTable className="stats-sources" caption="By source" head="Source" rows={summary.sources.map((x) => ({ label: x.source, ...x }))} />
          ) : <p className="empty">No downloads in this period.</p>}
        </>
      )}
    </section>
  );
}
