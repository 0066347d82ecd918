import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { QUALITIES, JOB_STATES, type Job, type JobState, type Quality } from '../../shared/contract';
import { AppError, toAppError } from '../../shared/errors';
import { formatBytes, formatDuration } from '../../shared/format';
import { preview } from '../../shared/url';
import { TOKEN_QUERY } from '../../shared/wire';
import { createEngine, defaultDataDir, type Engine, type EngineOptions } from '../engine';
import { assertBindAllowed, startServer } from '../server';
import { linesOf, readListFile, readStdin, UsageError, validateAll, type UrlSource } from './inputs';
import { ProgressBoard } from './progress';
import { cmdSearch } from './search';
import { cmdYtdlp } from './ytdlp';

const VERSION = process.env.npm_package_version ?? '0.1.0';

const HELP = `ClipHarbor ${VERSION} — download videos into a local library

Usage:
  clipharbor get <url...> [options]    download links and wait until they finish
  clipharbor resume [options]          continue every unfinished job
  clipharbor list [options]            show jobs
  clipharbor serve [options]           run the app in a browser (headless) until Ctrl-C
  clipharbor search "<theme>" [options]
                                       find stock videos on Pexels and Pixabay; --get downloads them
                                       (options: clipharbor search --help)
  clipharbor ytdlp update|rollback|status [--data DIR] [--json]
                                       fetch the newest yt-dlp release (verified) into the data folder,
                                       go back to the copy before it, or show which yt-dlp is used

Options:
  --dir DIR            library folder (env CLIPHARBOR_LIBRARY; default ~/Videos/ClipHarbor)
  --data DIR           data folder with the database (env CLIPHARBOR_DATA; default ${defaultDataDir()})
  --quality Q          ${QUALITIES.join(' | ')} (default: the saved setting, best)
  --audio-format F     m4a | mp3, for --quality audio
  --concurrency N      parallel downloads for this run, 1–10
  --priority N         -100..100, higher runs first
  --from FILE          read links from FILE, one per line (# comments allowed); "-" as a link reads stdin
  --state S            list: only jobs in state S (${JOB_STATES.join(', ')})
  --limit N            list: at most N jobs (default 200)
  --json               one JSON line per finished job (get, resume) or per job (list)
  --host HOST          serve: address to listen on (default 127.0.0.1; any other needs --token)
  --port N             serve: port, 0 for any free one (default 8787)
  --token T            serve: access token every request must carry (env CLIPHARBOR_TOKEN)
  -h, --help           this help
  -v, --version        print the version

Exit status: 0 when every job completed or was a duplicate, 1 when any failed, 2 on bad usage.`;

const OPTIONS = {
  dir: { type: 'string' },
  data: { type: 'string' },
  quality: { type: 'string' },
  'audio-format': { type: 'string' },
  concurrency: { type: 'string' },
  priority: { type: 'string' },
  from: { type: 'string', multiple: true },
  state: { type: 'string', multiple: true },
  limit: { type: 'string' },
  json: { type: 'boolean' },
  host: { type: 'string' },
  port: { type: 'string' },
  token: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} satisfies ParseArgsConfig['options'];

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

export function intOption(value: string | undefined, name: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max} (got "${preview(value)}").`);
  return n;
}

export function openEngine(v: Values, host?: EngineOptions['host']): Engine {
  const dataDir = path.resolve(v.data ?? process.env.CLIPHARBOR_DATA ?? defaultDataDir());
  const libraryDir = v.dir ?? process.env.CLIPHARBOR_LIBRARY;
  const concurrency = intOption(v.concurrency, 'concurrency', 1, 10);
  return createEngine({
    dataDir,
    libraryDir: libraryDir ? path.resolve(libraryDir) : undefined,
    overrides: concurrency ? { concurrency } : {},
    appVersion: VERSION,
    host,
  });
}

/** One `--json` line per finished job. */
export interface FinishedLine {
  jobId: number;
  url: string;
  status: 'completed' | 'failed' | 'skipped_duplicate' | 'canceled';
  file: string | null;
  sha256: string | null;
  bytes: number | null;
  durationSec: number | null;
  width: number | null;
  height: number | null;
  provider: string | null;
  error: { code: string; message: string } | null;
}

function finishedLine(engine: Engine, job: Job): FinishedLine {
  const item = job.itemId ? engine.items.get(job.itemId) : undefined;
  const attempts = engine.jobs.attempts(job.id);
  const status = job.state === 'completed' ? (job.result === 'skipped_duplicate' ? 'skipped_duplicate' : 'completed') : job.state === 'canceled' ? 'canceled' : 'failed';
  return {
    jobId: job.id,
    url: job.url,
    status,
    file: item ? path.join(engine.libraryDir, item.path) : null,
    sha256: item?.sha256 ?? null,
    bytes: item?.bytes ?? null,
    durationSec: item?.durationSec ?? null,
    width: item?.width ?? null,
    height: item?.height ?? null,
    provider: attempts.filter((a) => !a.error).at(-1)?.provider ?? attempts.at(-1)?.provider ?? null,
    error: job.error,
  };
}

/** Follows the given jobs (and children of playlists among them) until all end, printing each as it finishes. */
export async function follow(engine: Engine, rootIds: number[], json: boolean): Promise<number> {
  const started = Date.now();
  const tty = !json && process.stdout.isTTY === true;
  const board = tty ? new ProgressBoard(process.stdout) : null;
  const tracked = new Set(rootIds);
  const reported = new Set<number>();
  const counts = { completed: 0, skipped_duplicate: 0, failed: 0, canceled: 0 };
  let bytes = 0;

  const report = (job: Job) => {
    if (job.kind === 'playlist' || reported.has(job.id)) return;
    if (!['completed', 'failed', 'canceled'].includes(job.state)) return;
    reported.add(job.id);
    const line = finishedLine(engine, job);
    counts[line.status]++;
    bytes += line.status === 'completed' ? line.bytes ?? 0 : 0;
    if (json) {
      process.stdout.write(`${JSON.stringify(line)}\n`);
      return;
    }
    const name = preview(job.title ?? job.url, 120);
    const text =
      line.status === 'completed'
        ? `✓ ${name} → ${line.file} (${formatBytes(line.bytes)}, ${line.width && line.height ? `${line.width}×${line.height}, ` : ''}${formatDuration(line.durationSec)})`
        : line.status === 'skipped_duplicate'
          ? `= ${name}: already in the library${line.file ? ` (${line.file})` : ''}`
          : `✗ ${name}: ${line.error?.message ?? line.status}`;
    if (board) board.line(text);
    else process.stdout.write(`${text}\n`);
  };

  const offUpdate = engine.on('job.updated', (job) => {
    if (job.parentId && tracked.has(job.parentId)) tracked.add(job.id);
    if (!tracked.has(job.id)) return;
    board?.update(job);
    report(job);
  });
  const offProgress = engine.on('job.progress', ({ jobId, progress }) => board?.progress(jobId, progress));
  for (const id of rootIds) {
    const row = engine.jobs.get(id);
    if (row) for (const c of engine.jobs.children(id)) tracked.add(c.id);
  }
  for (const id of [...tracked]) {
    const row = engine.jobs.get(id);
    if (row) report(engine.toJob(row));
  }
  await engine.waitForJobs(rootIds);
  offUpdate();
  offProgress();
  board?.stop();
  if (!json) {
    const secs = (Date.now() - started) / 1000;
    process.stdout.write(
      `${counts.completed} downloaded (${formatBytes(bytes)}), ${counts.skipped_duplicate} already in the library, ${counts.failed} failed${counts.canceled ? `, ${counts.canceled} canceled` : ''} in ${secs.toFixed(1)} s\n`,
    );
  }
  return counts.failed + counts.canceled > 0 ? 1 : 0;
}

async function collectUrls(positionals: string[], from: string[] | undefined): Promise<UrlSource[]> {
  const sources: UrlSource[] = [];
  let stdinUsed = false;
  for (const [i, arg] of positionals.entries()) {
    if (arg === '-') {
      if (stdinUsed) throw new UsageError('"-" (stdin) can be given only once.');
      stdinUsed = true;
      sources.push(...linesOf(await readStdin(), 'stdin'));
    } else {
      sources.push({ where: `argument ${i + 1}`, text: arg });
    }
  }
  for (const file of from ?? []) sources.push(...linesOf(readListFile(file), path.basename(file)));
  return sources;
}

/** Installs Ctrl-C/SIGTERM handling: running jobs stop and go back to the queue for `clipharbor resume`. */
export function stopOnSignals(engine: Engine): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    stopping = true;
    process.stderr.write(`\nStopping… unfinished downloads continue with: clipharbor resume\n`);
    void engine.stop().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

async function cmdGet(v: Values, positionals: string[]): Promise<number> {
  const sources = await collectUrls(positionals, v.from);
  if (sources.length === 0) throw new UsageError('No links given: clipharbor get <url...>, --from FILE, or - for stdin.');
  const { urls, errors } = validateAll(sources);
  if (errors.length) {
    const shown = errors.slice(0, 10).map((e) => `  ${e}`);
    if (errors.length > 10) shown.push(`  … and ${errors.length - 10} more`);
    throw new UsageError(`${errors.length} of ${sources.length} links are not valid; nothing was queued:\n${shown.join('\n')}`);
  }
  if (v.quality !== undefined && !QUALITIES.includes(v.quality as Quality)) {
    throw new UsageError(`--quality must be one of ${QUALITIES.join(', ')} (got "${preview(v.quality)}").`);
  }
  const audioFormat = v['audio-format'];
  if (audioFormat !== undefined && audioFormat !== 'm4a' && audioFormat !== 'mp3') throw new UsageError('--audio-format must be m4a or mp3.');
  const priority = intOption(v.priority, 'priority', -100, 100) ?? 0;

  const engine = openEngine(v);
  try {
    const ids: number[] = [];
    for (let i = 0; i < urls.length; i += 10_000) {
      const res = await engine.call('jobs.add', {
        urls: urls.slice(i, i + 10_000),
        quality: v.quality as Quality | undefined,
        audioFormat: audioFormat as 'm4a' | 'mp3' | undefined,
        priority,
      });
      ids.push(...res.jobs.map((j) => j.id));
    }
    stopOnSignals(engine);
    await engine.start();
    return await follow(engine, [...new Set(ids)], v.json === true);
  } finally {
    await engine.stop();
  }
}

async function cmdResume(v: Values): Promise<number> {
  const engine = openEngine(v);
  try {
    await engine.call('queue.resumeAll', {});
    const unfinished = engine.jobs.listIds(['queued', 'resolving', 'downloading', 'postprocessing', 'retry_wait', 'paused']);
    stopOnSignals(engine);
    await engine.start();
    if (unfinished.length === 0) {
      if (!v.json) process.stdout.write('Nothing to resume: every job has finished.\n');
      return 0;
    }
    return await follow(engine, unfinished, v.json === true);
  } finally {
    await engine.stop();
  }
}

async function cmdList(v: Values): Promise<number> {
  const states = (v.state ?? []).flatMap((s) => s.split(','));
  for (const s of states) if (!JOB_STATES.includes(s as JobState)) throw new UsageError(`--state must be one of ${JOB_STATES.join(', ')} (got "${preview(s)}").`);
  const limit = intOption(v.limit, 'limit', 1, 500) ?? 200;
  const engine = openEngine(v);
  try {
    const { jobs, total } = await engine.call('jobs.list', { states: states as JobState[], limit, offset: 0 });
    if (v.json) {
      for (const job of jobs) process.stdout.write(`${JSON.stringify(job)}\n`);
      return 0;
    }
    if (jobs.length === 0) {
      process.stdout.write('No jobs.\n');
      return 0;
    }
    for (const job of jobs) {
      const state = job.state === 'completed' && job.result === 'skipped_duplicate' ? 'duplicate' : job.state;
      const extra = job.error ? `  — ${job.error.message}` : job.children ? `  (${job.children.completed}/${job.children.total} done)` : '';
      process.stdout.write(`${String(job.id).padStart(6)}  ${state.padEnd(14)}  ${preview(job.title ?? job.url, 90)}${extra}\n`);
    }
    if (total > jobs.length) process.stdout.write(`… ${total - jobs.length} more (use --limit or --state)\n`);
    return 0;
  } finally {
    await engine.stop();
  }
}

/** Resolves on the first Ctrl-C/SIGTERM; a second one while shutting down exits at once. */
function stopSignal(): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const handler = (signal: NodeJS.Signals) => {
      if (stopping) process.exit(signal === 'SIGINT' ? 130 : 143);
      stopping = true;
      resolve();
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
  });
}

async function cmdServe(v: Values): Promise<number> {
  const host = v.host ?? '127.0.0.1';
  if (host.trim() === '') throw new UsageError('--host must not be empty.');
  const port = intOption(v.port, 'port', 0, 65535) ?? 8787;
  if (v.token === '') throw new UsageError('--token must not be empty.');
  const token = v.token ?? (process.env.CLIPHARBOR_TOKEN || null);
  // refuse before the data folder is opened, so a refused start changes nothing
  assertBindAllowed(host, token);

  const engine = openEngine(v, { kind: 'server' });
  try {
    // listen before starting the queue: a busy port should not have started any download
    const server = await startServer({ engine, host, port, token, rendererDir: path.join(__dirname, '../renderer') });
    try {
      await engine.start();
      // the one place the token is shown: to the user who chose it, as the link that logs the browser in
      const shown = token ? `${server.url}?${TOKEN_QUERY}=${encodeURIComponent(token)}` : server.url;
      process.stdout.write(`ClipHarbor is running at ${shown}\nPress Ctrl-C to stop.\n`);
      await stopSignal();
      process.stderr.write('\nStopping… unfinished downloads continue on the next start.\n');
    } finally {
      await server.close();
    }
    return 0;
  } finally {
    await engine.stop();
  }
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '-h' || command === '--help' || command === 'help') {
    process.stdout.write(`${HELP}\n`);
    return command ? 0 : 2;
  }
  if (command === '-v' || command === '--version') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  // search has options of its own, so it parses its arguments itself
  if (command === 'search') return cmdSearch(rest);
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({ args: rest, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(`${(err as Error).message.split('\n')[0]}. See clipharbor --help.`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  switch (command) {
    case 'get':
      return cmdGet(values, positionals);
    case 'resume':
      if (positionals.length) throw new UsageError('resume takes no links; use clipharbor get.');
      return cmdResume(values);
    case 'list':
      if (positionals.length) throw new UsageError('list takes no links.');
      return cmdList(values);
    case 'serve':
      if (positionals.length) throw new UsageError('serve takes no links; add them in the browser.');
      return cmdServe(values);
    case 'ytdlp':
      return cmdYtdlp(values, positionals, () => openEngine(values));
    default:
      throw new UsageError(`Unknown command "${preview(command)}". Commands: get, resume, list, search, serve, ytdlp. See clipharbor --help.`);
  }
}

function fail(err: unknown): number {
  if (err instanceof UsageError) {
    process.stderr.write(`clipharbor: ${err.message}\n`);
    return 2;
  }
  const ae = err instanceof AppError ? err : toAppError(err);
  process.stderr.write(`clipharbor: ${ae.code === 'ERR_INVALID_INPUT' ? '' : `${ae.code}: `}${ae.message}\n`);
  return ae.code === 'ERR_INVALID_INPUT' || ae.code === 'ERR_INVALID_URL' ? 2 : 1;
}

/** Runs the CLI and exits with its status (the `bin/clipharbor.js` entry calls this). */
export function run(argv: string[]): void {
  main(argv).then(
    (code) => process.exit(code),
    (err: unknown) => process.exit(fail(err)),
  );
}

if (require.main === module) run(process.argv.slice(2));
