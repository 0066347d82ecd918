import fs from 'node:fs';
import path from 'node:path';
import {
  FINAL_STATES,
  methods,
  PROVIDERS,
  RUNNING_STATES,
  SECRET_NAMES,
  SettingsSchema,
  UNFINISHED_STATES,
  type EventName,
  type EventPayload,
  type Handlers,
  type Item,
  type Job,
  type MethodArgs,
  type MethodInput,
  type MethodName,
  type MethodOutput,
  type ProviderHealth,
  type ProviderName,
  type SecretName,
  type Settings,
} from '../../shared/contract';
import { AppError } from '../../shared/errors';
import type { MediaKind } from '../../shared/wire';
import { Binaries, type BinaryName } from './binaries';
import { YtdlpUpdater } from './ytdlp-update';
import { envSecret, envSecretSource, envSettings } from './config';
import { routeFor } from './routing';
import { Breakers } from './net/breaker';
import { RateLimiter } from './net/ratelimit';
import { StockSearch } from './search/service';
import { EventBus, ProgressCoalescer } from './events';
import { canonicalUrl, formatProfile } from './library/canonical';
import { assertWritableDir, stagingDirFor, STAGING_DIR } from './library/files';
import { createLogger, type Logger } from './log';
import { defaultLibraryDir } from './paths';
import { isOrphanWorker, reapOrphan } from './proc';
import { Worker, type WorkerHandle } from './queue/worker';
import type { Statement } from 'better-sqlite3';
import { openDatabase, type DB } from './store/db';
import { ItemStore } from './store/items';
import { JobStore, type JobRow, type NewJob } from './store/jobs';
import { loadSettings, saveSettings } from './store/settings';
import { plainBox, SecretStore, type SecretBox } from './store/secrets';
import { exportHistory, providerStats, recentOutcomes, statsSummary } from './store/stats';
import { CLOUD_PROVIDERS, isCloudProvider } from './providers/registry';

/** What the program hosting the engine can do beyond it (the desktop shell can show a file in its folder). */
export interface EngineHost {
  kind: 'desktop' | 'server' | 'cli';
  reveal?: (absPath: string) => void | Promise<void>;
}

export interface EngineOptions {
  dataDir: string;
  /** Overrides the saved library folder for this run (CLI --dir, CLIPHARBOR_LIBRARY). */
  libraryDir?: string;
  /** Settings for this run only, over the saved ones (CLI flags); never persisted. */
  overrides?: Partial<Settings>;
  env?: NodeJS.ProcessEnv;
  /** Folders with bundled binaries (Electron resources, app data), searched before PATH. */
  bundledBinDirs?: string[];
  /** How yt-dlp can run JavaScript for YouTube: our own Node. Null to disable. */
  jsRuntime?: { path: string; env: NodeJS.ProcessEnv } | null;
  clock?: () => number;
  logger?: Logger;
  appVersion?: string;
  host?: EngineHost;
  /** Seals secrets at rest; the desktop app passes the OS keychain, headless runs keep them as is. */
  secretBox?: SecretBox;
}

export class Engine {
  readonly dataDir: string;
  readonly db: DB;
  readonly jobs: JobStore;
  readonly items: ItemStore;
  readonly secrets: SecretStore;
  private readonly insertEvent: Statement;
  readonly binaries: Binaries;
  readonly ytdlp: YtdlpUpdater;
  readonly log: Logger;
  readonly bus = new EventBus();
  readonly progress: ProgressCoalescer;
  readonly now: () => number;
  readonly env: NodeJS.ProcessEnv;
  readonly jsRuntime: { path: string; env: NodeJS.ProcessEnv } | null;
  /** One circuit breaker per remote provider; in memory, so a restart gives every service a fresh chance. */
  readonly breakers: Breakers;
  /** Per-source request windows and what services said about their limits, kept in SQLite across restarts. */
  readonly limiter: RateLimiter;
  /** Pexels and Pixabay search, with its 24 h answer cache and the themes searched. */
  readonly search: StockSearch;
  private readonly opts: EngineOptions;
  private saved: Settings;
  private readonly fromEnv: Partial<Settings>;
  private readonly running = new Map<number, WorkerHandle>();
  private retryTimer: NodeJS.Timeout | null = null;
  private started = false;
  private stopping = false;
  readonly handlers: Handlers;

  constructor(opts: EngineOptions) {
    this.opts = opts;
    this.dataDir = path.resolve(opts.dataDir);
    this.now = opts.clock ?? Date.now;
    this.env = opts.env ?? process.env;
    this.db = openDatabase(this.dataDir);
    this.log = opts.logger ?? createLogger(this.dataDir);
    this.jobs = new JobStore(this.db, this.now);
    this.items = new ItemStore(this.db, this.now);
    this.secrets = new SecretStore(this.db, opts.secretBox ?? plainBox, this.now);
    this.insertEvent = this.db.prepare('INSERT INTO events (at, type, job_id, data) VALUES (?, ?, ?, ?)');
    this.progress = new ProgressCoalescer(this.bus);
    this.saved = loadSettings(this.db);
    const env = envSettings(this.env);
    this.fromEnv = env.settings;
    for (const problem of env.problems) this.log.warn({ problem }, 'environment setting ignored');
    this.breakers = new Breakers(this.now);
    this.limiter = new RateLimiter(this.db, this.now);
    this.search = new StockSearch({
      db: this.db,
      now: this.now,
      log: this.log,
      settings: () => this.settings,
      secret: (name) => this.secret(name),
      limiter: this.limiter,
    });
    this.jsRuntime = opts.jsRuntime === undefined ? defaultJsRuntime() : opts.jsRuntime;
    this.binaries = new Binaries(this.binarySources());
    this.ytdlp = new YtdlpUpdater({
      dataDir: this.dataDir,
      binaries: this.binaries,
      settings: () => this.settings,
      log: this.log,
      now: this.now,
      // swapping the binary under a running yt-dlp fails on Windows, and a version change mid-job confuses resume;
      // before start() rows in running states are leftovers of a crash, not running downloads
      assertIdle: () => {
        if (this.started && this.jobs.listIds(RUNNING_STATES).length > 0) {
          throw new AppError('ERR_BAD_STATE', 'Downloads are running: pause them (Pause all) before updating or rolling back yt-dlp.');
        }
      },
    });
    this.handlers = this.makeHandlers();
  }

  /** Effective settings: flags (overrides) > environment > saved > defaults. */
  get settings(): Settings {
    return { ...this.saved, ...this.fromEnv, ...this.opts.overrides };
  }

  /** Which secrets are set, here or in the environment; never their values. */
  private secretsStatus(): MethodOutput<'secrets.status'> {
    const set = Object.fromEntries(SECRET_NAMES.map((n) => [n, this.secret(n) !== undefined])) as Record<SecretName, boolean>;
    const fromEnv = Object.fromEntries(SECRET_NAMES.map((n) => [n, envSecretSource(this.env, n) ?? null])) as Record<SecretName, string | null>;
    return { protection: this.secrets.protection, set, fromEnv };
  }

  /** Breaker state, recent outcomes and why the chain would skip it: what the UI shows per provider. */
  private providerHealth(provider: ProviderName): ProviderHealth {
    const s = this.settings;
    let unavailable: string | null = null;
    if (isCloudProvider(provider)) unavailable = CLOUD_PROVIDERS[provider].unavailable({ settings: s, secret: (n) => this.secret(n) });
    else if (provider === 'yt-dlp') unavailable = this.binaries.locate('yt-dlp').error;
    // yt-dlp and direct talk to many sites: one site failing says nothing about the others, so they have no breaker
    const breaker = isCloudProvider(provider) ? this.breakers.snapshot(provider) : { state: 'closed' as const, consecutiveFailures: 0, openUntil: null };
    const recent = recentOutcomes(this.db, provider);
    return {
      provider,
      enabled: !s.disabledProviders.includes(provider),
      unavailable,
      breaker: breaker.state,
      consecutiveFailures: breaker.consecutiveFailures,
      openUntil: breaker.openUntil,
      recentSuccessRate: recent.rate,
      recentAttempts: recent.count,
      lastError: recent.lastError,
    };
  }

  /** Effective secret: an environment variable (APIFY_TOKEN, …) wins over the stored value. Never log it. */
  secret(name: SecretName): string | undefined {
    return envSecret(this.env, name) ?? this.secrets.get(name);
  }

  get libraryDir(): string {
    return path.resolve(this.opts.libraryDir || this.settings.libraryDir || defaultLibraryDir());
  }

  private binarySources() {
    const s = this.settings;
    const settings: Partial<Record<BinaryName, string>> = { 'yt-dlp': s.ytdlpPath, ffmpeg: s.ffmpegPath, ffprobe: s.ffprobePath };
    // the copy `ytdlp update` fetched into app data is newer than the one shipped with the app
    return { settings, env: this.env, bundledDirs: [path.join(this.dataDir, 'bin'), ...(this.opts.bundledBinDirs ?? [])] };
  }

  /** The one entry point for every front end: validates input against the contract, then runs the handler. */
  async call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>> {
    const def = methods[method];
    if (!def) throw new AppError('ERR_INVALID_INPUT', `Unknown command ${String(method)}.`);
    const parsed = def.input.safeParse(input ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.length ? ` (${issue.path.join('.')})` : '';
      throw new AppError('ERR_INVALID_INPUT', `${issue?.message ?? 'Invalid input'}${where}`);
    }
    const handler = this.handlers[method] as (args: unknown) => MethodOutput<M> | Promise<MethodOutput<M>>;
    return handler(parsed.data);
  }

  on<E extends EventName>(event: E, handler: (payload: EventPayload<E>) => void): () => void {
    return this.bus.on(event, handler);
  }

  /**
   * The absolute path of an item's media file, thumbnail or keyframe, for the media protocol and the headless server.
   * Only files recorded in the library are reachable, and only when their real path stays inside the item's library
   * folder (a symlink planted there cannot lead out of it).
   */
  itemFile(id: number, kind: MediaKind): string {
    const item = this.items.require(id);
    const keyframe = /^keyframe\/(\d+)$/.exec(kind);
    const rel = keyframe ? this.items.keyframePath(id, Number(keyframe[1])) : kind === 'media' ? item.path : item.thumbnail;
    if (!rel) throw new AppError('ERR_NOT_FOUND', `Library item ${id} has no ${kind}.`);
    const root = this.items.rootOf(id) ?? this.libraryDir;
    let realRoot: string;
    let real: string;
    try {
      realRoot = fs.realpathSync(root);
      real = fs.realpathSync(path.resolve(root, rel));
    } catch {
      throw new AppError('ERR_NOT_FOUND', `The ${kind} of library item ${id} is missing from ${root}.`);
    }
    const inside = path.relative(realRoot, real);
    if (!inside || inside.startsWith('..') || path.isAbsolute(inside) || inside.split(path.sep)[0] === STAGING_DIR) {
      throw new AppError('ERR_NOT_FOUND', `The ${kind} of library item ${id} is outside the library.`);
    }
    return real;
  }

  toJob(row: JobRow): Job {
    return this.jobs.toJob(row, FINAL_STATES.includes(row.state) ? null : this.progress.get(row.id));
  }

  emitJob(row: JobRow): Job {
    const job = this.toJob(row);
    this.bus.emit('job.updated', job);
    if (row.parent_id) {
      const parent = this.jobs.get(row.parent_id);
      if (parent) this.bus.emit('job.updated', this.toJob(parent));
    }
    return job;
  }

  emitItem(item: Item): void {
    this.bus.emit('library.added', item);
  }

  recordEvent(type: string, jobId: number | null, data: Record<string, unknown>): void {
    this.insertEvent.run(this.now(), type, jobId, JSON.stringify(data));
  }

  /**
   * Recovers from a crash, then starts scheduling. Jobs a previous run left mid-flight go back to the queue and
   * continue from their partial data; workers that run survived it are stopped first so no file has two writers.
   */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.jobs.closeDanglingAttempts();
    for (const id of this.jobs.listIds(RUNNING_STATES)) {
      const row = this.jobs.require(id);
      if (row.worker_pid && isOrphanWorker(row.worker_pid, stagingDirFor(this.libraryDir, id))) {
        this.log.warn({ jobId: id, pid: row.worker_pid }, 'stopping a worker left by a previous run');
        await reapOrphan(row.worker_pid);
      }
      this.jobs.transition(id, 'queued', { worker_pid: null });
      this.log.info({ jobId: id, from: row.state }, 'recovered unfinished job');
    }
    this.cleanStaging();
    this.pump();
  }

  /** Staging folders of jobs that no longer need them (finished, removed) hold only dead partial data. */
  private cleanStaging(): void {
    const dir = path.join(this.libraryDir, STAGING_DIR);
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      const m = /^job-(\d+)$/.exec(name);
      if (!m) continue;
      const row = this.jobs.get(Number(m[1]));
      if (!row || !UNFINISHED_STATES.includes(row.state)) fs.rmSync(path.join(dir, name), { recursive: true, force: true });
    }
  }

  /** Number of jobs holding a download slot (post-processing does not hold one). */
  private slotsInUse(): number {
    let n = 0;
    for (const w of this.running.values()) if (w.holdsSlot) n++;
    return n;
  }

  pump(): void {
    if (!this.started || this.stopping) return;
    const limit = this.settings.concurrency;
    while (this.slotsInUse() < limit) {
      const row = this.jobs.pickNext(this.now(), new Set(this.running.keys()));
      if (!row) break;
      const worker = new Worker(this, row.id);
      this.running.set(row.id, worker.handle);
      void worker.run().finally(() => {
        this.running.delete(row.id);
        this.pump();
      });
    }
    this.scheduleRetryWake();
  }

  /** Called by a worker when it gives up its download slot to post-process. */
  slotReleased(): void {
    this.pump();
  }

  private scheduleRetryWake(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const at = this.jobs.nextRetryAt();
    if (at === null) return;
    this.retryTimer = setTimeout(() => this.pump(), Math.max(0, at - this.now()) + 5);
    this.retryTimer.unref();
  }

  /** Stops workers so their jobs resume on the next start, then closes the database. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const done = [...this.running.values()].map((w) => {
      w.interrupt('shutdown');
      return w.done;
    });
    await Promise.allSettled(done);
    this.log.flush();
    try {
      // refreshes the query planner's statistics where the library grew a lot during this run
      this.db.pragma('optimize');
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'could not refresh query statistics');
    }
    this.db.close();
  }

  /** Resolves when every listed job (and its children, for playlists) has finished. */
  waitForJobs(ids: readonly number[]): Promise<void> {
    const pending = new Set(ids);
    const isDone = (id: number): boolean => {
      const row = this.jobs.get(id);
      if (!row) return true;
      if (row.kind === 'playlist') return this.jobs.children(id).every((c) => isDone(c.id));
      return !UNFINISHED_STATES.includes(row.state) || row.state === 'paused';
    };
    return new Promise((resolve) => {
      const settle = (ids: Iterable<number>) => {
        for (const id of ids) if (pending.has(id) && isDone(id)) pending.delete(id);
        if (pending.size === 0) {
          off();
          resolve();
        }
      };
      // an update can only finish that job or its playlist parent: re-check those, not the whole batch
      const off = this.bus.on('job.updated', (job) => settle(job.parentId ? [job.id, job.parentId] : [job.id]));
      settle([...pending]);
    });
  }

  private interruptOrTransition(id: number, to: 'paused' | 'canceled'): Promise<JobRow> | JobRow {
    const w = this.running.get(id);
    if (w) {
      w.interrupt(to === 'paused' ? 'pause' : 'cancel');
      return w.done.then(() => this.jobs.require(id));
    }
    const row = this.jobs.transition(id, to, { next_attempt_at: null });
    if (to === 'canceled') {
      fs.rmSync(stagingDirFor(this.libraryDir, id), { recursive: true, force: true });
      this.progress.stop(id, false);
    }
    this.emitJob(row);
    return row;
  }

  private async applyToJob(id: number, action: 'pause' | 'cancel'): Promise<Job> {
    const row = this.jobs.require(id);
    const to = action === 'pause' ? 'paused' : 'canceled';
    if (row.kind === 'playlist') {
      const kids = this.jobs.children(id).filter((c) => UNFINISHED_STATES.includes(c.state) && !(to === 'paused' && c.state === 'paused'));
      if (kids.length === 0) throw new AppError('ERR_BAD_STATE', `Playlist job ${id} has nothing left to ${action}.`);
      await Promise.all(kids.map((c) => this.interruptOrTransition(c.id, to)));
      return this.emitJob(this.jobs.require(id));
    }
    return this.toJob(await this.interruptOrTransition(id, to));
  }

  private requeue(id: number, from: readonly JobRow['state'][], patch: Partial<JobRow> = {}): Job {
    const row = this.jobs.require(id);
    if (row.kind === 'playlist') {
      const kids = this.jobs.children(id).filter((c) => from.includes(c.state));
      if (kids.length === 0) throw new AppError('ERR_BAD_STATE', `Playlist job ${id} has no child jobs that can be ${from.includes('paused') ? 'resumed' : 'retried'}.`);
      for (const c of kids) this.emitJob(this.jobs.transition(c.id, 'queued', { ...patch, next_attempt_at: null }));
      const job = this.emitJob(this.jobs.require(id));
      this.pump();
      return job;
    }
    const job = this.emitJob(this.jobs.transition(id, 'queued', { ...patch, next_attempt_at: null }, from));
    this.pump();
    return job;
  }

  /**
   * Enqueues links; one already queued maps to its job, one already in the library completes at once as a duplicate.
   * Entries may carry what is known up front (stock results: their id, creator and a forced direct route).
   */
  private addJobs(
    entries: ReadonlyArray<{ url: string; dedupUrl?: string; known?: Omit<NewJob, 'url' | 'canonicalUrl' | 'quality' | 'audioFormat' | 'formatProfile' | 'priority'> }>,
    opts: { quality?: MethodArgs<'jobs.add'>['quality']; audioFormat?: MethodArgs<'jobs.add'>['audioFormat']; priority: number },
  ): MethodOutput<'jobs.add'> {
    const s = this.settings;
    const quality = opts.quality ?? s.defaultQuality;
    // refuse up front, so a missing program or an unwritable library changes nothing
    for (const name of ['ffprobe', 'ffmpeg'] as const) this.binaries.require(name);
    const ytdlpOnly = entries.some((e) => routeFor(e.url, s, quality, e.known?.route ?? null).chain.every((p) => p === 'yt-dlp'));
    if (ytdlpOnly) this.binaries.require('yt-dlp');
    assertWritableDir(this.libraryDir);
    const audioFormat = opts.audioFormat ?? s.audioFormat;
    const profile = formatProfile(quality, audioFormat);
    let created = 0;
    const rows = this.db.transaction(() =>
      entries.map(({ url, dedupUrl, known }) => {
        const canonical = canonicalUrl(dedupUrl ?? url);
        const existing = this.jobs.findUnfinished(canonical, profile);
        if (existing) return existing;
        const item =
          (known?.extractor && known.videoId ? this.items.byVideo(known.extractor, known.videoId, profile) : undefined) ??
          this.items.byCanonicalUrl(canonical, profile);
        created++;
        const id = this.jobs.insert({
          ...known,
          url,
          canonicalUrl: canonical,
          quality,
          audioFormat,
          formatProfile: profile,
          priority: opts.priority,
          ...(item ? { state: 'completed' as const, result: 'skipped_duplicate' as const, itemId: item.id, title: item.title } : {}),
        });
        return this.jobs.require(id);
      }),
    )();
    const jobs = rows.map((r) => this.toJob(r));
    for (const job of jobs) this.bus.emit('job.updated', job);
    this.log.info({ count: entries.length, created }, 'jobs added');
    this.pump();
    return { jobs, created };
  }

  private makeHandlers(): Handlers {
    return {
      'jobs.add': (args) => this.addJobs(args.urls.map((url) => ({ url })), args),
      'jobs.list': (args) => {
        const { rows, total } = this.jobs.list(args);
        return { jobs: rows.map((r) => this.toJob(r)), total };
      },
      'jobs.get': ({ id }) => {
        const row = this.jobs.require(id);
        return { job: this.toJob(row), attempts: this.jobs.attempts(id), children: this.jobs.children(id).map((c) => this.toJob(c)) };
      },
      'jobs.pause': ({ id }) => this.applyToJob(id, 'pause'),
      'jobs.cancel': ({ id }) => this.applyToJob(id, 'cancel'),
      'jobs.resume': ({ id }) => this.requeue(id, ['paused']),
      'jobs.retry': ({ id }) =>
        this.requeue(id, ['failed', 'canceled', 'retry_wait'], { tries: 0, error_code: null, error_message: null }),
      'jobs.setPriority': ({ id, priority }) => {
        const row = this.jobs.require(id);
        for (const c of row.kind === 'playlist' ? this.jobs.children(id) : []) this.emitJob(this.jobs.update(c.id, { priority }));
        const job = this.emitJob(this.jobs.update(id, { priority }));
        this.pump();
        return job;
      },
      'queue.pauseAll': async () => {
        const ids = this.jobs.listIds(['queued', 'retry_wait', 'resolving', 'downloading']).filter((id) => this.jobs.require(id).kind === 'single');
        await Promise.all(ids.map((id) => this.interruptOrTransition(id, 'paused')));
        return { affected: ids.length };
      },
      'queue.resumeAll': () => {
        const ids = this.jobs.listIds(['paused']);
        for (const id of ids) this.emitJob(this.jobs.transition(id, 'queued'));
        this.pump();
        return { affected: ids.length };
      },
      'library.list': (args) => this.items.list(args),
      'library.get': ({ id }) => ({ ...this.items.require(id), keyframes: this.items.keyframes(id).map(({ index, timeSec }) => ({ index, timeSec })) }),
      'library.remove': ({ id, deleteFile }) => {
        const item = this.items.require(id);
        const root = this.items.rootOf(id) ?? this.libraryDir;
        let fileDeleted = false;
        if (deleteFile) {
          const abs = path.join(root, item.path);
          try {
            fs.rmSync(abs);
            fileDeleted = true;
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
              throw new AppError('ERR_DISK', `Cannot delete ${abs}: ${(err as Error).message}. The item was kept.`);
            }
          }
          if (item.thumbnail) fs.rmSync(path.join(root, item.thumbnail), { force: true });
          for (const k of this.items.keyframes(id)) fs.rmSync(path.join(root, k.path), { force: true });
        }
        this.items.remove(id);
        this.bus.emit('library.removed', { id });
        return { id, fileDeleted };
      },
      'library.facets': () => this.items.facets(),
      'library.reveal': async ({ id }) => {
        const reveal = this.opts.host?.reveal;
        if (!reveal) throw new AppError('ERR_UNSUPPORTED', 'Showing a file in its folder works in the desktop app only.');
        const file = this.itemFile(id, 'media');
        await reveal(file);
        return { path: file };
      },
      'settings.get': () => this.settings,
      'settings.update': (patch) => {
        const next = SettingsSchema.parse({ ...this.saved, ...patch });
        if (patch.libraryDir !== undefined && path.resolve(patch.libraryDir || defaultLibraryDir()) !== path.resolve(this.saved.libraryDir || defaultLibraryDir())) {
          if (this.jobs.listIds(RUNNING_STATES).length > 0) {
            throw new AppError('ERR_BAD_STATE', 'Downloads are running: pause them (Pause all) before changing the library folder.');
          }
          assertWritableDir(path.resolve(patch.libraryDir || defaultLibraryDir()));
        }
        saveSettings(this.db, patch);
        this.saved = next;
        this.binaries.setSources(this.binarySources());
        this.bus.emit('settings.changed', this.settings);
        this.pump();
        return this.settings;
      },
      'secrets.status': () => this.secretsStatus(),
      'secrets.set': ({ name, value }) => {
        this.secrets.set(name, value);
        this.log.info({ secret: name }, 'secret saved');
        return this.secretsStatus();
      },
      'secrets.clear': ({ name }) => {
        this.secrets.clear(name);
        this.log.info({ secret: name }, 'secret cleared');
        return this.secretsStatus();
      },
      'queue.summary': () => this.jobs.summary(),
      'stats.summary': ({ days, utcOffsetMin }) => statsSummary(this.db, this.now(), days, utcOffsetMin),
      'stats.export': ({ format }) => exportHistory(this.db, format, this.now()),
      'search.run': (query) => this.search.run(query),
      'search.suggest': ({ prefix, limit }) => ({ themes: this.search.suggest(prefix, limit) }),
      'search.popular': ({ limit }) => ({ themes: this.search.popular(limit) }),
      'search.download': ({ results, priority }) =>
        this.addJobs(
          results.map((r) => ({
            url: r.fileUrl,
            // the stock page is the video's identity: another rendition of it is the same video
            dedupUrl: r.pageUrl,
            known: {
              title: r.title,
              source: r.source,
              extractor: r.source,
              videoId: r.id,
              uploader: r.creatorName,
              attributionName: r.creatorName,
              attributionUrl: r.creatorUrl ?? r.pageUrl,
              route: 'direct',
            },
          })),
          { quality: 'best', priority },
        ),
      'providers.health': () => ({ providers: PROVIDERS.map((p) => this.providerHealth(p)) }),
      'stats.providers': ({ days }) => ({ providers: providerStats(this.db, this.now(), days) }),
      'ytdlp.status': () => this.ytdlp.status(),
      'ytdlp.update': () => this.ytdlp.update(),
      'ytdlp.rollback': () => this.ytdlp.rollback(),
      'system.info': async () => {
        const binaries = await Promise.all((['yt-dlp', 'ffmpeg', 'ffprobe'] as const).map((n) => this.binaries.info(n)));
        return {
          appVersion: this.opts.appVersion ?? '0.0.0',
          runtime: process.versions.electron ? `Electron ${process.versions.electron}` : `Node ${process.versions.node}`,
          host: { kind: this.opts.host?.kind ?? 'cli', canReveal: Boolean(this.opts.host?.reveal) },
          dataDir: this.dataDir,
          libraryDir: this.libraryDir,
          diskFreeBytes: diskFree(this.libraryDir),
          binaries,
        };
      },
    };
  }
}

function diskFree(dir: string): number | null {
  for (let d = dir; ; d = path.dirname(d)) {
    try {
      const st = fs.statfsSync(d);
      return st.bavail * st.bsize;
    } catch {
      if (path.dirname(d) === d) return null;
    }
  }
}

/** Our own runtime as yt-dlp's JavaScript engine: Node ≥ 22 directly, or Electron's binary acting as Node. */
function defaultJsRuntime(): { path: string; env: NodeJS.ProcessEnv } | null {
  if (process.versions.electron) return { path: process.execPath, env: { ELECTRON_RUN_AS_NODE: '1' } };
  const major = Number(process.versions.node.split('.')[0]);
  return major >= 22 ? { path: process.execPath, env: {} } : null;
}

export function createEngine(opts: EngineOptions): Engine {
  return new Engine(opts);
}
