import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Settings, YtdlpStatus } from '../../shared/contract';
import { AppError } from '../../shared/errors';
import { parseVersion, type Binaries } from './binaries';
import type { Logger } from './log';
import { describeUrl, httpRequest } from './net/http';
import { runProcess } from './proc';

/** The real release binaries are 3–35 MB; anything far larger is not one of them. */
const MAX_BYTES = 200 * 1024 * 1024;
/** A PyInstaller one-file build unpacks itself on its first run, which can take a while on a slow disk or under a virus scan. */
const VERSION_TIMEOUT_MS = 60_000;
/** Between two chunks of the binary; the whole download has no deadline (slow links are fine, stalled ones are not). */
const STALL_TIMEOUT_MS = 60_000;
const SUMS_FILE = 'SHA2-256SUMS';
const TEMP_PREFIX = '.yt-dlp-download-';
const SWAP_PREFIX = '.yt-dlp-swap-';

/** The release asset for a platform: the standalone builds need no Python; anything else gets the Python zipapp. */
export function releaseAsset(platform: NodeJS.Platform = process.platform, arch: string = process.arch): string {
  if (platform === 'linux' && arch === 'x64') return 'yt-dlp_linux';
  if (platform === 'linux' && arch === 'arm64') return 'yt-dlp_linux_aarch64';
  if (platform === 'darwin') return 'yt-dlp_macos';
  if (platform === 'win32' && arch === 'x64') return 'yt-dlp.exe';
  if (platform === 'win32' && arch === 'arm64') return 'yt-dlp_arm64.exe';
  return 'yt-dlp';
}

/** The hex SHA-256 that a `sha256sum`-style list gives for `asset` (`<hex>  <name>`, or `<hex> *<name>` in binary mode), or null. */
export function sumFor(sums: string, asset: string): string | null {
  for (const line of sums.split(/\r?\n/)) {
    const m = /^([0-9a-fA-F]{64}) [ *](.+)$/.exec(line.trim());
    if (m && m[2] === asset) return m[1]!.toLowerCase();
  }
  return null;
}

export interface YtdlpUpdaterDeps {
  dataDir: string;
  binaries: Binaries;
  settings(): Settings;
  log: Logger;
  now(): number;
  /** Throws when the binary must not change now (downloads running); called on entry and again right before the swap. */
  assertIdle(): void;
  /** Largest download accepted (default 200 MB). */
  maxBytes?: number;
}

/**
 * Keeps a copy of yt-dlp in `<dataDir>/bin`, fetched from the official release and verified before use, with the
 * copy before it kept for a rollback. The engine searches that folder before the binaries shipped with the app and
 * before PATH, so once a copy is there it is the one used (unless a path in Settings or YTDLP_PATH says otherwise).
 */
export class YtdlpUpdater {
  readonly binDir: string;
  readonly managedPath: string;
  readonly previousPath: string;
  private readonly maxBytes: number;
  /** `--version` answers by file identity: a rename keeps inode, size and mtime, so a rotated copy is not run again. */
  private readonly versions = new Map<string, Promise<string | null>>();
  private busy = false;

  constructor(private readonly deps: YtdlpUpdaterDeps) {
    const ext = process.platform === 'win32' ? '.exe' : '';
    this.binDir = path.join(deps.dataDir, 'bin');
    this.managedPath = path.join(this.binDir, `yt-dlp${ext}`);
    this.previousPath = path.join(this.binDir, `yt-dlp.previous${ext}`);
    this.maxBytes = deps.maxBytes ?? MAX_BYTES;
  }

  async status(): Promise<YtdlpStatus> {
    const inUse = await this.deps.binaries.info('yt-dlp');
    const known = inUse.path ? { [inUse.path]: inUse.version } : {};
    const [managed, previous] = await Promise.all([this.copyAt(this.managedPath, known), this.copyAt(this.previousPath, known)]);
    let overriddenBy: string | null = null;
    if (inUse.origin === 'setting' || inUse.origin === 'env') {
      const label = inUse.origin === 'setting' ? 'the yt-dlp path in Settings' : 'YTDLP_PATH';
      overriddenBy = `yt-dlp is taken from ${label}${inUse.path ? ` (${inUse.path})` : ''}, so the copy \`clipharbor ytdlp update\` fetches is not used; clear ${label} to use it.`;
    }
    return { path: inUse.path, version: inUse.version, managed, previous, overriddenBy };
  }

  /**
   * Fetches the newest release for this platform and switches to it, keeping the current copy as the previous one.
   * `updated` is false when the newest release is already the managed copy. Nothing changes unless the download
   * matches the release's SHA2-256SUMS and runs.
   */
  async update(signal?: AbortSignal): Promise<YtdlpStatus & { updated: boolean }> {
    return this.exclusive(async () => {
      const asset = releaseAsset();
      const base = this.deps.settings().ytdlpReleaseUrl.replace(/\/+$/, '');
      const expected = await this.expectedSum(base, asset, signal);
      if (fs.existsSync(this.managedPath) && (await sha256File(this.managedPath)) === expected) {
        this.deps.log.info({ asset, sha256: expected }, 'yt-dlp is already the newest release');
        return { ...(await this.status()), updated: false };
      }

      fs.mkdirSync(this.binDir, { recursive: true });
      this.sweepLeftovers();
      const tmp = path.join(this.binDir, `${TEMP_PREFIX}${randomBytes(6).toString('hex')}${process.platform === 'win32' ? '.exe' : ''}`);
      try {
        const started = this.deps.now();
        const { sha256, bytes } = await this.download(`${base}/${asset}`, asset, tmp, signal);
        if (sha256 !== expected) {
          throw new AppError(
            'ERR_VALIDATION',
            `The downloaded ${asset} does not match its SHA-256 in the release's ${SUMS_FILE} (got ${sha256.slice(0, 12)}…, expected ${expected.slice(0, 12)}…); it was discarded and the current yt-dlp is unchanged.`,
          );
        }
        fs.chmodSync(tmp, 0o755);
        const version = await this.checkRuns(tmp, asset, signal);
        this.deps.assertIdle();
        swapIn(tmp, this.managedPath, this.previousPath);
        this.deps.log.info({ asset, version, bytes, ms: this.deps.now() - started, from: describeUrl(base) }, 'yt-dlp updated');
      } finally {
        fs.rmSync(tmp, { force: true });
      }
      this.deps.binaries.refresh();
      return { ...(await this.status()), updated: true };
    });
  }

  /** Swaps the managed copy and the previous one (so a second rollback undoes the first). */
  async rollback(): Promise<YtdlpStatus> {
    return this.exclusive(async () => {
      if (!fs.existsSync(this.previousPath)) throw new AppError('ERR_BAD_STATE', 'There is no previous yt-dlp to roll back to.');
      swapIn(this.previousPath, this.managedPath, this.previousPath);
      this.deps.binaries.refresh();
      const state = await this.status();
      this.deps.log.info({ version: state.managed?.version, previous: state.previous?.version }, 'yt-dlp rolled back');
      return state;
    });
  }

  private async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    if (this.busy) throw new AppError('ERR_BAD_STATE', 'A yt-dlp update or rollback is already running; wait for it to finish.');
    this.deps.assertIdle();
    this.busy = true;
    try {
      return await fn();
    } finally {
      this.busy = false;
    }
  }

  /** The copy at `file` with its version (`known`: versions already asked by path, so the copy in use is not run twice). */
  private async copyAt(file: string, known: Record<string, string | null>): Promise<{ path: string; version: string | null } | null> {
    let st: fs.Stats;
    try {
      st = fs.statSync(file);
    } catch {
      return null;
    }
    if (file in known) return { path: file, version: known[file] ?? null };
    const key = `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;
    let v = this.versions.get(key);
    if (!v) {
      v = runVersion(file).then((r) => r.version);
      this.versions.set(key, v);
    }
    return { path: file, version: await v };
  }

  private async expectedSum(base: string, asset: string, signal?: AbortSignal): Promise<string> {
    const url = `${base}/${SUMS_FILE}`;
    const res = await httpRequest({ url, signal }, { maxRetries: this.deps.settings().httpMaxRetries });
    if (res.status !== 200) throw httpFailure(res.status, `the release's ${SUMS_FILE}`, url);
    const sum = sumFor(res.text, asset);
    if (!sum) {
      throw new AppError(
        'ERR_VALIDATION',
        `The release's ${SUMS_FILE} (${describeUrl(url)}) has no line for ${asset}, so it cannot be verified; the current yt-dlp is unchanged.`,
      );
    }
    return sum;
  }

  /** Streams `url` (the release's `asset`) into `file`, hashing as it goes; refuses more than maxBytes. */
  private async download(url: string, asset: string, file: string, signal?: AbortSignal): Promise<{ sha256: string; bytes: number }> {
    const where = describeUrl(url);
    const stall = new AbortController();
    const combined = signal ? AbortSignal.any([signal, stall.signal]) : stall.signal;
    let timer = setTimeout(() => stall.abort(), STALL_TIMEOUT_MS);
    const cancelOrStall = (err: unknown): never => {
      if (signal?.aborted) throw new AppError('ERR_CANCELED', 'The yt-dlp update was canceled; the current yt-dlp is unchanged.');
      if (stall.signal.aborted) throw new AppError('ERR_TIMEOUT', `${where} stopped sending data for ${STALL_TIMEOUT_MS / 1000} s; try again later.`);
      throw err;
    };
    try {
      let res: Response;
      try {
        res = await fetch(url, { redirect: 'follow', signal: combined });
      } catch (err) {
        cancelOrStall(err);
        throw new AppError('ERR_NETWORK', `Could not reach ${where} (${causeCode(err)}); check your connection and the yt-dlp release address in Settings.`);
      }
      if (res.status !== 200 || !res.body) {
        await res.body?.cancel().catch(() => undefined);
        throw httpFailure(res.status, asset, url);
      }
      const announced = Number(res.headers.get('content-length') ?? NaN);
      if (announced > this.maxBytes) {
        await res.body.cancel().catch(() => undefined);
        throw this.tooLarge(where);
      }
      const hash = createHash('sha256');
      let bytes = 0;
      const meter = new Transform({
        transform: (chunk: Buffer, _enc, done) => {
          clearTimeout(timer);
          timer = setTimeout(() => stall.abort(), STALL_TIMEOUT_MS);
          bytes += chunk.length;
          if (bytes > this.maxBytes) return done(this.tooLarge(where));
          hash.update(chunk);
          done(null, chunk);
        },
      });
      try {
        await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), meter, fs.createWriteStream(file, { mode: 0o600 }), { signal: combined });
      } catch (err) {
        if (err instanceof AppError) throw err;
        cancelOrStall(err);
        if ((err as NodeJS.ErrnoException).syscall) throw new AppError('ERR_DISK', `Cannot write ${file}: ${(err as Error).message}`);
        throw new AppError('ERR_NETWORK', `The download of ${where} broke off (${causeCode(err)}); try again.`);
      }
      return { sha256: hash.digest('hex'), bytes };
    } finally {
      clearTimeout(timer);
    }
  }

  private tooLarge(where: string): AppError {
    return new AppError('ERR_TOO_LARGE', `${where} is larger than ${Math.round(this.maxBytes / 1024 / 1024)} MB, which no yt-dlp release is; check the yt-dlp release address in Settings.`);
  }

  /** The verified download must also run: a build for the wrong platform or a broken one fails here, not in a job. */
  private async checkRuns(file: string, asset: string, signal?: AbortSignal): Promise<string> {
    const r = await runVersion(file, signal);
    if (signal?.aborted) throw new AppError('ERR_CANCELED', 'The yt-dlp update was canceled; the current yt-dlp is unchanged.');
    if (!r.version) {
      throw new AppError(
        'ERR_VALIDATION',
        `The downloaded ${asset} did not run on this computer (\`--version\` ${r.problem}); it was discarded and the current yt-dlp is unchanged.`,
      );
    }
    return r.version;
  }

  /** Temp files left by an update that was killed midway. */
  private sweepLeftovers(): void {
    for (const name of fs.readdirSync(this.binDir)) {
      if (name.startsWith(TEMP_PREFIX) || name.startsWith(SWAP_PREFIX)) fs.rmSync(path.join(this.binDir, name), { force: true });
    }
  }
}

async function runVersion(file: string, signal?: AbortSignal): Promise<{ version: string | null; problem: string }> {
  const timeout = AbortSignal.timeout(VERSION_TIMEOUT_MS);
  try {
    const r = await runProcess(file, ['--version'], { signal: signal ? AbortSignal.any([signal, timeout]) : timeout, maxStdout: 64 * 1024 });
    const version = r.code === 0 ? parseVersion('yt-dlp', r.stdout) : null;
    if (version) return { version, problem: '' };
    if (timeout.aborted) return { version: null, problem: `did not answer within ${VERSION_TIMEOUT_MS / 1000} s` };
    const said = (r.stderr.trim().split('\n').at(-1) ?? '').slice(0, 200) || r.stdout.trim().split('\n')[0]?.slice(0, 200) || 'nothing';
    return { version: null, problem: r.code === 0 ? `printed no version: ${said}` : `exited with ${r.code ?? r.signal}: ${said}` };
  } catch (err) {
    return { version: null, problem: `could not start: ${(err as Error).message}` };
  }
}

function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    fs.createReadStream(file)
      .on('data', (d) => hash.update(d))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

/**
 * Puts `src` at `managed` and the copy that was there at `previous`. A hard link keeps the old copy first, so on
 * POSIX `managed` is replaced in one rename and never missing; where links are not possible the old copy is moved
 * aside instead and put back if the switch fails. With src === previous this swaps the two (rollback).
 */
function swapIn(src: string, managed: string, previous: string): void {
  const dir = path.dirname(managed);
  const keep = fs.existsSync(managed) ? path.join(dir, `${SWAP_PREFIX}${randomBytes(6).toString('hex')}`) : null;
  let linked = false;
  if (keep) {
    try {
      fs.linkSync(managed, keep);
      linked = true;
    } catch {
      fs.renameSync(managed, keep);
    }
  }
  try {
    fs.renameSync(src, managed);
  } catch (err) {
    if (keep && linked) fs.rmSync(keep, { force: true });
    else if (keep) fs.renameSync(keep, managed);
    throw new AppError('ERR_DISK', `Cannot switch yt-dlp in ${dir}: ${(err as Error).message}. The current yt-dlp is unchanged.`);
  }
  if (keep) fs.renameSync(keep, previous);
}

function httpFailure(status: number, what: string, url: string): AppError {
  const where = describeUrl(url);
  if (status === 404) {
    return new AppError('ERR_NOT_FOUND', `${where} answered 404: the release has no ${what}; check the yt-dlp release address in Settings.`);
  }
  if (status === 429) return new AppError('ERR_HTTP_429', `${where} answered 429 (too many requests) for ${what}; try again later.`);
  if (status === 403) return new AppError('ERR_HTTP_403', `${where} answered 403 (forbidden) for ${what}; try again later.`);
  if (status >= 500) return new AppError('ERR_HTTP_5XX', `${where} answered ${status} for ${what}; the server has a problem, try again later.`);
  return new AppError('ERR_NETWORK', `${where} answered ${status} for ${what}; check the yt-dlp release address in Settings.`);
}

function causeCode(err: unknown): string {
  const cause = err instanceof Error && err.cause !== undefined ? err.cause : err;
  if (cause && typeof cause === 'object' && 'code' in cause && typeof cause.code === 'string') return cause.code;
  return 'connection failed';
}
