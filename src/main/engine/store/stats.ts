import type { ProviderStats, Stats } from '../../../shared/contract';
import type { ErrorCode } from '../../../shared/errors';
import type { DB } from './db';

const DAY_MS = 86_400_000;

/**
 * Figures for the Stats screen, from the `events` log: one row per job outcome, written in the same transaction
 * as the outcome itself, so the numbers survive job removal and restarts.
 */
export function statsSummary(db: DB, now: number, days: number, utcOffsetMin: number): Stats {
  const offsetMs = utcOffsetMin * 60_000;
  // local midnight of the first day shown, as a UTC timestamp
  const todayStart = Math.floor((now + offsetMs) / DAY_MS) * DAY_MS - offsetMs;
  const since = todayStart - (days - 1) * DAY_MS;

  const perDay = db
    .prepare(
      `SELECT CAST((at - @since) / ${DAY_MS} AS INTEGER) AS d,
              SUM(type = 'job.completed') AS completed, SUM(type = 'job.failed') AS failed,
              SUM(CASE WHEN type = 'job.completed' THEN coalesce(json_extract(data, '$.bytes'), 0) END) AS bytes
       FROM events WHERE at >= @since AND type IN ('job.completed', 'job.failed') GROUP BY d`,
    )
    .all({ since }) as Array<{ d: number; completed: number; failed: number; bytes: number | null }>;
  const byDay = new Map(perDay.map((r) => [r.d, r]));
  const dayList: Stats['days'] = [];
  for (let i = 0; i < days; i++) {
    const r = byDay.get(i);
    dayList.push({ day: new Date(since + offsetMs + i * DAY_MS).toISOString().slice(0, 10), completed: r?.completed ?? 0, failed: r?.failed ?? 0, bytes: r?.bytes ?? 0 });
  }

  const t = db
    .prepare(
      `SELECT SUM(type = 'job.completed') AS completed, SUM(type = 'job.failed') AS failed, SUM(type = 'job.duplicate') AS duplicates,
              SUM(CASE WHEN type = 'job.completed' THEN coalesce(json_extract(data, '$.bytes'), 0) END) AS bytes,
              SUM(CASE WHEN type = 'job.completed' THEN coalesce(json_extract(data, '$.ms'), 0) END) AS ms
       FROM events WHERE at >= ?`,
    )
    .get(since) as { completed: number | null; failed: number | null; duplicates: number | null; bytes: number | null; ms: number | null };
  const completed = t.completed ?? 0;
  const failed = t.failed ?? 0;
  const bytes = t.bytes ?? 0;

  const sources = db
    .prepare(
      `SELECT coalesce(json_extract(data, '$.source'), 'other') AS source,
              SUM(type = 'job.completed') AS completed, SUM(type = 'job.failed') AS failed,
              SUM(CASE WHEN type = 'job.completed' THEN coalesce(json_extract(data, '$.bytes'), 0) ELSE 0 END) AS bytes
       FROM events WHERE at >= ? AND type IN ('job.completed', 'job.failed')
       GROUP BY source ORDER BY completed + failed DESC, source LIMIT 50`,
    )
    .all(since) as Stats['sources'];

  return {
    days: dayList,
    totals: {
      completed,
      failed,
      duplicates: t.duplicates ?? 0,
      bytes,
      successRate: completed + failed > 0 ? completed / (completed + failed) : null,
      avgSpeed: t.ms && t.ms > 0 ? (bytes * 1000) / t.ms : null,
    },
    sources,
  };
}

interface HistoryRow {
  id: number;
  parent_id: number | null;
  url: string;
  title: string | null;
  source: string | null;
  state: string;
  result: string | null;
  quality: string;
  error_code: string | null;
  error_message: string | null;
  created_at: number;
  finished_at: number | null;
  path: string | null;
  bytes: number | null;
  duration_sec: number | null;
  width: number | null;
  height: number | null;
}

const COLUMNS: ReadonlyArray<keyof HistoryRow> = [
  'id', 'parent_id', 'url', 'title', 'source', 'state', 'result', 'quality', 'error_code', 'error_message',
  'created_at', 'finished_at', 'path', 'bytes', 'duration_sec', 'width', 'height',
];

/** Every job with its library file, for the Stats screen's export; never includes settings or secrets. */
export function exportHistory(db: DB, format: 'json' | 'csv', now: number): { filename: string; mimeType: string; content: string } {
  const rows = db
    .prepare(
      `SELECT j.id, j.parent_id, j.url, coalesce(i.title, j.title) AS title, coalesce(i.source, j.source) AS source, j.state, j.result,
              j.quality, j.error_code, j.error_message, j.created_at, j.finished_at, i.path, i.bytes, i.duration_sec, i.width, i.height
       FROM jobs j LEFT JOIN items i ON i.id = j.item_id ORDER BY j.id`,
    )
    .all() as HistoryRow[];
  const stamp = new Date(now).toISOString().slice(0, 10);
  if (format === 'json') {
    return { filename: `clipharbor-history-${stamp}.json`, mimeType: 'application/json', content: JSON.stringify(rows, null, 2) + '\n' };
  }
  const lines = [COLUMNS.join(',')];
  for (const r of rows) lines.push(COLUMNS.map((c) => csvCell(r[c])).join(','));
  return { filename: `clipharbor-history-${stamp}.csv`, mimeType: 'text/csv', content: lines.join('\r\n') + '\r\n' };
}

/** RFC 4180 quoting, and a leading quote mark on cells a spreadsheet would run as a formula. */
function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let s = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * Per-provider counters from the `attempts` table (one row per provider try, with its outcome, bytes and timing).
 * An interrupted try (pause, shutdown, crash) is neither a success nor a failure.
 */
export function providerStats(db: DB, now: number, days: number): ProviderStats[] {
  const since = now - days * DAY_MS;
  const rows = db
    .prepare(
      `SELECT provider, COUNT(*) AS attempts,
              SUM(ended_at IS NOT NULL AND error_code IS NULL) AS successes,
              SUM(error_code IS NOT NULL AND error_code <> 'ERR_CANCELED') AS failures,
              SUM(fallback) AS fallbacks,
              coalesce(SUM(CASE WHEN error_code IS NULL THEN bytes END), 0) AS bytes,
              coalesce(SUM(ended_at - started_at), 0) AS ms
       FROM attempts WHERE started_at >= ? GROUP BY provider ORDER BY attempts DESC`,
    )
    .all(since) as Array<Omit<ProviderStats, 'failuresByCode'>>;
  const codes = db
    .prepare(
      `SELECT provider, error_code AS code, COUNT(*) AS n FROM attempts
       WHERE started_at >= ? AND error_code IS NOT NULL AND error_code <> 'ERR_CANCELED' GROUP BY provider, error_code`,
    )
    .all(since) as Array<{ provider: string; code: string; n: number }>;
  return rows.map((r) => ({
    ...r,
    failuresByCode: Object.fromEntries(codes.filter((c) => c.provider === r.provider).map((c) => [c.code, c.n])),
  }));
}

/** Success rate over a provider's last finished tries and its latest failure, for the health panel. */
export function recentOutcomes(db: DB, provider: string, window = 50): { rate: number | null; count: number; lastError: { code: ErrorCode; message: string; at: number } | null } {
  const recent = db
    .prepare(
      `SELECT error_code IS NULL AS ok FROM attempts
       WHERE provider = ? AND ended_at IS NOT NULL AND coalesce(error_code, '') <> 'ERR_CANCELED' ORDER BY id DESC LIMIT ?`,
    )
    .all(provider, window) as Array<{ ok: number }>;
  const last = db
    .prepare(
      `SELECT error_code AS code, error_message AS message, ended_at AS at FROM attempts
       WHERE provider = ? AND error_code IS NOT NULL AND error_code <> 'ERR_CANCELED' ORDER BY id DESC LIMIT 1`,
    )
    .get(provider) as { code: ErrorCode; message: string | null; at: number } | undefined;
  const ok = recent.filter((r) => r.ok === 1).length;
  return {
    rate: recent.length ? ok / recent.length : null,
    count: recent.length,
    lastError: last ? { code: last.code, message: last.message ?? '', at: last.at } : null,
  };
}
