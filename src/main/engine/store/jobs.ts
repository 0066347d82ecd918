import type { Attempt, AudioFormat, Job, JobState, Progress, Quality, QueueSummary } from '../../../shared/contract';
import { AppError, type AppErrorData, type ErrorCode } from '../../../shared/errors';
import { Statements, type DB } from './db';

export interface JobRow {
  id: number;
  parent_id: number | null;
  kind: 'single' | 'playlist';
  url: string;
  canonical_url: string;
  state: JobState;
  result: Job['result'];
  priority: number;
  quality: Quality;
  audio_format: AudioFormat;
  format_profile: string;
  title: string | null;
  source: string | null;
  extractor: string | null;
  video_id: string | null;
  uploader: string | null;
  upload_date: string | null;
  item_id: number | null;
  error_code: ErrorCode | null;
  error_message: string | null;
  tries: number;
  next_attempt_at: number | null;
  final_path: string | null;
  worker_pid: number | null;
  created_at: number;
  updated_at: number;
  started_at: number | null;
  finished_at: number | null;
  attribution_name: string | null;
  attribution_url: string | null;
  /** A forced provider chain (comma-separated), or null to route by URL. */
  route: string | null;
}

/** Which state may follow which; every change goes through `transition`, which enforces it atomically. */
const ALLOWED: Record<JobState, readonly JobState[]> = {
  queued: ['resolving', 'paused', 'canceled', 'completed'],
  resolving: ['downloading', 'queued', 'paused', 'canceled', 'failed', 'retry_wait', 'completed'],
  downloading: ['postprocessing', 'queued', 'paused', 'canceled', 'failed', 'retry_wait', 'completed'],
  postprocessing: ['completed', 'failed', 'queued', 'canceled', 'retry_wait'],
  paused: ['queued', 'canceled'],
  retry_wait: ['queued', 'resolving', 'paused', 'canceled'],
  failed: ['queued', 'canceled'],
  canceled: ['queued'],
  completed: [],
};

export function canTransition(from: JobState, to: JobState): boolean {
  return ALLOWED[from].includes(to);
}

export type JobPatch = Partial<Omit<JobRow, 'id' | 'state' | 'created_at' | 'updated_at'>>;

export interface NewJob {
  parentId?: number | null;
  url: string;
  canonicalUrl: string;
  quality: Quality;
  audioFormat: AudioFormat;
  formatProfile: string;
  priority: number;
  title?: string | null;
  state?: JobState;
  result?: Job['result'];
  itemId?: number | null;
  source?: string | null;
  extractor?: string | null;
  videoId?: string | null;
  uploader?: string | null;
  attributionName?: string | null;
  attributionUrl?: string | null;
  route?: string | null;
}

/** What a provider may report about an attempt (shown in job details; never a secret). */
export type AttemptDetail = Record<string, string | number | boolean | null>;

export class JobStore {
  private readonly statements: Statements;

  constructor(
    private readonly db: DB,
    private readonly now: () => number,
  ) {
    this.statements = new Statements(db);
  }

  private stmt(sql: string) {
    return this.statements.get(sql);
  }

  insert(job: NewJob): number {
    const t = this.now();
    const info = this
      .stmt(
        `INSERT INTO jobs (parent_id, url, canonical_url, state, result, priority, quality, audio_format, format_profile, title, item_id,
           source, extractor, video_id, uploader, attribution_name, attribution_url, route, created_at, updated_at, finished_at)
         VALUES (@parentId, @url, @canonicalUrl, @state, @result, @priority, @quality, @audioFormat, @formatProfile, @title, @itemId,
           @source, @extractor, @videoId, @uploader, @attributionName, @attributionUrl, @route, @t, @t, @finishedAt)`,
      )
      .run({
        parentId: job.parentId ?? null,
        url: job.url,
        canonicalUrl: job.canonicalUrl,
        state: job.state ?? 'queued',
        result: job.result ?? null,
        priority: job.priority,
        quality: job.quality,
        audioFormat: job.audioFormat,
        formatProfile: job.formatProfile,
        title: job.title ?? null,
        itemId: job.itemId ?? null,
        source: job.source ?? null,
        extractor: job.extractor ?? null,
        videoId: job.videoId ?? null,
        uploader: job.uploader ?? null,
        attributionName: job.attributionName ?? null,
        attributionUrl: job.attributionUrl ?? null,
        route: job.route ?? null,
        t,
        finishedAt: job.state === 'completed' ? t : null,
      });
    return Number(info.lastInsertRowid);
  }

  get(id: number): JobRow | undefined {
    return this.stmt('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
  }

  require(id: number): JobRow {
    const row = this.get(id);
    if (!row) throw new AppError('ERR_NOT_FOUND', `There is no job ${id}.`);
    return row;
  }

  /** The unfinished job already downloading this URL in this format, if any. */
  findUnfinished(canonicalUrl: string, formatProfile: string): JobRow | undefined {
    return this
      .stmt(
        `SELECT * FROM jobs WHERE canonical_url = ? AND format_profile = ? AND kind = 'single'
         AND state IN ('queued','resolving','downloading','postprocessing','paused','retry_wait') ORDER BY id LIMIT 1`,
      )
      .get(canonicalUrl, formatProfile) as JobRow | undefined;
  }

  /** Another unfinished job for the same video, found once the extractor told us its id. */
  findUnfinishedByVideo(extractor: string, videoId: string, formatProfile: string, exceptId: number): JobRow | undefined {
    return this
      .stmt(
        `SELECT * FROM jobs WHERE extractor = ? AND video_id = ? AND format_profile = ? AND id != ? AND kind = 'single'
         AND state IN ('resolving','downloading','postprocessing') ORDER BY id LIMIT 1`,
      )
      .get(extractor, videoId, formatProfile, exceptId) as JobRow | undefined;
  }

  /**
   * Moves a job to `to` if its current state allows it; returns the updated row.
   * `from` narrows further which current states are acceptable for this caller.
   */
  transition(id: number, to: JobState, patch: JobPatch = {}, from?: readonly JobState[]): JobRow {
    return this.db.transaction(() => {
      const row = this.require(id);
      if (!canTransition(row.state, to) || (from && !from.includes(row.state))) {
        throw new AppError('ERR_BAD_STATE', `Job ${id} is ${row.state.replace('_', ' ')} and cannot become ${to.replace('_', ' ')}.`);
      }
      const t = this.now();
      const fields: Record<string, unknown> = { ...patch, state: to, updated_at: t };
      if (to === 'completed' || to === 'failed' || to === 'canceled') fields.finished_at = t;
      if (to === 'queued' || to === 'resolving') fields.finished_at = null;
      this.write(id, fields);
      return this.require(id);
    })();
  }

  /** Field changes that are not state changes (titles, ids, priority). */
  update(id: number, patch: JobPatch): JobRow {
    this.write(id, { ...patch, updated_at: this.now() });
    return this.require(id);
  }

  private write(id: number, fields: Record<string, unknown>): void {
    const keys = Object.keys(fields);
    for (const key of keys) if (!/^[a-z_]+$/.test(key)) throw new Error(`bad column ${key}`);
    const sql = `UPDATE jobs SET ${keys.map((k) => `${k} = @${k}`).join(', ')} WHERE id = @id`;
    this.stmt(sql).run({ ...fields, id });
  }

  /** The next runnable job: highest priority first, then oldest. */
  pickNext(now: number, exclude: ReadonlySet<number>): JobRow | undefined {
    const rows = this
      .stmt(
        `SELECT * FROM jobs WHERE kind = 'single' AND (state = 'queued' OR (state = 'retry_wait' AND next_attempt_at <= ?))
         ORDER BY priority DESC, id LIMIT ?`,
      )
      .all(now, exclude.size + 1) as JobRow[];
    return rows.find((r) => !exclude.has(r.id));
  }

  nextRetryAt(): number | null {
    const row = this.stmt(`SELECT MIN(next_attempt_at) AS t FROM jobs WHERE state = 'retry_wait'`).get() as { t: number | null };
    return row.t;
  }

  /** Single jobs (playlist parents only group them) counted by what they are doing. */
  summary(): QueueSummary {
    const rows = this.statements
      .get("SELECT state, COUNT(*) AS n FROM jobs WHERE kind = 'single' GROUP BY state")
      .all() as Array<{ state: JobState; n: number }>;
    const n = (states: readonly JobState[]) => rows.filter((r) => states.includes(r.state)).reduce((sum, r) => sum + r.n, 0);
    return {
      active: n(['resolving', 'downloading', 'postprocessing']),
      queued: n(['queued']),
      paused: n(['paused']),
      retrying: n(['retry_wait']),
      failed: n(['failed']),
      completed: n(['completed']),
    };
  }

  listIds(states: readonly JobState[]): number[] {
    if (states.length === 0) return [];
    const rows = this
      .stmt(`SELECT id FROM jobs WHERE state IN (${states.map(() => '?').join(',')}) ORDER BY id`)
      .all(...states) as Array<{ id: number }>;
    return rows.map((r) => r.id);
  }

  list(opts: { states?: readonly JobState[]; parentId?: number | null; limit: number; offset: number }): { rows: JobRow[]; total: number } {
    const where: string[] = [];
    const args: unknown[] = [];
    if (opts.states && opts.states.length > 0) {
      where.push(`state IN (${opts.states.map(() => '?').join(',')})`);
      args.push(...opts.states);
    }
    if (opts.parentId === null) where.push('parent_id IS NULL');
    else if (opts.parentId !== undefined) {
      where.push('parent_id = ?');
      args.push(opts.parentId);
    }
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const total = (this.stmt(`SELECT COUNT(*) AS n FROM jobs ${clause}`).get(...args) as { n: number }).n;
    const rows = this
      .stmt(`SELECT * FROM jobs ${clause} ORDER BY priority DESC, id LIMIT ? OFFSET ?`)
      .all(...args, opts.limit, opts.offset) as JobRow[];
    return { rows, total };
  }

  children(parentId: number): JobRow[] {
    return this.stmt('SELECT * FROM jobs WHERE parent_id = ? ORDER BY id').all(parentId) as JobRow[];
  }

  childSummary(parentId: number): { total: number; completed: number; failed: number } {
    return this
      .stmt(
        `SELECT COUNT(*) AS total, COALESCE(SUM(state = 'completed'), 0) AS completed, COALESCE(SUM(state IN ('failed','canceled')), 0) AS failed
         FROM jobs WHERE parent_id = ?`,
      )
      .get(parentId) as { total: number; completed: number; failed: number };
  }

  startAttempt(jobId: number, provider: string, variant: string | null, opts: { fallback?: boolean; remoteId?: string | null } = {}): number {
    const info = this
      .stmt('INSERT INTO attempts (job_id, provider, variant, started_at, fallback, remote_id) VALUES (?, ?, ?, ?, ?, ?)')
      .run(jobId, provider, variant, this.now(), opts.fallback ? 1 : 0, opts.remoteId ?? null);
    return Number(info.lastInsertRowid);
  }

  /** Saved the moment a remote service accepts the request, so a crash right after cannot make us pay twice. */
  setAttemptRemote(attemptId: number, remoteId: string): void {
    this.stmt('UPDATE attempts SET remote_id = ? WHERE id = ?').run(remoteId, attemptId);
  }

  endAttempt(attemptId: number, error: AppErrorData | null, bytes: number | null, detail: AttemptDetail | null = null): void {
    this
      .stmt('UPDATE attempts SET ended_at = ?, error_code = ?, error_message = ?, bytes = ?, detail = coalesce(?, detail) WHERE id = ?')
      .run(this.now(), error?.code ?? null, error?.message ?? null, bytes, detail ? JSON.stringify(detail) : null, attemptId);
  }

  /** The job's most recent attempt, for resuming a chain where a stop interrupted it. */
  lastAttempt(jobId: number): Attempt | undefined {
    const row = this.stmt('SELECT * FROM attempts WHERE job_id = ? ORDER BY id DESC LIMIT 1').get(jobId) as AttemptRow | undefined;
    return row && toAttempt(row);
  }

  /** Attempts a crash left open are closed as interrupted, so history stays truthful. */
  closeDanglingAttempts(): void {
    this
      .stmt(`UPDATE attempts SET ended_at = ?, error_code = 'ERR_CANCELED', error_message = 'Interrupted: ClipHarbor stopped during this attempt.' WHERE ended_at IS NULL`)
      .run(this.now());
  }

  attempts(jobId: number): Attempt[] {
    const rows = this.stmt('SELECT * FROM attempts WHERE job_id = ? ORDER BY id').all(jobId) as AttemptRow[];
    return rows.map(toAttempt);
  }

  toJob(row: JobRow, progress: Progress | null): Job {
    return {
      id: row.id,
      parentId: row.parent_id,
      kind: row.kind,
      url: row.url,
      canonicalUrl: row.canonical_url,
      state: row.state,
      result: row.result,
      priority: row.priority,
      quality: row.quality,
      audioFormat: row.audio_format,
      title: row.title,
      source: row.source,
      extractor: row.extractor,
      videoId: row.video_id,
      itemId: row.item_id,
      error: row.error_code ? { code: row.error_code, message: row.error_message ?? '' } : null,
      tries: row.tries,
      nextAttemptAt: row.next_attempt_at,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      finishedAt: row.finished_at,
      progress,
      children: row.kind === 'playlist' ? this.childSummary(row.id) : null,
    };
  }
}

interface AttemptRow {
  id: number;
  job_id: number;
  provider: string;
  variant: string | null;
  started_at: number;
  ended_at: number | null;
  error_code: ErrorCode | null;
  error_message: string | null;
  bytes: number | null;
  remote_id: string | null;
  fallback: number;
  detail: string | null;
}

function toAttempt(r: AttemptRow): Attempt {
  let detail: AttemptDetail | null = null;
  if (r.detail) {
    try {
      detail = JSON.parse(r.detail) as AttemptDetail;
    } catch {
      detail = null;
    }
  }
  return {
    id: r.id,
    jobId: r.job_id,
    provider: r.provider,
    variant: r.variant,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    error: r.error_code ? { code: r.error_code, message: r.error_message ?? '' } : null,
    bytes: r.bytes,
    remoteId: r.remote_id,
    fallback: r.fallback === 1,
    detail,
  };
}
